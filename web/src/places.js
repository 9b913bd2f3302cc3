// Suggestions from the places API, as the autocomplete shows them and the plan API takes them.

import { getJson } from './api.js';

const STOP_KINDS = new Set(['station', 'stop']);

/** One suggestion: what to show (label, detail, kind) and the value for the plan API. */
function suggestion(place) {
  const lat = Number(place.lat);
  const lon = Number(place.lon);
  // Stops and stations are planned from by id (feed:stop_id); the rest by position.
  const isStop = STOP_KINDS.has(place.kind) && typeof place.id === 'string';
  const lines = (place.lines || [])
    .map((line) => line.short_name || line.long_name)
    .filter(Boolean);
  return {
    label: place.name || `${lat.toFixed(5)},${lon.toFixed(5)}`,
    detail: lines.slice(0, 8).join(' · '),
    kind: place.kind || 'place',
    lines,
    value: isStop ? place.id : `${lat},${lon}`,
    lat,
    lon,
  };
}

/** The places API's answer ({places: [...]}, see hub/api/models.py) as suggestions. */
export function toSuggestions(body) {
  const places = body?.places || [];
  return places.filter((place) => Number.isFinite(Number(place.lat))).map(suggestion);
}

/** Places matching `text`, nearest `near` ([lat, lon]) first when given. */
export async function searchPlaces(apiBase, text, { near = null, limit = 8, signal } = {}) {
  const url = new URL(`${apiBase}/places`, document.baseURI);
  url.searchParams.set('q', text);
  url.searchParams.set('limit', String(limit));
  if (near) {
    url.searchParams.set('lat', String(near[0]));
    url.searchParams.set('lon', String(near[1]));
  }
  return toSuggestions(await getJson(url.href, { signal }));
}

const COORDINATES = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/;

/** "LAT,LON" typed by hand as a place, or null. */
export function typedCoordinates(text) {
  const match = COORDINATES.exec(text);
  if (!match) return null;
  const [lat, lon] = [Number(match[1]), Number(match[2])];
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const label = text.trim();
  return { label, value: `${lat},${lon}`, lat, lon, kind: 'place', detail: '', lines: [] };
}
