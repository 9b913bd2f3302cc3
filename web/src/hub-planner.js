// <hub-planner>: the employers' widget, a custom element drawn in its own shadow DOM.

import { describeProblem, getJson, planUrl } from './api.js';
import { attachAutocomplete } from './autocomplete.js';
import { renderPlan } from './cards.js';
import { nextAt } from './format.js';
import { translator } from './i18n.js';
import { searchPlaces, typedCoordinates } from './places.js';

const HUB = new URL('../', import.meta.url); // the hub serving this module
const API = new URL('api/v1', HUB).href;
const ATTRIBUTES = ['token', 'destination', 'destination-label', 'arrive-by', 'lang', 'modes', 'accent'];
const COLOUR = /^#[0-9a-fA-F]{6}$/;
let instances = 0;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'text') node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

class HubPlanner extends HTMLElement {
  static observedAttributes = ATTRIBUTES;

  constructor() {
    super();
    this.uid = `hub-planner-${++instances}`;
    this.attachShadow({ mode: 'open' });
    this.pending = null;
  }

  connectedCallback() {
    this.refresh();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.refresh();
  }

  /** Redraw once after a burst of attribute changes (the builder sets several at once). */
  refresh() {
    if (this.pending) return;
    this.pending = Promise.resolve().then(() => {
      this.pending = null;
      return this.load();
    });
  }

  async load() {
    const root = this.shadowRoot;
    root.replaceChildren(
      el('link', { rel: 'stylesheet', href: new URL('static/cards.css', HUB).href }),
      el('link', { rel: 'stylesheet', href: new URL('static/widget.css', HUB).href }),
    );
    const token = this.getAttribute('token');
    const query = new URLSearchParams({ token: token || '' });
    if (this.getAttribute('lang')) query.set('lang', this.getAttribute('lang'));
    try {
      this.config = await getJson(new URL(`widget/config?${query}`, HUB).href);
    } catch (error) {
      this.refuse(error, token);
      return;
    }
    this.draw();
  }

  refuse(error, token) {
    const body = error.body || {};
    const panel = el(
      'div',
      { class: 'hub-refused', role: 'alert', 'data-code': body.code || (token ? 'error' : 'missing_token') },
      body.message ? el('p', {}, el('strong', { text: body.message })) : null,
      el('p', { text: body.detail || error.message }),
    );
    this.shadowRoot.append(panel);
    this.dispatchEvent(new CustomEvent('hub-refused', { detail: body, bubbles: true, composed: true }));
  }

  settings() {
    const config = this.config;
    const allowed = new Set(config.modes);
    const asked = (this.getAttribute('modes') || '').split(',').filter((m) => allowed.has(m));
    const accent = this.getAttribute('accent');
    const arriveBy = this.getAttribute('arrive-by') || config.site.shift_start;
    return {
      destination: this.getAttribute('destination') || config.site.place,
      label: this.getAttribute('destination-label') || config.site.label,
      modes: asked.length ? asked : config.modes,
      accent: accent && COLOUR.test(accent) ? accent : config.employer.accent,
      arrive: nextAt(config.now, /^\d\d:\d\d$/.test(arriveBy) ? arriveBy : config.site.shift_start),
    };
  }

  draw() {
    const t = translator(this.config.texts);
    const s = this.settings();
    this.style.setProperty('--hub-accent', s.accent);
    const id = (name) => `${this.uid}-${name}`;
    const input = el('input', {
      id: id('from'), type: 'text', role: 'combobox', autocomplete: 'off', 'aria-autocomplete': 'list',
      'aria-expanded': 'false', 'aria-controls': id('from-list'), placeholder: t('place_hint'),
    });
    const listbox = el('ul', { id: id('from-list'), role: 'listbox', 'aria-label': t('widget_from'), hidden: '' });
    const when = el('input', { id: id('when'), type: 'datetime-local', value: s.arrive, required: '' });
    const modes = s.modes.map((mode) =>
      el('label', {}, el('input', { type: 'checkbox', name: 'mode', value: mode, checked: '' }), ` ${t(`mode_${mode}`)}`),
    );
    const status = el('p', { class: 'hub-status', role: 'status', 'aria-live': 'polite' });
    const list = el('ol', { class: 'hub-cards', 'aria-label': t('results') });
    const logo = this.config.employer.logo_url;
    const form = el(
      'form',
      { class: 'hub-form', novalidate: '' },
      el('div', { class: 'hub-field hub-combobox' }, el('label', { for: id('from'), text: t('widget_from') }), input, listbox),
      el('div', { class: 'hub-field' }, el('label', { for: id('when'), text: t('arrive') }), when),
      modes.length > 1 ? el('fieldset', { class: 'hub-modes' }, el('legend', { text: t('modes') }), ...modes) : null,
      el('button', { type: 'submit', class: 'hub-primary', text: t('search') }),
    );
    const panel = el(
      'section',
      { class: 'hub-widget', part: 'panel', 'aria-labelledby': id('title') },
      el(
        'header',
        { class: 'hub-widget__head' },
        logo ? el('img', { src: logo, alt: '', class: 'hub-widget__logo' }) : null,
        el('h2', { id: id('title'), text: t('widget_title', { label: s.label }) }),
      ),
      form,
      status,
      list,
    );
    this.shadowRoot.append(panel);
    const announce = (text) => {
      status.textContent = text;
    };
    const origin = attachAutocomplete({
      input, listbox, t, announce,
      search: (text, signal) => searchPlaces(API, text, { signal }),
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.plan({ t, s, origin, when, form, list, announce });
    });
  }

  async plan({ t, s, origin, when, form, list, announce }) {
    let from = origin.place() || typedCoordinates(origin.input.value);
    if (!from && origin.input.value.trim()) [from] = await origin.suggest();
    if (!from) {
      announce(t('pick_place', { field: t('widget_from') }));
      origin.input.focus();
      return;
    }
    origin.set(from);
    const modes = [...form.querySelectorAll('input[name=mode]')].filter((b) => b.checked).map((b) => b.value);
    const params = {
      from: from.value,
      to: s.destination,
      arrive: when.value || s.arrive,
      modes: modes.length ? modes : s.modes,
      lang: this.config.lang,
    };
    list.setAttribute('aria-busy', 'true');
    announce(t('searching'));
    try {
      const plan = await getJson(planUrl(API, params));
      const labels = { origin: from.label, destination: s.label };
      announce(renderPlan(list, plan, { t, lang: this.config.lang, labels, id: this.uid }));
    } catch (error) {
      list.replaceChildren();
      announce(describeProblem(t, error));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }
}

if (!customElements.get('hub-planner')) customElements.define('hub-planner', HubPlanner);
