// Itinerary cards, shared by the planner page and the <hub-planner> widget.

import { clock, distance, duration, mass } from './format.js';

const ACTIVE_MODES = new Set(['walk', 'bike', 'car', 'carpool']);
const ICONS = { walk: '🚶', bike: '🚲', car: '🚗', carpool: '🚗' };

/** Build an element: el('p', {className: 'x'}, 'text', child). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'className') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== ''));
  return node;
}

function hidden(text) {
  return el('span', { className: 'hub-visually-hidden', text });
}

/** Black or white text, whichever reads better on `hex`. */
function contrastOn(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b) > 0.4 ? '#000000' : '#ffffff';
}

/** The line's badge in the feed's colours (route_color / route_text_color). */
export function lineBadge(leg, t) {
  const route = leg.route || {};
  const name = route.short_name || route.long_name || t(`mode_${leg.mode}`);
  const badge = el('span', { className: `hub-badge hub-badge--${leg.mode}` });
  badge.append(hidden(`${t(`mode_${leg.mode}`)} `), el('span', { text: name }));
  if (route.color) {
    badge.style.backgroundColor = route.color;
    badge.style.color = route.text_color || contrastOn(route.color);
  }
  return badge;
}

function modeChip(leg, t) {
  return el(
    'span',
    { className: `hub-chip hub-chip--${leg.mode}` },
    el('span', { 'aria-hidden': 'true', text: ICONS[leg.mode] || '' }),
    hidden(`${t(`mode_${leg.mode}`)} `),
    el('span', { text: duration(t, leg.duration_s) }),
  );
}

function facts(itinerary, { t, lang }) {
  const items = [t.count('transfers', itinerary.transfers)];
  if (itinerary.walk_distance_m > 0) items.push(t('walk_m', { d: distance(lang, itinerary.walk_distance_m) }));
  if (itinerary.bike_distance_m > 0) items.push(t('bike_m', { d: distance(lang, itinerary.bike_distance_m) }));
  items.push(t('co2', { g: mass(lang, itinerary.co2_g) }));
  return el('ul', { className: 'hub-card__facts' }, ...items.map((text) => el('li', { text })));
}

/** A place's name, with the user's own labels for the origin and destination points. */
function placeName(place, labels, role) {
  if (place.id || !labels[role]) return place.name;
  return ['origin', 'destination'].includes(place.name) ? labels[role] : place.name;
}

function alertList(alerts, t) {
  if (!alerts || alerts.length === 0) return null;
  return el(
    'ul',
    { className: 'hub-alerts' },
    ...alerts.map((alert) =>
      el(
        'li',
        { className: 'hub-alert', role: 'note' },
        el('strong', { text: t('alert') }),
        ' ',
        el('span', { text: alert.header }),
        alert.description ? el('p', { text: alert.description }) : null,
        alert.url ? el('a', { href: alert.url, rel: 'noopener', target: '_blank', text: alert.url }) : null,
      ),
    ),
  );
}

function stopList(leg, t) {
  const stops = leg.intermediate_stops || [];
  if (!leg.transit) return null;
  const count = stops.length + 1; // rides from the boarding stop through each one to the alighting stop
  return el(
    'details',
    { className: 'hub-leg__stops' },
    el('summary', { text: t.count('stops', count) }),
    el(
      'ol',
      {},
      ...stops.map((stop) =>
        el('li', {}, el('time', { text: clock(stop.arrival || stop.departure) }), ' ', el('span', { text: stop.name })),
      ),
    ),
  );
}

function legWhat(leg, { t, lang }, labels, last) {
  if (!leg.transit) {
    const to = placeName(leg.to, labels, last ? 'destination' : 'via');
    const how = `${distance(lang, leg.distance_m)}, ${duration(t, leg.duration_s)}`;
    const text = `${t(`leg_${leg.mode}`, { to })} (${how})`;
    return el('p', { className: 'hub-leg__what' }, modeChip(leg, t), ' ', el('span', { text }));
  }
  const line = leg.route?.short_name || leg.route?.long_name || '';
  const text = t('leg_transit', { mode: t(`mode_${leg.mode}`), line, headsign: leg.headsign || leg.to.name });
  return el('p', { className: 'hub-leg__what' }, lineBadge(leg, t), ' ', el('span', { text }));
}

