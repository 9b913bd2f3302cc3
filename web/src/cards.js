// Itinerary cards, shared by the planner page and the <hub-planner> widget.

import { el, srOnly } from './dom.js';
import { clock, distance, duration, mass } from './format.js';

const ACTIVE_MODES = new Set(['walk', 'bike', 'car', 'carpool']);

/** Black or white text, whichever reads better on `hex` (WCAG relative luminance). */
function contrastOn(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b) > 0.4 ? '#000000' : '#ffffff';
}

/** The line's badge in the feed's colours (route_color / route_text_color). */
export function lineBadge(leg, t) {
  const route = leg.route || {};
  const mode = t(`mode_${leg.mode}`);
  const badge = el(
    'span',
    { class: `hub-badge hub-badge--${leg.mode}` },
    srOnly(`${mode} `),
    el('span', { text: route.short_name || route.long_name || mode }),
  );
  if (route.color) {
    badge.style.backgroundColor = route.color;
    badge.style.color = route.text_color || contrastOn(route.color);
  }
  return badge;
}

/** "Walking 7 min": a leg on foot or by bike (words, not emoji: not every device has them). */
function modeChip(leg, t) {
  return el(
    'span',
    { class: `hub-chip hub-chip--${leg.mode}` },
    el('span', { class: 'hub-chip__mode', text: t(`mode_${leg.mode}`) }),
    ' ',
    el('span', { text: duration(t, leg.duration_s) }),
  );
}

function facts(itinerary, { t, lang }) {
  const items = [t.count('transfers', itinerary.transfers)];
  if (itinerary.walk_distance_m > 0) {
    items.push(t('walk_m', { d: distance(lang, itinerary.walk_distance_m) }));
  }
  if (itinerary.bike_distance_m > 0) {
    items.push(t('bike_m', { d: distance(lang, itinerary.bike_distance_m) }));
  }
  items.push(t('co2', { g: mass(lang, itinerary.co2_g) }));
  return el('ul', { class: 'hub-card__facts' }, ...items.map((text) => el('li', { text })));
}

/** A place's name, with the user's own labels for the origin and destination points. */
function placeName(place, labels, role) {
  if (place.id || !labels[role]) return place.name;
  return ['origin', 'destination'].includes(place.name) ? labels[role] : place.name;
}

function alertItem(alert, t) {
  const link = alert.url
    ? el('a', { href: alert.url, rel: 'noopener', target: '_blank', text: alert.url })
    : null;
  return el(
    'li',
    { class: 'hub-alert', role: 'note' },
    el('strong', { text: t('alert') }),
    ' ',
    el('span', { text: alert.header }),
    alert.description ? el('p', { text: alert.description }) : null,
    link,
  );
}

function alertList(alerts, t) {
  if (!alerts || alerts.length === 0) return null;
  return el('ul', { class: 'hub-alerts' }, ...alerts.map((alert) => alertItem(alert, t)));
}

function stopList(leg, t) {
  if (!leg.transit) return null;
  const stops = leg.intermediate_stops || [];
  // Stops ridden: each intermediate one, then the alighting stop.
  return el(
    'details',
    { class: 'hub-leg__stops' },
    el('summary', { text: t.count('stops', stops.length + 1) }),
    el(
      'ol',
      {},
      ...stops.map((stop) =>
        el(
          'li',
          {},
          el('time', { text: clock(stop.arrival || stop.departure) }),
          ' ',
          el('span', { text: stop.name }),
        ),
      ),
    ),
  );
}

function legWhat(leg, { t, lang }, to) {
  if (!leg.transit) {
    const how = `${distance(lang, leg.distance_m)}, ${duration(t, leg.duration_s)}`;
    const text = `${t(`leg_${leg.mode}`, { to })} (${how})`;
    return el('p', { class: 'hub-leg__what' }, modeChip(leg, t), ' ', el('span', { text }));
  }
  const text = t('leg_transit', {
    mode: t(`mode_${leg.mode}`),
    line: leg.route?.short_name || leg.route?.long_name || '',
    headsign: leg.headsign || leg.to.name,
  });
  return el('p', { class: 'hub-leg__what' }, lineBadge(leg, t), ' ', el('span', { text }));
}

