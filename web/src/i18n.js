// Texts of one language (the server's dictionary, hub/web/i18n.py), with {name} placeholders.

/**
 * A translator over `texts`: t(key, vars) fills placeholders; t.count(key, n, vars) picks
 * `key_0`, `key_1` or `key_n` by the number (falling back to `key_n`).
 */
export function translator(texts) {
  const t = (key, vars = {}) => {
    const text = Object.hasOwn(texts, key) ? texts[key] : key;
    return text.replace(/\{(\w+)\}/g, (match, name) =>
      Object.hasOwn(vars, name) ? String(vars[name]) : match,
    );
  };
  t.count = (key, n, vars = {}) => {
    const exact = `${key}_${n === 0 ? 0 : n === 1 ? 1 : 'n'}`;
    return t(Object.hasOwn(texts, exact) ? exact : `${key}_n`, { n, ...vars });
  };
  return t;
}
