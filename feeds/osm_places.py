"""Named things of an OSM extract for the place index: streets, places and addresses.

A street is every way of one name that touches another of that name or lies within a
kilometre of it (a long avenue split into many ways is one street; two "Rua São José" in
different districts are two). Places are named objects that are neither roads nor transit
stops (the feeds list those); addresses are objects with ``addr:street`` and
``addr:housenumber``. Ways are placed at the mean of their nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from routing.gazetteer import KIND_ADDRESS, KIND_PLACE, KIND_STREET
from routing.geo import EARTH_RADIUS_M, unit_sphere
from routing.place_text import normalize

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
STREET_LINK_M = 1000.0
# Named objects the feeds already list, or that nobody searches for by name.
_SKIP = {
    "public_transport": {"stop_position", "platform", "station"},
    "railway": {"stop", "station", "halt", "platform", "tram_stop"},
    "highway": None,  # any road, bus stop or crossing: roads become streets
    "entrance": None,
    "barrier": None,
}
# Road ways that are streets people search for (not footway networks or service aisles).
STREET_HIGHWAYS = frozenset(
    {"motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
     "living_street", "pedestrian", "road", "motorway_link", "trunk_link", "primary_link",
     "secondary_link", "tertiary_link", "service", "track", "footway", "path", "cycleway",
     "steps"}
)  # fmt: skip


@dataclass
class OsmPlaces:
    """Named OSM entries as parallel lists (mutable only while being read)."""

    names: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    importance: list[float] = field(default_factory=list)
    points: list[tuple[F64, F64]] = field(default_factory=list)

    def add(self, name: str, ref: str, kind: int, lat: F64, lon: F64, importance: float) -> None:
        """Append one entry located at the point nearest the mean of its points."""
        at = _representative(lat, lon)
        self.names.append(name)
        self.refs.append(ref)
        self.kind.append(kind)
        self.lat.append(float(lat[at]))
        self.lon.append(float(lon[at]))
        self.importance.append(importance)
        self.points.append((lat, lon))


@dataclass
class _StreetWays:
    """Named street ways as flat node lists, while reading."""

    names: list[str] = field(default_factory=list)
    way_ids: list[int] = field(default_factory=list)
    node_way: list[int] = field(default_factory=list)
    node_id: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)


def read_osm_places(path: Path) -> OsmPlaces:
    """Streets, places and addresses of the OSM extract at `path`.

    Raises:
        FileNotFoundError: when `path` does not exist.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"OSM extract not found: {path}")
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("name", "addr:housenumber"))
    )
    places, streets = OsmPlaces(), _StreetWays()
    for obj in processor:
        if isinstance(obj, osmium.osm.Node | osmium.osm.Way):
            _read_object(obj, places, streets)
    _add_streets(streets, places)
    return places


def _read_object(
    obj: osmium.osm.Node | osmium.osm.Way, places: OsmPlaces, streets: _StreetWays
) -> None:
    tags = {tag.k: tag.v for tag in obj.tags}
    is_way = isinstance(obj, osmium.osm.Way)
    ref = f"osm:{'w' if is_way else 'n'}{obj.id}"
    coords = _coords(obj)
    if coords is None:
        return
    lat, lon, node_ids = coords
    name = tags.get("name", "").strip()
    if is_way and name and tags.get("highway") in STREET_HIGHWAYS:
        streets.names.append(name)
        streets.way_ids.append(obj.id)
        streets.node_way.extend([len(streets.names) - 1] * lat.size)
        streets.node_id.extend(node_ids.tolist())
        streets.lat.extend(lat.tolist())
        streets.lon.extend(lon.tolist())
        return
    if name and not _skipped(tags):
        places.add(name, ref, KIND_PLACE, lat, lon, 0.5 if "wikidata" in tags else 0.3)
    street, number = tags.get("addr:street", "").strip(), tags.get("addr:housenumber", "").strip()
    if street and number:
        places.add(f"{street}, {number}", ref, KIND_ADDRESS, lat, lon, 0.05)


