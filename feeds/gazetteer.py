"""Build the place index of a network: its stops and stations, and the OSM extract's names.

Stations (``location_type`` 1) and stops without a parent are listed with every route
serving them (a station gets its platforms' routes); platforms, entrances and nodes of a
station are not (the station stands for them). Importance, used to break ties between
equally good matches, puts stations and rail first, then stops by the number of lines,
then places, streets and addresses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from feeds.osm_places import OsmPlaces, read_osm_places
from routing.gazetteer import KIND_STATION, KIND_STOP, Gazetteer, empty_gazetteer
from routing.network import I32, Network
from routing.network_index import leg_mode, split_id

RAIL_MODES = frozenset({"rail", "subway", "tram", "monorail", "funicular", "ferry"})


def build_gazetteer(network: Network, osm: Path | None) -> Gazetteer:
    """The place index of `network`, with the named things of the OSM extract `osm` if given.

    Raises:
        FileNotFoundError: when `osm` is given and does not exist.
    """
    places = OsmPlaces()
    _add_stops(network, places)
    first_osm = len(places.names)
    if osm is not None:
        found = read_osm_places(Path(osm))
        for column in ("names", "refs", "kind", "lat", "lon", "importance", "points"):
            getattr(places, column).extend(getattr(found, column))
    if not places.names:
        return empty_gazetteer(network.version)
    line_ptr, line_route = _entry_lines(network, places.refs[:first_osm], len(places.names))
    point_counts = np.array([lat.size for lat, _ in places.points], dtype=np.int64)
    point_ptr = np.zeros(len(places.names) + 1, dtype=np.int32)
    np.cumsum(point_counts, out=point_ptr[1:])
    return Gazetteer(
        network_version=network.version,
        names=tuple(places.names),
        refs=tuple(places.refs),
        kind=np.asarray(places.kind, dtype=np.int8),
        lat=np.asarray(places.lat, dtype=np.float64),
        lon=np.asarray(places.lon, dtype=np.float64),
        importance=np.asarray(places.importance, dtype=np.float32),
        point_ptr=point_ptr,
        point_lat=np.concatenate([lat for lat, _ in places.points]),
        point_lon=np.concatenate([lon for _, lon in places.points]),
        line_ptr=line_ptr,
        line_route=line_route,
    )


def _entry_lines(network: Network, stop_refs: list[str], n_entries: int) -> tuple[I32, I32]:
    """Routes of each entry as CSR: those of its stop for the first entries, none after."""
    ptr, route = _stop_lines(network)
    stops = np.array([network.get_stop(ref) for ref in stop_refs], dtype=np.int64)
    counts = np.zeros(n_entries, dtype=np.int64)
    counts[: stops.size] = ptr[stops + 1] - ptr[stops]
    line_ptr = np.zeros(n_entries + 1, dtype=np.int32)
    np.cumsum(counts, out=line_ptr[1:])
    spans = [route[ptr[s] : ptr[s + 1]] for s in stops.tolist()]
    return line_ptr, np.concatenate([np.empty(0, np.int32), *spans]).astype(np.int32)


def _add_stops(network: Network, places: OsmPlaces) -> None:
    """Stations and parentless stops, with coordinates, as entries."""
    ptr, route = _stop_lines(network)
    rail = np.array([leg_mode(int(t)) in RAIL_MODES for t in network.route_type.tolist()])
    kind = network.stop_location_type
    listed = ((kind == 1) | ((kind == 0) & (network.stop_parent < 0))) & np.isfinite(
        network.stop_lat
    )
    for s in np.flatnonzero(listed).tolist():
        lines = route[ptr[s] : ptr[s + 1]]
        station = bool(kind[s] == 1)
        importance = (
            (0.4 if station else 0.0)
            + (0.3 if lines.size and rail[lines].any() else 0.0)
            + min(0.3, 0.05 * lines.size)
        )
        one = np.array([network.stop_lat[s]]), np.array([network.stop_lon[s]])
        name = network.stop_names[s] or split_id(network.stop_ids[s])[1]
        places.add(
            name, network.stop_ids[s], KIND_STATION if station else KIND_STOP, *one, importance
        )


def _stop_lines(network: Network) -> tuple[I32, I32]:
    """Routes serving each stop as CSR (``route[ptr[s]:ptr[s + 1]]``), a station's included."""
    n_stops, n_routes = network.n_stops, len(network.route_ids)
    stop_of = np.repeat(np.arange(n_stops), np.diff(network.stop_pattern_ptr))
    parent = network.stop_parent[stop_of]
    owner = np.where(parent >= 0, parent, stop_of).astype(np.int64)
    routes = network.pattern_route[network.stop_patterns].astype(np.int64)
    # A platform's routes count for itself and for its station.
    keys = np.unique(np.concatenate([stop_of * n_routes + routes, owner * n_routes + routes]))
    ptr = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys // max(n_routes, 1), minlength=n_stops), out=ptr[1:])
    return ptr, (keys % max(n_routes, 1)).astype(np.int32)
