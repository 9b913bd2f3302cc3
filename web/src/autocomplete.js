// The combobox pattern (WAI-ARIA 1.2, list autocomplete): a text input and a listbox of places.

const DEBOUNCE_MS = 180;

/**
 * Make `input` (role=combobox) suggest places in `listbox` (role=listbox).
 *
 * `search(text, signal)` returns suggestions; `announce(text)` speaks through a live region;
 * `onPick(item)` follows a choice. Returns the field's handle: `place()` is the chosen
 * suggestion (null after the text changed), `set(item)` fills it, `suggest()` searches now.
 */
export function attachAutocomplete({ input, listbox, search, announce, t, onPick = () => {} }) {
  let items = [];
  let active = -1;
  let chosen = null;
  let timer = null;
  let controller = null;

  const optionId = (index) => `${listbox.id}-option-${index}`;

  function close() {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function open() {
    if (items.length === 0) return close();
    listbox.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function highlight(index) {
    active = index;
    for (const [i, option] of [...listbox.children].entries()) {
      option.setAttribute('aria-selected', String(i === index));
    }
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
      return;
    }
    input.setAttribute('aria-activedescendant', optionId(index));
    listbox.children[index]?.scrollIntoView?.({ block: 'nearest' });
  }

  function option(item, index) {
    const li = document.createElement('li');
    li.id = optionId(index);
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    li.className = `hub-option hub-option--${item.kind}`;
    const name = document.createElement('span');
    name.className = 'hub-option__name';
    name.textContent = item.label;
    li.append(name);
    const kind = t(`kind_${item.kind}`);
    const detail = document.createElement('span');
    detail.className = 'hub-option__detail';
    const parts = [kind.startsWith('kind_') ? '' : kind, item.detail];
    detail.textContent = parts.filter(Boolean).join(' · ');
    li.append(detail);
    // mousedown would move the focus out of the input before the click lands.
    li.addEventListener('mousedown', (event) => event.preventDefault());
    li.addEventListener('click', () => pick(index));
    return li;
  }

  function show(found) {
    items = found;
    listbox.replaceChildren(...items.map(option));
    active = -1;
    open();
    announce(t.count('suggestions', items.length));
  }

  function pick(index) {
    const item = items[index];
    if (!item) return;
    set(item);
    close();
    onPick(item);
  }

  function set(item) {
    chosen = item;
    input.value = item ? item.label : '';
  }

  async function suggest() {
    clearTimeout(timer);
    const text = input.value.trim();
    controller?.abort();
    if (text.length < 2) {
      items = [];
      close();
      return [];
    }
    controller = new AbortController();
    try {
      const found = await search(text, controller.signal);
      if (input.getRootNode().activeElement === input) {
        show(found);
      } else {
        items = found;
      }
      return found;
    } catch (error) {
      if (error.name === 'AbortError') return [];
      // A text the places API refuses (say, only punctuation) simply matches nothing.
      if (error.status === 0) announce(t('network_error'));
      items = [];
      close();
      return [];
    }
  }

  input.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(suggest, DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    const count = items.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (count === 0) return;
      event.preventDefault();
      if (listbox.hidden) open();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      highlight(active < 0 && step < 0 ? count - 1 : (active + step + count) % count);
    } else if (event.key === 'Enter' && !listbox.hidden && active >= 0) {
      event.preventDefault(); // choose, do not submit the form yet
      pick(active);
    } else if (event.key === 'Escape' && !listbox.hidden) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener('blur', close);

  return { place: () => chosen, set, suggest, input };
}
