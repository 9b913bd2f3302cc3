"""Snapping coordinates onto the street network: nearest usable node, nearest usable edge."""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from routing.geo import EARTH_RADIUS_M, haversine_m
from routing.streets import F64, I32, CsrGraph, StreetGraph

MAX_STOP_SNAP_M = 300.0
MAX_POINT_SNAP_M = 500.0
# Edges are sampled every SAMPLE_SPACING_M for the edge index: the nearest edge is then
# always among those with a sample within (nearest sample distance + spacing / 2).
SAMPLE_SPACING_M = 20.0

T = TypeVar("T")
ArrayLike = float | npt.ArrayLike
_CACHE: weakref.WeakKeyDictionary[StreetGraph, dict[str, Any]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class EdgeSnap:
    """A coordinate projected onto its nearest usable edge ``node_a``–``node_b``.

    ``dist_a_m`` / ``dist_b_m`` run along the edge from the projected point to each end;
    ``offset_m`` is the straight line from the coordinate to the projected point (``lat``,
    ``lon``). ``a_to_b`` / ``b_to_a`` say in which directions the mode may travel the edge.
    """

    node_a: int
    node_b: int
    dist_a_m: float
    dist_b_m: float
    offset_m: float
    lat: float
    lon: float
    a_to_b: bool
    b_to_a: bool

    def departures(self) -> tuple[I32, F64]:
        """Nodes reachable leaving the point along its edge, with the distance along the edge."""
        return self._ends(self.b_to_a, self.a_to_b)

    def arrivals(self) -> tuple[I32, F64]:
        """Nodes from which the point is reached along its edge, with the distance to it."""
        return self._ends(self.a_to_b, self.b_to_a)

    def _ends(self, via_a: bool, via_b: bool) -> tuple[I32, F64]:
        nodes = [n for n, ok in ((self.node_a, via_a), (self.node_b, via_b)) if ok]
        dists = [d for d, ok in ((self.dist_a_m, via_a), (self.dist_b_m, via_b)) if ok]
        return np.asarray(nodes, dtype=np.int32), np.asarray(dists, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Projection:
    """Equirectangular projection around the graph's mean latitude (metres)."""

    cos_lat0: float

    def xy(self, lat: F64, lon: F64) -> F64:
        x = EARTH_RADIUS_M * self.cos_lat0 * np.radians(lon)
        y = EARTH_RADIUS_M * np.radians(lat)
        return np.column_stack([x, y])

    def latlon(self, x: float, y: float) -> tuple[float, float]:
        lat = np.degrees(y / EARTH_RADIUS_M)
        lon = np.degrees(x / (EARTH_RADIUS_M * self.cos_lat0))
        return float(lat), float(lon)


@dataclass(frozen=True, slots=True)
class _NodeIndex:
    tree: Any
    nodes: I32


@dataclass(frozen=True, slots=True)
class _EdgeIndex:
    """Undirected edges of one mode and a KD-tree over points sampled along them."""

    tree: Any
    sample_edge: I32
    a: I32
    b: I32
    a_to_b: npt.NDArray[np.bool_]
    b_to_a: npt.NDArray[np.bool_]
    length_m: F64
    xy_a: F64
    xy_b: F64


def nearest_nodes(
    streets: StreetGraph,
    lat: ArrayLike,
    lon: ArrayLike,
    mode: str = "walk",
    max_dist_m: float = MAX_STOP_SNAP_M,
) -> tuple[I32, F64]:
    """The nearest street node usable by `mode` for each coordinate.

    A node is usable when it has at least one edge of the mode. Candidates are found on an
    equirectangular projection (KD-tree built once per graph and mode); the distance returned
    is the great-circle one.

    Args:
        streets: the street graph.
        lat: latitudes in degrees (scalar or array).
        lon: longitudes in degrees, same shape as `lat`.
        mode: ``walk``, ``bike`` or ``car``.
        max_dist_m: farther than this, no node: -1 and an infinite distance.

    Returns:
        (node index per coordinate, -1 when none within `max_dist_m`; distance in metres).
    """
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    index = _cached(streets, f"nodes:{mode}", lambda: _node_index(streets, mode))
    nodes = np.full(lat_a.shape, -1, dtype=np.int32)
    dist = np.full(lat_a.shape, np.inf)
    # Stops without coordinates (NaN) snap to nothing rather than failing the whole batch.
    known = np.flatnonzero(np.isfinite(lat_a) & np.isfinite(lon_a))
    if known.size == 0 or index.nodes.size == 0:
        return nodes, dist
    # The projection errs by well under 1% over a city: the bound leaves room for it.
    _, found = index.tree.query(
        _projection(streets).xy(lat_a[known], lon_a[known]),
        distance_upper_bound=max_dist_m * 1.01 + 1,
    )
    hit = found < index.nodes.size
    at, cand = known[hit], index.nodes[found[hit]]
    d = haversine_m(lat_a[at], lon_a[at], streets.node_lat[cand], streets.node_lon[cand])
    close = d <= max_dist_m
    nodes[at[close]] = cand[close]
    dist[at[close]] = d[close]
    return nodes, dist


def attach_stops(
    streets: StreetGraph,
    stop_lat: ArrayLike,
    stop_lon: ArrayLike,
    max_dist_m: float = MAX_STOP_SNAP_M,
) -> StreetGraph:
    """A copy of `streets` whose ``stop_node`` / ``stop_node_dist_m`` snap the network's stops.

    Each stop gets its nearest walkable node (-1 and an infinite distance beyond
    `max_dist_m`, e.g. outside the extract). Arrays are shared, not copied.
    """
    nodes, dist = nearest_nodes(streets, stop_lat, stop_lon, "walk", max_dist_m)
    attached = dataclasses.replace(
        streets, stop_node=nodes, stop_node_dist_m=dist.astype(np.float32)
    )
    # Same nodes and edges: the spatial indexes built so far stay valid.
    _CACHE[attached] = _CACHE.setdefault(streets, {})
    return attached


def snap_point(
    streets: StreetGraph,
    lat: float,
    lon: float,
    mode: str = "walk",
    max_dist_m: float = MAX_POINT_SNAP_M,
) -> EdgeSnap | None:
    """Project a coordinate onto the nearest edge usable by `mode`, so a trip starts mid-street.

    Returns:
        The snap, or None when no usable edge lies within `max_dist_m` (the point is outside
        the extract: the caller falls back to a crow-fly leg with a detour factor).
    """
    index = _cached(streets, f"edges:{mode}", lambda: _edge_index(streets, mode))
    if index.a.size == 0 or not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    projection = _projection(streets)
    p = projection.xy(np.array([lat]), np.array([lon]))[0]
    d0, _ = index.tree.query(p)
    if d0 > max_dist_m * 1.01 + SAMPLE_SPACING_M:
        return None
    samples = index.tree.query_ball_point(p, d0 + SAMPLE_SPACING_M / 2 + 1e-6)
    edges = np.unique(index.sample_edge[np.asarray(samples, dtype=np.int64)])
    t, offset = _project_on_segments(p, index.xy_a[edges], index.xy_b[edges])
    best = int(np.argmin(offset))
    e, tb = int(edges[best]), float(t[best])
    x, y = index.xy_a[e] + tb * (index.xy_b[e] - index.xy_a[e])
    snapped_lat, snapped_lon = projection.latlon(float(x), float(y))
    offset_m = float(haversine_m(lat, lon, snapped_lat, snapped_lon))
    if offset_m > max_dist_m:
        return None
    return EdgeSnap(
        node_a=int(index.a[e]),
        node_b=int(index.b[e]),
        dist_a_m=tb * float(index.length_m[e]),
        dist_b_m=(1.0 - tb) * float(index.length_m[e]),
        offset_m=offset_m,
        lat=snapped_lat,
        lon=snapped_lon,
        a_to_b=bool(index.a_to_b[e]),
        b_to_a=bool(index.b_to_a[e]),
    )


def _project_on_segments(p: F64, a: F64, b: F64) -> tuple[F64, F64]:
    """Position (0..1) of the point of each segment a-b nearest to p, and its distance."""
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    t = np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0)
    t = np.clip(t, 0.0, 1.0)
    nearest = a + t[:, None] * ab
    return t, np.hypot(*(nearest - p).T)


def _cached(streets: StreetGraph, key: str, build: Callable[[], T]) -> T:
    slot = _CACHE.setdefault(streets, {})
    if key not in slot:
        slot[key] = build()
    value: T = slot[key]
    return value


def _projection(streets: StreetGraph) -> _Projection:
    def build() -> _Projection:
        lat0 = float(np.mean(streets.node_lat)) if streets.n_nodes else 0.0
        return _Projection(cos_lat0=float(np.cos(np.radians(lat0))))

    return _cached(streets, "projection", build)


def _usable(graph: CsrGraph, n_nodes: int) -> npt.NDArray[np.bool_]:
    usable = np.diff(graph.indptr) > 0
    usable[graph.indices] = True
    return np.asarray(usable[:n_nodes], dtype=np.bool_)


def _node_index(streets: StreetGraph, mode: str) -> _NodeIndex:
    nodes = np.flatnonzero(_usable(streets.graph(mode), streets.n_nodes)).astype(np.int32)
    xy = _projection(streets).xy(streets.node_lat[nodes], streets.node_lon[nodes])
    return _NodeIndex(tree=cKDTree(xy), nodes=nodes)


def _edge_index(streets: StreetGraph, mode: str) -> _EdgeIndex:
    graph = streets.graph(mode)
    tail = np.repeat(np.arange(streets.n_nodes, dtype=np.int64), np.diff(graph.indptr))
    head = graph.indices.astype(np.int64)
    lo, hi = np.minimum(tail, head), np.maximum(tail, head)
    keys, first, inverse = np.unique(
        lo * streets.n_nodes + hi, return_index=True, return_inverse=True
    )
    a_to_b = np.zeros(keys.shape, dtype=np.bool_)
    b_to_a = np.zeros(keys.shape, dtype=np.bool_)
    a_to_b[inverse[tail < head]] = True
    b_to_a[inverse[tail > head]] = True
    a, b = lo[first].astype(np.int32), hi[first].astype(np.int32)
    projection = _projection(streets)
    xy_a = projection.xy(streets.node_lat[a], streets.node_lon[a])
    xy_b = projection.xy(streets.node_lat[b], streets.node_lon[b])
    sample_edge, points = _samples(xy_a, xy_b)
    return _EdgeIndex(
        tree=cKDTree(points) if points.size else None,
        sample_edge=sample_edge,
        a=a,
        b=b,
        a_to_b=a_to_b,
        b_to_a=b_to_a,
        length_m=graph.length_m[first].astype(np.float64),
        xy_a=xy_a,
        xy_b=xy_b,
    )


def _samples(xy_a: F64, xy_b: F64) -> tuple[I32, F64]:
    """Points along each segment, no farther apart than SAMPLE_SPACING_M, ends included."""
    lengths = np.hypot(*(xy_b - xy_a).T)
    counts = np.ceil(lengths / SAMPLE_SPACING_M).astype(np.int64) + 1
    edge = np.repeat(np.arange(counts.shape[0], dtype=np.int32), counts)
    starts = np.cumsum(counts) - counts
    step = np.arange(edge.shape[0]) - np.repeat(starts, counts)
    t = step / (counts[edge] - 1)
    points = xy_a[edge] + t[:, None] * (xy_b[edge] - xy_a[edge])
    return edge, points
