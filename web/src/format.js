// Numbers, times and durations as the cards show them.

/** "14:05" from an ISO time the API gives in the network's local time. */
export function clock(iso) {
  return typeof iso === 'string' && iso.length >= 16 ? iso.slice(11, 16) : '';
}

/** "8 min" or "1 h 05 min". */
export function duration(t, seconds) {
  const minutes = Math.max(0, Math.round(seconds / 60));
  if (minutes < 60) return t('min', { n: minutes });
  return t('hours', { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, '0') });
}

/** "650 m" or "2.4 km", in the page's language. */
export function distance(lang, metres) {
  if (metres < 1000) {
    const rounded = metres < 100 ? Math.round(metres) : Math.round(metres / 10) * 10;
    return new Intl.NumberFormat(lang, { style: 'unit', unit: 'meter' }).format(rounded);
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: 'kilometer',
    maximumFractionDigits: 1,
  }).format(metres / 1000);
}

/** "230 g" or "1.2 kg". */
export function mass(lang, grams) {
  if (grams < 1000) {
    return new Intl.NumberFormat(lang, { style: 'unit', unit: 'gram' }).format(Math.round(grams));
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: 'kilogram',
    maximumFractionDigits: 1,
  }).format(grams / 1000);
}

/** The next "HH:MM" at or after the local `now` ("2019-05-14T14:00"), as "YYYY-MM-DDTHH:MM". */
export function nextAt(now, hhmm) {
  const [date, time] = now.split('T');
  if (hhmm > time.slice(0, 5)) return `${date}T${hhmm}`;
  const [y, m, d] = date.split('-').map(Number);
  // Date.UTC: calendar arithmetic without the browser's own timezone and DST in the way.
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return `${next.toISOString().slice(0, 10)}T${hhmm}`;
}