function legItem(leg, index, legs, opts) {
  const { t } = opts;
  const labels = opts.labels || {};
  const from = placeName(leg.from, labels, index === 0 ? 'origin' : 'via');
  const to = placeName(leg.to, labels, index === legs.length - 1 ? 'destination' : 'via');
  const late = Math.round((leg.delay_s || 0) / 60);
  return el(
    'li',
    { class: `hub-leg hub-leg--${leg.mode}` },
    el('time', { class: 'hub-leg__time', datetime: leg.departure, text: clock(leg.departure) }),
    el(
      'div',
      { class: 'hub-leg__body' },
      legWhat(leg, opts, to),
      el('p', { class: 'hub-leg__where', text: t('leg_from_to', { from, to }) }),
      late >= 1 ? el('p', { class: 'hub-delay', text: t('delay', { n: late }) }) : null,
      leg.crow_fly ? el('p', { class: 'hub-leg__note', text: t('crow_fly') }) : null,
      stopList(leg, t),
      alertList(leg.alerts, t),
    ),
  );
}

function arrivalItem(itinerary, opts) {
  const last = itinerary.legs[itinerary.legs.length - 1];
  const name = last ? placeName(last.to, opts.labels || {}, 'destination') : '';
  const time = clock(itinerary.arrival);
  return el(
    'li',
    { class: 'hub-leg hub-leg--end' },
    el('time', { class: 'hub-leg__time', datetime: itinerary.arrival, text: time }),
    el('div', { class: 'hub-leg__body' }, el('p', { class: 'hub-leg__where', text: name })),
  );
}

function cardTitle(itinerary, id, t) {
  const [dep, arr] = [clock(itinerary.departure), clock(itinerary.arrival)];
  return el(
    'h3',
    { class: 'hub-card__title', id },
    srOnly(`${t('departs_arrives', { dep, arr })}, `),
    el('span', { class: 'hub-card__times', 'aria-hidden': 'true', text: `${dep} – ${arr}` }),
    ' ',
    el('span', { class: 'hub-card__duration', text: duration(t, itinerary.duration_s) }),
  );
}

function lineList(itinerary, t) {
  const legs = itinerary.legs.filter((leg) => leg.transit || ACTIVE_MODES.has(leg.mode));
  return el(
    'ul',
    { class: 'hub-card__lines', 'aria-label': t('lines') },
    ...legs.map((leg) => el('li', {}, leg.transit ? lineBadge(leg, t) : modeChip(leg, t))),
  );
}

function tagList(itinerary, t) {
  if (!itinerary.tags?.length) return null;
  const tags = itinerary.tags.map((tag) =>
    el('li', { class: `hub-tag hub-tag--${tag}`, text: t(`tag_${tag}`) }),
  );
  return el('ul', { class: 'hub-card__tags' }, ...tags);
}

function legDetails(itinerary, opts) {
  const legs = itinerary.legs.map((leg, i, all) => legItem(leg, i, all, opts));
  return el(
    'details',
    { class: 'hub-card__details' },
    el('summary', { text: opts.t('details') }),
    el('ol', { class: 'hub-legs' }, ...legs, arrivalItem(itinerary, opts)),
    alertList(itinerary.alerts, opts.t),
  );
}

/** One itinerary as a card (a list item). `opts`: t, lang, labels, onShow, id. */
export function itineraryCard(itinerary, index, opts) {
  const { t } = opts;
  const titleId = `${opts.id || 'hub'}-card-${index}`;
  const article = el(
    'article',
    { class: 'hub-card', 'aria-labelledby': titleId },
    cardTitle(itinerary, titleId, t),
    lineList(itinerary, t),
    facts(itinerary, opts),
    tagList(itinerary, t),
    legDetails(itinerary, opts),
  );
  if (opts.onShow) {
    const button = el('button', {
      type: 'button',
      class: 'hub-card__show',
      'aria-pressed': 'false',
      text: t('show_map'),
    });
    button.addEventListener('click', () => opts.onShow(index));
    article.append(button);
  }
  return el('li', { class: 'hub-cards__item', 'data-index': String(index) }, article);
}

/** Replace `list`'s content by the plan's itineraries; returns the sentence to announce. */
export function renderPlan(list, plan, opts) {
  const { t } = opts;
  const itineraries = plan.itineraries || [];
  list.replaceChildren(...itineraries.map((itinerary, i) => itineraryCard(itinerary, i, opts)));
  if (itineraries.length > 0) return t.count('found', itineraries.length);
  const reason = plan.no_result_reason ? t(`reason_${plan.no_result_reason}`) : '';
  return [t.count('found', 0), reason].filter(Boolean).join(' ');
}

/** Mark the card at `index` as the one on the map. */
export function markShown(list, index, t) {
  for (const item of list.children) {
    const shown = item.dataset.index === String(index);
    item.classList.toggle('hub-cards__item--shown', shown);
    const button = item.querySelector('.hub-card__show');
    if (button) {
      button.setAttribute('aria-pressed', String(shown));
      button.textContent = shown ? t('shown_map') : t('show_map');
    }
  }
}
