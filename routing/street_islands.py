"""Street islands: keeping searches on the main part of each mode's street graph.

OSM extracts hold small pieces cut off from the rest (a footway around a square, a parking
aisle, a way clipped by the extract's edge). A trip snapped onto one would find nothing, so,
as OpenTripPlanner prunes islands, ends and stops are attached to the largest strongly
connected component of the mode's graph instead: a stop to its nearest mainland edge
(`stop_edges`), as a query's ends are, and to its nearest mainland node (`stop_nodes`).
Components and the stops' links are found once per street graph and cached.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from routing.geo import EARTH_RADIUS_M, haversine_m, unit_sphere
from routing.network import Network
from routing.snap import EdgeSnap, EdgeSnaps, snap_point, snap_points
from routing.streets import F64, I32, StreetGraph

MAX_STOP_SNAP_M = 300.0
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Mainland:
    """The largest strongly connected component of one mode, and a KD-tree over its nodes."""

    inside: Mask
    nodes: I32
    tree: cKDTree | None


_MAINLAND: weakref.WeakKeyDictionary[StreetGraph, dict[str, _Mainland]] = (
    weakref.WeakKeyDictionary()
)
_STOP_NODES: weakref.WeakKeyDictionary[StreetGraph, dict[str, tuple[I32, F64]]] = (
    weakref.WeakKeyDictionary()
)
_STOP_EDGES: weakref.WeakKeyDictionary[StreetGraph, dict[str, EdgeSnaps]] = (
    weakref.WeakKeyDictionary()
)


def on_mainland(streets: StreetGraph, mode: str) -> Mask:
    """Boolean mask over nodes: True inside the mode's largest strongly connected component."""
    return _mainland(streets, mode).inside


def snap_to_mainland(
    streets: StreetGraph, lat: float, lon: float, mode: str, max_dist_m: float
) -> EdgeSnap | None:
    """The nearest edge of `mode` with both ends on the mainland; None beyond `max_dist_m`.

    A point beside a footway island joins the streets that lead somewhere.
    """
    return snap_point(streets, lat, lon, mode, max_dist_m, within=_mainland(streets, mode).inside)


def nearest_mainland(
    streets: StreetGraph, mode: str, lat: F64, lon: F64, max_dist_m: float
) -> tuple[I32, F64]:
    """The nearest mainland node of `mode` for each coordinate (-1 and inf beyond the bound)."""
    land = _mainland(streets, mode)
    nodes = np.full(lat.shape, -1, dtype=np.int32)
    dist = np.full(lat.shape, np.inf)
    known = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if land.tree is None or known.size == 0:
        return nodes, dist
    chord = 2.0 * math.sin(min(max_dist_m / (2 * EARTH_RADIUS_M), math.pi / 2))
    _, found = land.tree.query(unit_sphere(lat[known], lon[known]), distance_upper_bound=chord)
    hit = found < land.nodes.size
    at, cand = known[hit], land.nodes[found[hit]]
    d = haversine_m(lat[at], lon[at], streets.node_lat[cand], streets.node_lon[cand])
    close = d <= max_dist_m
    nodes[at[close]], dist[at[close]] = cand[close], d[close]
    return nodes, dist


def stop_nodes(network: Network, streets: StreetGraph, mode: str) -> tuple[I32, F64]:
    """Each stop's node on the mode's mainland (-1: none within 300 m) and metres to it.

    On foot the build's own ``stop_node`` is kept when it is on the mainland; otherwise, and
    for the other modes, the nearest mainland node.
    """
    per_mode = _STOP_NODES.setdefault(streets, {})
    if mode not in per_mode:
        nodes, dist = nearest_mainland(
            streets, mode, network.stop_lat, network.stop_lon, MAX_STOP_SNAP_M
        )
        if mode == "walk":
            built = np.asarray(streets.stop_node, dtype=np.int32)
            keep = built >= 0
            keep[keep] = on_mainland(streets, mode)[built[keep]]
            nodes = np.where(keep, built, nodes).astype(np.int32)
            dist = np.where(keep, streets.stop_node_dist_m, dist).astype(np.float64)
        per_mode[mode] = (nodes, dist)
    return per_mode[mode]


def stop_edges(network: Network, streets: StreetGraph, mode: str) -> EdgeSnaps:
    """Each stop projected onto its nearest edge of the mode's mainland (-1: none within 300 m).

    A stop beside a long street is reached along that street, not through whichever node
    happens to lie nearest (often on a side street or across the road).
    """
    per_mode = _STOP_EDGES.setdefault(streets, {})
    if mode not in per_mode:
        per_mode[mode] = snap_points(
            streets, network.stop_lat, network.stop_lon, mode, MAX_STOP_SNAP_M,
            within=_mainland(streets, mode).inside,
        )  # fmt: skip
    return per_mode[mode]


def _mainland(streets: StreetGraph, mode: str) -> _Mainland:
    per_mode = _MAINLAND.setdefault(streets, {})
    if mode not in per_mode:
        graph, n = streets.graph(mode), streets.n_nodes
        inside = np.zeros(n, dtype=np.bool_)
        if graph.n_edges:
            ones = np.ones(graph.n_edges, dtype=np.int8)
            matrix = sp.csr_matrix((ones, graph.indices, graph.indptr), shape=(n, n))
            _, label = connected_components(matrix, directed=True, connection="strong")
            used = np.diff(graph.indptr) > 0
            main = int(np.argmax(np.bincount(label[used])))
            inside = (label == main) & used
        nodes = np.flatnonzero(inside).astype(np.int32)
        points = unit_sphere(streets.node_lat[nodes], streets.node_lon[nodes])
        per_mode[mode] = _Mainland(inside, nodes, cKDTree(points) if nodes.size else None)
    return per_mode[mode]
