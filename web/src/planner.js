// The public planner page: the form, shareable URLs, the search, the cards and the map.

import { describeProblem, getJson, planUrl } from './api.js';
import { attachAutocomplete } from './autocomplete.js';
import { markShown, renderPlan } from './cards.js';
import { translator } from './i18n.js';
import { createMap } from './map.js';
import { searchPlaces, typedCoordinates } from './places.js';

const config = JSON.parse(document.getElementById('hub-config').textContent);
const t = translator(config.texts);
const $ = (id) => document.getElementById(id);
const form = $('plan-form');
const status = $('status');
const list = $('itineraries');
const announce = (text) => {
  status.textContent = text;
};

let lastPlan = null;
let map = null;
let searchController = null;

function field(id) {
  return attachAutocomplete({
    input: $(id),
    listbox: $(`${id}-list`),
    t,
    announce,
    search: (text, signal) => searchPlaces(config.api, text, { near: config.center, signal }),
  });
}

const places = { from: field('from'), to: field('to') };

/** The chosen place of a field: a suggestion, typed LAT,LON, or the first suggestion. */
async function resolve(name) {
  const handle = places[name];
  const chosen = handle.place() || typedCoordinates(handle.input.value);
  if (chosen) return chosen;
  if (!handle.input.value.trim()) return null;
  const [first] = await handle.suggest();
  if (first) handle.set(first);
  return first || null;
}

function formState() {
  const data = new FormData(form);
  return {
    by: data.get('by') === 'arrive' ? 'arrive' : 'depart',
    when: data.get('when') || config.now,
    modes: data.getAll('mode'),
    wheelchair: data.get('wheelchair') !== null,
  };
}

/** The page's query string for a search: it re-runs that search when loaded. */
function shareQuery(from, to, state) {
  const query = new URLSearchParams();
  query.set('from', from.value);
  query.set('from_label', from.label);
  query.set('to', to.value);
  query.set('to_label', to.label);
  query.set(state.by, state.when);
  query.set('modes', state.modes.join(','));
  if (state.wheelchair) query.set('wheelchair', '1');
  const lang = new URLSearchParams(location.search).get('lang');
  if (lang) query.set('lang', lang);
  return query;
}

function fillFromQuery(query) {
  for (const name of ['from', 'to']) {
    const value = query.get(name);
    if (value) places[name].set({ value, label: query.get(`${name}_label`) || value });
  }
  const by = query.has('arrive') ? 'arrive' : 'depart';
  form.elements.by.value = by;
  $('when').value = (query.get(by) || config.now).slice(0, 16);
  const modes = query.get('modes');
  if (modes) {
    const wanted = new Set(modes.split(','));
    for (const box of form.querySelectorAll('input[name=mode]')) {
      box.checked = wanted.has(box.value);
    }
  }
  $('wheelchair').checked = ['1', 'true'].includes(query.get('wheelchair') || '');
  return Boolean(query.get('from') && query.get('to'));
}

async function ensureMap() {
  if (map === null) map = (await createMap($('map'), config)) || false;
  return map || null;
}

async function show(index) {
  const itinerary = lastPlan?.itineraries?.[index];
  const shownMap = await ensureMap();
  if (!itinerary || !shownMap) return;
  shownMap.show(itinerary);
  markShown(list, index, t);
}

async function plan(from, to, state) {
  searchController?.abort();
  searchController = new AbortController();
  const params = {
    from: from.value,
    to: to.value,
    [state.by]: state.when,
    modes: state.modes,
    wheelchair: state.wheelchair,
    lang: config.lang,
  };
  list.setAttribute('aria-busy', 'true');
  announce(t('searching'));
  try {
    lastPlan = await getJson(planUrl(config.api, params), { signal: searchController.signal });
    const labels = { origin: from.label, destination: to.label };
    const opts = { t, lang: config.lang, labels, onShow: show, id: 'plan' };
    announce(renderPlan(list, lastPlan, opts));
    if (lastPlan.itineraries?.length) await show(0);
    else (await ensureMap())?.clear();
  } catch (error) {
    if (error.name === 'AbortError') return;
    list.replaceChildren();
    announce(describeProblem(t, error));
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

async function submit(event) {
  event?.preventDefault();
  const state = formState();
  const [from, to] = [await resolve('from'), await resolve('to')];
  const missing = !from ? 'from' : !to ? 'to' : null;
  if (missing) {
    announce(t('pick_place', { field: t(missing) }));
    $(missing).focus();
    return;
  }
  if (state.modes.length === 0) {
    announce(t('pick_mode'));
    return;
  }
  const query = shareQuery(from, to, state);
  const url = `${location.pathname}?${query}`;
  if (event) history.pushState(null, '', url);
  $('share-link').href = url;
  $('share').hidden = false;
  await plan(from, to, state);
}

$('swap').addEventListener('click', () => {
  const [from, to] = [places.from.place(), places.to.place()];
  const [fromText, toText] = [places.from.input.value, places.to.input.value];
  places.from.set(to);
  places.to.set(from);
  if (!to) places.from.input.value = toText;
  if (!from) places.to.input.value = fromText;
});

form.addEventListener('submit', submit);
window.addEventListener('popstate', () => {
  if (fillFromQuery(new URLSearchParams(location.search))) submit(null);
});

const query = new URLSearchParams(location.search);
if (fillFromQuery(query)) submit(null);
else ensureMap();
