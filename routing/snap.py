"""Snapping coordinates onto the street network: nearest usable node, nearest usable edge."""

from __future__ import annotations

import dataclasses
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.spatial import cKDTree

from routing.geo import EARTH_RADIUS_M, haversine_m, haversine_one
from routing.streets import F32, F64, I32, CsrGraph, StreetGraph

MAX_STOP_SNAP_M = 300.0
MAX_POINT_SNAP_M = 500.0
# Cell side of the edge grid: a point usually finds its edge in its own cell or the next ring.
GRID_CELL_M = 100.0

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


@dataclass(frozen=True, slots=True)
class _NodeIndex:
    tree: Any
    nodes: I32


class SnapArrays(NamedTuple):
    """What `snap_kernel` reads of one mode: its undirected edges, projected, and their grid.

    Edge ``e`` joins nodes ``a[e] < b[e]`` (``a_to_b`` / ``b_to_a``: the directions the mode
    may travel it; ``length_m``, the graph's float32 length); ``xy`` holds every node on the
    equirectangular projection of ``cos_lat0`` (one array for all modes, read through ``a``
    and ``b``); the grid's square cells of ``cell`` metres from (``x0``, ``y0``), ``nx`` by
    ``ny``, list the edges meeting them (CSR ``ptr`` / ``edges`` over ``gx * ny + gy``).
    """

    cos_lat0: float
    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    ptr: I32
    edges: I32
    a: I32
    b: I32
    a_to_b: npt.NDArray[np.bool_]
    b_to_a: npt.NDArray[np.bool_]
    length_m: F32
    xy: F64


@dataclass(frozen=True, slots=True)
class EdgeIndex:
    """A mode's `SnapArrays`, and the mask allowing every node."""

    arrays: SnapArrays
    everywhere: npt.NDArray[np.bool_]


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
    within: npt.NDArray[np.bool_] | None = None,
) -> EdgeSnap | None:
    """Project a coordinate onto the nearest edge usable by `mode`, so a trip starts mid-street.

    With `within` (a mask over nodes), only edges with both ends inside count.

    Returns:
        The snap, or None when no usable edge lies within `max_dist_m` (the point is outside
        the extract: the caller falls back to a crow-fly leg with a detour factor).
    """
    index = edge_index(streets, mode)
    ok = index.everywhere if within is None else within
    e, tb, snapped_lat, snapped_lon, offset_m = snap_kernel(index.arrays, ok, lat, lon, max_dist_m)
    return None if e < 0 else edge_snap(index, e, tb, (snapped_lat, snapped_lon, offset_m))


def edge_index(streets: StreetGraph, mode: str) -> EdgeIndex:
    """The mode's edges projected and gridded for snapping (built once per graph and mode)."""
    return _cached(streets, f"edges:{mode}", lambda: _edge_index(streets, mode))


def edge_snap(index: EdgeIndex, e: int, tb: float, at: tuple[float, float, float]) -> EdgeSnap:
    """The `EdgeSnap` of `snap_kernel`'s answer: edge `e`, position `tb`, (lat, lon, offset)."""
    length = float(index.arrays.length_m[e])
    return EdgeSnap(
        node_a=int(index.arrays.a[e]),
        node_b=int(index.arrays.b[e]),
        dist_a_m=tb * length,
        dist_b_m=(1.0 - tb) * length,
        offset_m=at[2],
        lat=at[0],
        lon=at[1],
        a_to_b=bool(index.arrays.a_to_b[e]),
        b_to_a=bool(index.arrays.b_to_a[e]),
    )


class EdgeSnaps(NamedTuple):
    """Many coordinates projected onto their nearest usable edge, as `snap_kernel` answers.

    Per coordinate: the edge (-1: none within the bound), the position on it (0 at ``a``, 1
    at ``b``), the projected point (``lat``, ``lon``) and the straight line to it (``offset_m``).
    """

    edge: I32
    position: F64
    lat: F64
    lon: F64
    offset_m: F64


def snap_points(
    streets: StreetGraph,
    lat: F64,
    lon: F64,
    mode: str,
    max_dist_m: float,
    within: npt.NDArray[np.bool_] | None = None,
) -> EdgeSnaps:
    """`snap_point` of many coordinates at once (e.g. every stop of a network)."""
    index = edge_index(streets, mode)
    ok = index.everywhere if within is None else within
    lat_a = np.ascontiguousarray(lat, dtype=np.float64)
    lon_a = np.ascontiguousarray(lon, dtype=np.float64)
    return EdgeSnaps(*_snap_many(index.arrays, ok, lat_a, lon_a, max_dist_m))