def _skipped(tags: dict[str, str]) -> bool:
    for key, values in _SKIP.items():
        if key in tags and (values is None or tags[key] in values):
            return True
    return False


def _coords(obj: osmium.osm.Node | osmium.osm.Way) -> tuple[F64, F64, I64] | None:
    """The object's located points (a node's own location) and node ids; None when none."""
    if isinstance(obj, osmium.osm.Node):
        if not obj.location.valid():
            return None
        ids = np.array([obj.id], dtype=np.int64)
        return np.array([obj.location.lat]), np.array([obj.location.lon]), ids
    located = [(n.ref, n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
    if not located:
        return None
    table = np.array(located, dtype=np.float64)
    return table[:, 1].copy(), table[:, 2].copy(), table[:, 0].astype(np.int64)


def _add_streets(ways: _StreetWays, places: OsmPlaces) -> None:
    """Group street ways into streets and add one entry per street."""
    if not ways.names:
        return
    keys = [normalize(name) for name in ways.names]
    key_ids = np.unique(np.array(keys, dtype=object), return_inverse=True)[1].astype(np.int64)
    node_way = np.asarray(ways.node_way, dtype=np.int64)
    lat, lon = np.asarray(ways.lat), np.asarray(ways.lon)
    street = _street_of_way(key_ids, node_way, np.asarray(ways.node_id, np.int64), lat, lon)
    node_street = street[node_way]
    order = np.argsort(node_street, kind="stable")
    bounds = np.searchsorted(node_street[order], np.arange(street.max() + 2))
    # Each street is named and identified by its way of smallest OSM id (stable across builds).
    way_ids = np.asarray(ways.way_ids, dtype=np.int64)
    by_id = np.lexsort((way_ids, street))
    first_way = by_id[np.searchsorted(street[by_id], np.arange(street.max() + 1))]
    for s in range(street.max() + 1):
        nodes = order[bounds[s] : bounds[s + 1]]
        way = int(first_way[s])
        importance = min(0.3, 0.05 + 0.05 * float(np.log10(1 + nodes.size)))
        places.add(
            ways.names[way], f"osm:w{way_ids[way]}", KIND_STREET, lat[nodes], lon[nodes], importance
        )


def _street_of_way(key_ids: I64, node_way: I64, node_id: I64, lat: F64, lon: F64) -> I64:
    """Street number of each way: ways of one name linked by a shared node or nearby."""
    n = key_ids.size
    node_key = key_ids[node_way]
    # Ways of one name sharing a node: sort (name, node) and link neighbours that are equal.
    order = np.lexsort((node_id, node_key))
    same = (node_key[order][1:] == node_key[order][:-1]) & (
        node_id[order][1:] == node_id[order][:-1]
    )
    rows = [node_way[order][:-1][same]]
    cols = [node_way[order][1:][same]]
    centre = (
        np.column_stack([np.bincount(node_way, lat, n), np.bincount(node_way, lon, n)])
        / np.bincount(node_way, minlength=n)[:, None]
    )
    xyz = unit_sphere(centre[:, 0], centre[:, 1])
    pairs = cKDTree(xyz).query_pairs(STREET_LINK_M / EARTH_RADIUS_M, output_type="ndarray")
    if pairs.size:
        pairs = pairs[key_ids[pairs[:, 0]] == key_ids[pairs[:, 1]]]
        rows.append(pairs[:, 0])
        cols.append(pairs[:, 1])
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = sp.coo_matrix((np.ones(r.size, np.int8), (r, c)), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def _representative(lat: F64, lon: F64) -> int:
    """Index of the point nearest the mean of the points (a point on the street itself)."""
    if lat.size == 1:
        return 0
    d = (lat - lat.mean()) ** 2 + ((lon - lon.mean()) * np.cos(np.radians(lat.mean()))) ** 2
    return int(np.argmin(d))
