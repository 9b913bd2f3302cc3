// The planner page's map: Leaflet (installed from npm, served by the hub) and the shown itinerary.

const WALK = '#4b5563';
const BIKE = '#15803d';
const TRANSIT = '#1d4ed8';

function legStyle(leg) {
  if (leg.transit) {
    return { color: leg.route?.color || TRANSIT, weight: 6, opacity: 0.9 };
  }
  return { color: leg.mode === 'bike' ? BIKE : WALK, weight: 4, opacity: 0.9, dashArray: '2 8' };
}

function legPoints(leg) {
  const coordinates = leg.geometry?.coordinates;
  if (coordinates && coordinates.length >= 2) return coordinates.map(([lon, lat]) => [lat, lon]);
  return [
    [leg.from.lat, leg.from.lon],
    [leg.to.lat, leg.to.lon],
  ];
}

/** Text as it is: Leaflet's attribution takes HTML, the setting is plain text. */
function escapeHtml(text) {
  const span = document.createElement('span');
  span.textContent = text;
  return span.innerHTML;
}

/**
 * A map in `element`, or null when Leaflet is not installed (the page works without it).
 * Returns { show(itinerary), clear() }.
 */
export async function createMap(element, config) {
  if (!config.leaflet) {
    element.hidden = true;
    return null;
  }
  let L;
  try {
    L = await import('/vendor/leaflet/leaflet-src.esm.js');
  } catch (error) {
    console.warn('map disabled: Leaflet did not load', error);
    element.hidden = true;
    return null;
  }
  const map = L.map(element, { scrollWheelZoom: false, keyboard: true });
  if (config.bounds) map.fitBounds(config.bounds);
  else map.setView(config.center, 12);
  if (config.tiles?.url) {
    L.tileLayer(config.tiles.url, {
      maxZoom: 19,
      attribution: escapeHtml(config.tiles.attribution || ''),
    }).addTo(map);
  }
  const layer = L.featureGroup().addTo(map);
  return {
    show(itinerary) {
      layer.clearLayers();
      for (const leg of itinerary.legs) {
        L.polyline(legPoints(leg), {
          ...legStyle(leg),
          className: `hub-line hub-line--${leg.mode}`,
        }).addTo(layer);
      }
      const first = itinerary.legs[0];
      const last = itinerary.legs[itinerary.legs.length - 1];
      for (const [place, name] of [
        [first.from, 'origin'],
        [last.to, 'destination'],
      ]) {
        L.circleMarker([place.lat, place.lon], {
          radius: 8,
          weight: 3,
          color: '#ffffff',
          fillColor: name === 'origin' ? '#15803d' : '#b91c1c',
          fillOpacity: 1,
          className: `hub-marker hub-marker--${name}`,
        }).addTo(layer);
      }
      // No animation: the line is where it belongs at once (and in screenshots).
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16, animate: false });
    },
    clear() {
      layer.clearLayers();
    },
    resize() {
      map.invalidateSize();
    },
  };
}
