// <hub-planner>: the employers' widget, a custom element drawn in its own shadow DOM.

import { describeProblem, getJson, planUrl } from './api.js';
import { attachAutocomplete } from './autocomplete.js';
import { renderPlan } from './cards.js';
import { el } from './dom.js';
import { nextAt } from './format.js';
import { translator } from './i18n.js';
import { searchPlaces, typedCoordinates } from './places.js';

const HUB = new URL('../', import.meta.url); // the hub serving this module
const API = new URL('api/v1', HUB).href;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const HHMM = /^\d\d:\d\d$/;
let instances = 0;

class HubPlanner extends HTMLElement {
  static observedAttributes = [
    'token',
    'destination',
    'destination-label',
    'arrive-by',
    'lang',
    'modes',
    'accent',
  ];

  constructor() {
    super();
    instances += 1;
    this.uid = `hub-planner-${instances}`;
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
    this.shadowRoot.replaceChildren(
      el('link', { rel: 'stylesheet', href: new URL('static/cards.css', HUB).href }),
      el('link', { rel: 'stylesheet', href: new URL('static/widget.css', HUB).href }),
    );
    const query = new URLSearchParams({ token: this.getAttribute('token') || '' });
    if (this.getAttribute('lang')) query.set('lang', this.getAttribute('lang'));
    try {
      // The hub checks the token against this page's origin (sent by the browser).
      this.config = await getJson(new URL(`widget/config?${query}`, HUB).href);
    } catch (error) {
      this.refuse(error);
      return;
    }
    this.draw();
  }

  /** Show why the widget cannot work here (the hub's words, in the widget's language). */
  refuse(error) {
    const body = error.body || {};
    this.shadowRoot.append(
      el(
        'div',
        { class: 'hub-refused', role: 'alert', 'data-code': body.code || 'error' },
        body.message ? el('p', {}, el('strong', { text: body.message })) : null,
        el('p', { text: body.detail || error.message }),
      ),
    );
    const event = new CustomEvent('hub-refused', { detail: body, bubbles: true, composed: true });
    this.dispatchEvent(event);
  }

  /** The attributes, checked against what the employer's configuration allows. */
  settings() {
    const { site, employer, modes, now } = this.config;
    const allowed = new Set(modes);
    const asked = (this.getAttribute('modes') || '').split(',').filter((m) => allowed.has(m));
    const accent = this.getAttribute('accent') || '';
    const arriveBy = this.getAttribute('arrive-by') || '';
    return {
      destination: this.getAttribute('destination') || site.place,
      label: this.getAttribute('destination-label') || site.label,
      modes: asked.length ? asked : modes,
      accent: COLOUR.test(accent) ? accent : employer.accent,
      arrive: nextAt(now, HHMM.test(arriveBy) ? arriveBy : site.shift_start),
    };
  }

  fields(t, s) {
    const id = (name) => `${this.uid}-${name}`;
    const input = el('input', {
      id: id('from'),
      type: 'text',
      role: 'combobox',
      autocomplete: 'off',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': id('from-list'),
      placeholder: t('place_hint'),
    });
    const listbox = el('ul', {
      id: id('from-list'),
      role: 'listbox',
      'aria-label': t('widget_from'),
      hidden: true,
    });
    const when = el('input', { id: id('when'), type: 'datetime-local', value: s.arrive });
    const modes = s.modes.map((mode) =>
      el(
        'label',
        {},
        el('input', { type: 'checkbox', name: 'mode', value: mode, checked: true }),
        ` ${t(`mode_${mode}`)}`,
      ),
    );
    return { id, input, listbox, when, modes };
  }

  draw() {
    const t = translator(this.config.texts);
    const s = this.settings();
    this.style.setProperty('--hub-accent', s.accent);
    const { id, input, listbox, when, modes } = this.fields(t, s);
    const form = el(
      'form',
      { class: 'hub-form', novalidate: true },
      el(
        'div',
        { class: 'hub-field hub-combobox' },
        el('label', { for: id('from'), text: t('widget_from') }),
        input,
        listbox,
      ),
      el('div', { class: 'hub-field' }, el('label', { for: id('when'), text: t('arrive') }), when),
      modes.length > 1
        ? el('fieldset', { class: 'hub-modes' }, el('legend', { text: t('modes') }), ...modes)
        : null,
      el('button', { type: 'submit', class: 'hub-primary', text: t('search') }),
    );
    const status = el('p', { class: 'hub-status', role: 'status', 'aria-live': 'polite' });
    const list = el('ol', { class: 'hub-cards', 'aria-label': t('results') });
    const logo = this.config.employer.logo_url;
    this.shadowRoot.append(
      el(
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
      ),
    );
    const announce = (text) => {
      status.textContent = text;
    };
    const origin = attachAutocomplete({
      input,
      listbox,
      t,
      announce,
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
    const boxes = [...form.querySelectorAll('input[name=mode]')];
    const modes = boxes.filter((box) => box.checked).map((box) => box.value);
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