function legItem(leg, index, legs, opts) {
  const labels = opts.labels || {};
  const from = placeName(leg.from, labels, index === 0 ? 'origin' : 'via');
  const to = placeName(leg.to, labels, index === legs.length - 1 ? 'destination' : 'via');
  const delay = leg.delay_s >= 60 ? el('span', { className: 'hub-delay', text: opts.t('delay', { n: Math.round(leg.delay_s / 60) }) }) : null;
  return el(
    'li',
    { className: `hub-leg hub-leg--${leg.mode}` },
    el('time', { className: 'hub-leg__time', datetime: leg.departure, text: clock(leg.departure) }),
    el(
      'div',
      { className: 'hub-leg__body' },
      legWhat(leg, opts, labels, index === legs.length - 1),
      el('p', { className: 'hub-leg__where', text: opts.t('leg_from_to', { from, to }) }),
      delay,
      leg.crow_fly ? el('p', { className: 'hub-leg__note', text: opts.t('crow_fly') }) : null,
      stopList(leg, opts.t),
      alertList(leg.alerts, opts.t),
    ),
  );
}

function arrivalItem(itinerary, opts) {
  const last = itinerary.legs[itinerary.legs.length - 1];
  const name = last ? placeName(last.to, opts.labels || {}, 'destination') : '';
  return el(
    'li',
    { className: 'hub-leg hub-leg--end' },
    el('time', { className: 'hub-leg__time', datetime: itinerary.arrival, text: clock(itinerary.arrival) }),
    el('div', { className: 'hub-leg__body' }, el('p', { className: 'hub-leg__where', text: name })),
  );
}

/** One itinerary as a card (a list item). `opts`: t, lang, labels, onShow, id. */
export function itineraryCard(itinerary, index, opts) {
  const { t } = opts;
  const titleId = `${opts.id || 'hub'}-card-${index}`;
  const times = `${clock(itinerary.departure)} – ${clock(itinerary.arrival)}`;
  const title = el(
    'h3',
    { className: 'hub-card__title', id: titleId },
    hidden(`${t('departs_arrives', { dep: clock(itinerary.departure), arr: clock(itinerary.arrival) })}, `),
    el('span', { className: 'hub-card__times', 'aria-hidden': 'true', text: times }),
    ' ',
    el('span', { className: 'hub-card__duration', text: duration(t, itinerary.duration_s) }),
  );
  const lines = el(
    'ul',
    { className: 'hub-card__lines', 'aria-label': t('lines') },
    ...itinerary.legs
      .filter((leg) => leg.transit || ACTIVE_MODES.has(leg.mode))
      .map((leg) => el('li', {}, leg.transit ? lineBadge(leg, t) : modeChip(leg, t))),
  );
  const tags = itinerary.tags?.length
    ? el('ul', { className: 'hub-card__tags' }, ...itinerary.tags.map((tag) => el('li', { className: `hub-tag hub-tag--${tag}`, text: t(`tag_${tag}`) })))
    : null;
  const details = el(
    'details',
    { className: 'hub-card__details' },
    el('summary', { text: t('details') }),
    el('ol', { className: 'hub-legs' }, ...itinerary.legs.map((leg, i, legs) => legItem(leg, i, legs, opts)), arrivalItem(itinerary, opts)),
    alertList(itinerary.alerts, t),
  );
  const article = el('article', { className: 'hub-card', 'aria-labelledby': titleId }, title, lines, facts(itinerary, opts), tags, details);
  if (opts.onShow) {
    const button = el('button', { type: 'button', className: 'hub-card__show', 'aria-pressed': 'false', text: t('show_map') });
    button.addEventListener('click', () => opts.onShow(index));
    article.append(button);
  }
  return el('li', { className: 'hub-cards__item', 'data-index': String(index) }, article);
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
  for (const button of list.querySelectorAll('.hub-card__show')) {
    const shown = button.closest('[data-index]')?.dataset.index === String(index);
    button.setAttribute('aria-pressed', String(shown));
    button.textContent = shown ? t('shown_map') : t('show_map');
  }
  for (const item of list.children) item.classList.toggle('hub-cards__item--shown', item.dataset.index === String(index));
}
