// Unit tests of the pure front-end modules (run by `npm test --prefix web`, and by pytest).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clock, distance, duration, mass, nextAt } from '../src/format.js';
import { translator } from '../src/i18n.js';
import { toSuggestions, typedCoordinates } from '../src/places.js';

const texts = {
  min: '{n} min',
  hours: '{h} h {m} min',
  found_0: 'nothing',
  found_1: 'one',
  found_n: '{n} found',
  stops_n: '{n} stops',
};
const t = translator(texts);

test('times are read from the API in the network local time', () => {
  assert.equal(clock('2019-05-14T14:07:59-03:00'), '14:07');
  assert.equal(clock(null), '');
});

test('durations in minutes, then hours and minutes', () => {
  assert.equal(duration(t, 0), '0 min');
  assert.equal(duration(t, 89), '1 min');
  assert.equal(duration(t, 59 * 60), '59 min');
  assert.equal(duration(t, 65 * 60), '1 h 05 min');
});

// French puts a (narrow) no-break space before the unit.
const spaced = (text) => text.replace(/[\u00a0\u202f]/g, ' ');

test('distances and masses in the page language', () => {
  assert.equal(distance('en', 87.4), '87 m');
  assert.equal(distance('en', 654), '650 m');
  assert.equal(distance('en', 2440), '2.4 km');
  assert.equal(spaced(distance('fr', 2440)), '2,4 km');
  assert.equal(mass('en', 718.2), '718 g');
  assert.equal(spaced(mass('fr', 1320)), '1,3 kg');
});

test('the next shift start is today, or tomorrow once passed', () => {
  assert.equal(nextAt('2019-05-14T14:00', '15:00'), '2019-05-14T15:00');
  assert.equal(nextAt('2019-05-14T14:00', '14:00'), '2019-05-15T14:00');
  assert.equal(nextAt('2019-05-14T14:00', '07:30'), '2019-05-15T07:30');
  assert.equal(nextAt('2019-12-31T23:00', '06:00'), '2020-01-01T06:00');
  assert.equal(nextAt('2019-10-05T22:00', '07:00'), '2019-10-06T07:00'); // a DST night in Brazil
});

test('texts: placeholders, plural keys, unknown keys shown as such', () => {
  assert.equal(t('min', { n: 3 }), '3 min');
  assert.equal(t('hours', { h: 1 }), '1 h {m} min');
  assert.equal(t.count('found', 0), 'nothing');
  assert.equal(t.count('found', 1), 'one');
  assert.equal(t.count('found', 7), '7 found');
  assert.equal(t.count('stops', 1), '1 stops'); // no stops_1: falls back to stops_n
  assert.equal(t('nope'), 'nope');
  assert.equal(t('toString'), 'toString'); // own keys only
});

test('suggestions: stops by id, other places by position', () => {
  const body = {
    query: 'mercado',
    places: [
      {
        id: 'trensurb:MR',
        kind: 'station',
        name: 'ESTACAO MERCADO',
        lat: -30.0263,
        lon: -51.2283,
        lines: [{ short_name: 'LINHA1' }, { short_name: null, long_name: 'Aeromóvel' }],
      },
      { id: 'osm:w123', kind: 'street', name: 'Rua Voluntários', lat: -30.03, lon: -51.22 },
    ],
  };
  const [station, street] = toSuggestions(body);
  assert.equal(station.value, 'trensurb:MR');
  assert.equal(station.detail, 'LINHA1 · Aeromóvel');
  assert.equal(street.value, '-30.03,-51.22'); // osm ids are not plan places
  assert.equal(street.kind, 'street');
  assert.deepEqual(toSuggestions({}), []);
});

test('coordinates typed by hand', () => {
  assert.equal(typedCoordinates(' -30.03 , -51.23 ').value, '-30.03,-51.23');
  assert.equal(typedCoordinates('91,0'), null);
  assert.equal(typedCoordinates('mercado'), null);
});