@njit(cache=True, nogil=True)
def _snap_many(
    sa: SnapArrays, ok: npt.NDArray[np.bool_], lat: F64, lon: F64, max_dist_m: float
) -> tuple[I32, F64, F64, F64, F64]:
    n = lat.size
    edge, position = np.empty(n, np.int32), np.empty(n)
    at_lat, at_lon, offset_m = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        found = snap_kernel(sa, ok, lat[i], lon[i], max_dist_m)
        edge[i], position[i], at_lat[i], at_lon[i], offset_m[i] = found
    return edge, position, at_lat, at_lon, offset_m


@njit(cache=True, nogil=True)
def snap_kernel(
    sa: SnapArrays, ok: npt.NDArray[np.bool_], lat: float, lon: float, max_dist_m: float
) -> tuple[int, float, float, float, float]:
    """`snap_point` in numba: (edge, position on it, snapped lat, lon, offset); edge -1: none."""
    if sa.a.size == 0 or not (math.isfinite(lat) and math.isfinite(lon)):
        return -1, 0.0, math.nan, math.nan, math.inf
    px = EARTH_RADIUS_M * sa.cos_lat0 * math.radians(lon)
    py = EARTH_RADIUS_M * math.radians(lat)
    # The projection errs by well under 1% over a city: the bound leaves room for it.
    e, tb = _nearest_in_grid(
        px, py, sa.x0, sa.y0, sa.cell, sa.nx, sa.ny, sa.ptr, sa.edges, sa.xy, sa.a, sa.b, ok,
        max_dist_m * 1.01 + 1.0,
    )  # fmt: skip
    if e < 0:
        return -1, 0.0, math.nan, math.nan, math.inf
    xa, ya, xb, yb = sa.xy[sa.a[e], 0], sa.xy[sa.a[e], 1], sa.xy[sa.b[e], 0], sa.xy[sa.b[e], 1]
    snapped_lat = math.degrees((ya + tb * (yb - ya)) / EARTH_RADIUS_M)
    snapped_lon = math.degrees((xa + tb * (xb - xa)) / (EARTH_RADIUS_M * sa.cos_lat0))
    offset_m = haversine_one(lat, lon, snapped_lat, snapped_lon)
    if offset_m > max_dist_m:
        return -1, 0.0, math.nan, math.nan, math.inf
    return e, tb, snapped_lat, snapped_lon, offset_m


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


def _node_xy(streets: StreetGraph) -> F64:
    """Every node on the projection (metres), shared by the modes' edge indexes."""

    def build() -> F64:
        projection = _projection(streets)
        return np.ascontiguousarray(projection.xy(streets.node_lat, streets.node_lon))

    return _cached(streets, "xy", build)


def _everywhere(streets: StreetGraph) -> npt.NDArray[np.bool_]:
    """The mask allowing every node, shared by the modes' edge indexes."""
    return _cached(streets, "everywhere", lambda: np.ones(streets.n_nodes, dtype=np.bool_))


def _edge_index(streets: StreetGraph, mode: str) -> EdgeIndex:
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
    xy = _node_xy(streets)
    arrays = SnapArrays(
        _projection(streets).cos_lat0, *_grid(xy[a], xy[b]), a, b, a_to_b, b_to_a,
        np.ascontiguousarray(graph.length_m[first], dtype=np.float32), xy,
    )  # fmt: skip
    return EdgeIndex(arrays, _everywhere(streets))


def _grid(xy_a: F64, xy_b: F64) -> tuple[float, float, float, int, int, I32, I32]:
    """A uniform grid of GRID_CELL_M cells listing the edges whose bounding box meets each.

    (x0, y0, cell, nx, ny, ptr, edges), as in `SnapArrays`.
    """
    if xy_a.shape[0] == 0:
        return 0.0, 0.0, GRID_CELL_M, 1, 1, np.zeros(2, np.int32), np.empty(0, np.int32)
    lo = np.minimum(xy_a.min(axis=0), xy_b.min(axis=0))
    hi = np.maximum(xy_a.max(axis=0), xy_b.max(axis=0))
    nx, ny = (np.floor((hi - lo) / GRID_CELL_M).astype(np.int64) + 1).tolist()
    ptr, edges = _fill_grid(xy_a, xy_b, float(lo[0]), float(lo[1]), GRID_CELL_M, nx, ny)
    return float(lo[0]), float(lo[1]), GRID_CELL_M, nx, ny, ptr, edges


