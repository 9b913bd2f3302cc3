// /widget/builder: pick a site, copy the snippet, see the widget live (the same <hub-planner>).

import { getJson } from './api.js';
import { translator } from './i18n.js';

const data = JSON.parse(document.getElementById('builder-data').textContent);
const t = translator(data.texts);
const $ = (id) => document.getElementById(id);
const form = $('builder-form');

function preview(attributes) {
  let widget = $('preview').querySelector('hub-planner');
  if (!widget) {
    widget = document.createElement('hub-planner');
    $('preview').append(widget);
  }
  for (const [name, value] of Object.entries(attributes)) widget.setAttribute(name, value);
}

async function update() {
  const query = new URLSearchParams({
    employer: $('employer').value,
    site: $('site').value,
    lang: $('widget-lang').value,
    accent: $('accent').value,
  });
  const snippet = await getJson(`/widget/snippet?${query}`);
  $('script-snippet').value = snippet.script;
  $('iframe-snippet').value = snippet.iframe;
  preview(snippet.attributes);
  const url = new URL(location.href);
  for (const [name, value] of query) {
    url.searchParams.set(name === 'lang' ? 'widget_lang' : name, value);
  }
  history.replaceState(null, '', url);
}

// Another employer has other sites: reload the page to list them.
$('employer').addEventListener('change', () => {
  const query = new URLSearchParams({
    employer: $('employer').value,
    lang: form.elements.lang.value,
  });
  location.assign(`/widget/builder?${query}`);
});
for (const id of ['site', 'widget-lang', 'accent']) $(id).addEventListener('change', update);
form.addEventListener('submit', (event) => {
  if (event.submitter?.id === 'update') {
    event.preventDefault();
    update();
  }
});

for (const button of document.querySelectorAll('button.copy')) {
  button.addEventListener('click', async () => {
    const area = $(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(area.value);
    } catch {
      area.select(); // no clipboard (plain http): leave it selected for Ctrl+C
      return;
    }
    button.textContent = t('copied');
    setTimeout(() => {
      button.textContent = t('copy');
    }, 1500);
  });
}

preview(data.attributes);
