// Building DOM nodes without HTML strings (texts from the API never become markup).

/**
 * el('p', {class: 'x', text: 'hello'}, child, ...): an element with attributes (null, undefined
 * and false are left out), its text, and its children (null, undefined and '' skipped).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'text') node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, value === true ? '' : value);
    }
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== ''));
  return node;
}

/** Text for screen readers only. */
export function srOnly(text) {
  return el('span', { class: 'hub-visually-hidden', text });
}