@njit(cache=True, nogil=True, inline="always")
def _cells(xy_a: F64, xy_b: F64, e: int, grid: tuple[float, float, float]) -> tuple[int, ...]:
    """The range of grid cells (x first, x last, y first, y last) edge `e`'s box meets."""
    x0, y0, cell = grid
    gx0 = int((min(xy_a[e, 0], xy_b[e, 0]) - x0) // cell)
    gx1 = int((max(xy_a[e, 0], xy_b[e, 0]) - x0) // cell)
    gy0 = int((min(xy_a[e, 1], xy_b[e, 1]) - y0) // cell)
    gy1 = int((max(xy_a[e, 1], xy_b[e, 1]) - y0) // cell)
    return gx0, gx1, gy0, gy1


@njit(cache=True, nogil=True)
def _fill_grid(
    xy_a: F64, xy_b: F64, x0: float, y0: float, cell: float, nx: int, ny: int
) -> tuple[I32, I32]:
    """CSR over cells (``gx * ny + gy``) of the edges meeting each cell's square."""
    counts = np.zeros(nx * ny + 1, dtype=np.int32)
    for e in range(xy_a.shape[0]):
        gx0, gx1, gy0, gy1 = _cells(xy_a, xy_b, e, (x0, y0, cell))
        for gx in range(gx0, gx1 + 1):
            for gy in range(gy0, gy1 + 1):
                counts[gx * ny + gy + 1] += 1
    ptr = np.cumsum(counts).astype(np.int32)
    fill = ptr[:-1].copy()
    edges = np.empty(ptr[-1], dtype=np.int32)
    for e in range(xy_a.shape[0]):
        gx0, gx1, gy0, gy1 = _cells(xy_a, xy_b, e, (x0, y0, cell))
        for gx in range(gx0, gx1 + 1):
            for gy in range(gy0, gy1 + 1):
                edges[fill[gx * ny + gy]] = e
                fill[gx * ny + gy] += 1
    return ptr, edges


@njit(cache=True, nogil=True)
def _project(px: float, py: float, xy: F64, a: int, b: int) -> tuple[float, float]:
    """Position (0..1) on segment `a`-`b` of the point nearest to (px, py), and its distance."""
    ax, ay = xy[a, 0], xy[a, 1]
    abx, aby = xy[b, 0] - ax, xy[b, 1] - ay
    denom = abx * abx + aby * aby
    t = ((px - ax) * abx + (py - ay) * aby) / denom if denom > 0 else 0.0
    t = min(max(t, 0.0), 1.0)
    return t, np.hypot(ax + t * abx - px, ay + t * aby - py)


@njit(cache=True, nogil=True)
def _nearest_in_grid(  # noqa: PLR0913
    px: float, py: float, x0: float, y0: float, cell: float, nx: int, ny: int, ptr: I32,
    edges: I32, xy: F64, a: I32, b: I32, ok: npt.NDArray[np.bool_], max_d: float,
) -> tuple[int, float]:  # fmt: skip
    """The nearest allowed edge within `max_d` and the position on it; (-1, 0) when none.

    Rings of cells around the point's cell are searched outwards until the best distance
    found is no more than the distance to the edge of the square searched so far.
    """
    cx, cy = int((px - x0) // cell), int((py - y0) // cell)
    best_e, best_t, best_d = -1, 0.0, np.inf
    r = 0
    while True:
        for gx in range(max(cx - r, 0), min(cx + r, nx - 1) + 1):
            step = 1 if abs(gx - cx) == r else 2 * r
            gy = cy - r
            while gy <= cy + r:
                if 0 <= gy < ny:
                    for k in range(ptr[gx * ny + gy], ptr[gx * ny + gy + 1]):
                        e = edges[k]
                        ea, eb = a[e], b[e]
                        if ok[ea] and ok[eb]:
                            t, d = _project(px, py, xy, ea, eb)
                            if d < best_d:
                                best_e, best_t, best_d = e, t, d
                gy += step
        reach = min(
            px - (x0 + (cx - r) * cell),
            x0 + (cx + r + 1) * cell - px,
            py - (y0 + (cy - r) * cell),
            y0 + (cy + r + 1) * cell - py,
        )
        covers = cx - r <= 0 and cy - r <= 0 and cx + r >= nx - 1 and cy + r >= ny - 1
        if best_d <= reach or reach > max_d or covers:
            break
        r += 1
    if best_d > max_d:
        return -1, 0.0
    return best_e, best_t
