"""Street islands: keeping searches on the main part of each mode's street graph.

OSM extracts hold small pieces cut off from the rest (a footway around a square, a parking
aisle, a way clipped by the extract's edge). A trip snapped onto one would find nothing, so,
as OpenTripPlanner prunes islands, ends and stops are attached to the largest strongly
connected component of the mode's graph instead: a stop to its nearest mainland edge
(`stop_edges`), as a query's ends are, and to its nearest mainland node (`stop_nodes`).
Components and the stops' links are found once per street graph and cached; the KD-tree
finding nodes near the stops is built when they are linked, and let go.
"""

from __future__ import annotations

import math
import weakref
from typing import TypeVar

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
K = TypeVar("K")
V = TypeVar("V")


# Per street graph and mode: the mask of its largest strongly connected component.
_MAINLAND: weakref.WeakKeyDictionary[StreetGraph, dict[str, Mask]] = weakref.WeakKeyDictionary()


class StopCache(dict[K, V]):
    """A street graph's entries that hold the stop indices of the network they were made for."""

    version: str = ""


_STOP_NODES: weakref.WeakKeyDictionary[StreetGraph, StopCache[str, tuple[I32, F64]]] = (
    weakref.WeakKeyDictionary()
)
_STOP_EDGES: weakref.WeakKeyDictionary[StreetGraph, StopCache[str, EdgeSnaps]] = (
    weakref.WeakKeyDictionary()
)


def on_mainland(streets: StreetGraph, mode: str) -> Mask:
    """Boolean mask over nodes: True inside the mode's largest strongly connected component."""
    per_mode = _MAINLAND.setdefault(streets, {})
    if mode not in per_mode:
        per_mode[mode] = _mainland(streets, mode)
    return per_mode[mode]


def snap_to_mainland(
    streets: StreetGraph, lat: float, lon: float, mode: str, max_dist_m: float
) -> EdgeSnap | None:
    """The nearest edge of `mode` with both ends on the mainland; None beyond `max_dist_m`.

    A point beside a footway island joins the streets that lead somewhere.
    """
    return snap_point(streets, lat, lon, mode, max_dist_m, within=on_mainland(streets, mode))


def nearest_mainland(
    streets: StreetGraph, mode: str, lat: F64, lon: F64, max_dist_m: float
) -> tuple[I32, F64]:
    """The nearest mainland node of `mode` for each coordinate (-1 and inf beyond the bound).

    The KD-tree over the mainland's nodes is built for the call, not kept: it is called once
    per mode, for the stops (`stop_nodes` keeps the answer); kept, the three modes' trees held
    3.4 MB over Porto Alegre.
    """
    mainland = np.flatnonzero(on_mainland(streets, mode)).astype(np.int32)
    nodes = np.full(lat.shape, -1, dtype=np.int32)
    dist = np.full(lat.shape, np.inf)
    known = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if mainland.size == 0 or known.size == 0:
        return nodes, dist
    tree = cKDTree(unit_sphere(streets.node_lat[mainland], streets.node_lon[mainland]))
    chord = 2.0 * math.sin(min(max_dist_m / (2 * EARTH_RADIUS_M), math.pi / 2))
    _, found = tree.query(unit_sphere(lat[known], lon[known]), distance_upper_bound=chord)
    hit = found < mainland.size
    at, cand = known[hit], mainland[found[hit]]
    d = haversine_m(lat[at], lon[at], streets.node_lat[cand], streets.node_lon[cand])
    close = d <= max_dist_m
    nodes[at[close]], dist[at[close]] = cand[close], d[close]
    return nodes, dist


def for_network(
    cache: weakref.WeakKeyDictionary[StreetGraph, StopCache[K, V]],
    streets: StreetGraph,
    network: Network,
) -> StopCache[K, V]:
    """`streets`' entries in `cache`, emptied first when they were made for another network.

    A street graph served with a network of other stops (another version) must not reach
    the first one's stop indices.
    """
    entries = cache.get(streets)
    if entries is None or entries.version != network.version:
        entries = cache[streets] = StopCache()
        entries.version = network.version
    return entries


def stop_nodes(network: Network, streets: StreetGraph, mode: str) -> tuple[I32, F64]:
    """Each stop's node on the mode's mainland (-1: none within 300 m) and metres to it.

    On foot the build's own ``stop_node`` is kept when it is on the mainland; otherwise, and
    for the other modes, the nearest mainland node.
    """
    per_mode = for_network(_STOP_NODES, streets, network)
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
    per_mode = for_network(_STOP_EDGES, streets, network)
    if mode not in per_mode:
        per_mode[mode] = snap_points(
            streets, network.stop_lat, network.stop_lon, mode, MAX_STOP_SNAP_M,
            within=on_mainland(streets, mode),
        )  # fmt: skip
    return per_mode[mode]


def _mainland(streets: StreetGraph, mode: str) -> Mask:
    """The mask of the mode's largest strongly connected component (nodes with edges)."""
    graph, n = streets.graph(mode), streets.n_nodes
    if not graph.n_edges:
        return np.zeros(n, dtype=np.bool_)
    ones = np.ones(graph.n_edges, dtype=np.int8)
    matrix = sp.csr_matrix((ones, graph.indices, graph.indptr), shape=(n, n))
    _, label = connected_components(matrix, directed=True, connection="strong")
    used = np.diff(graph.indptr) > 0
    main = int(np.argmax(np.bincount(label[used])))
    inside: Mask = (label == main) & used
    return inside
