"""How the network's boardable stops join a mode's street graph: their links to its nodes.

A stop lies on its nearest mainland edge, as a query's ends do
(`routing.street_islands.stop_edges`): it is reached from each end of that edge the mode may
use, along the edge to the stop's projection, then across to the stop. It is also reached
straight from its nearest mainland node (`routing.street_islands.stop_nodes`), its only link
before; whichever is quicker counts. The nearest node alone sends a stop beside a long street
round by a side street or across the road (in Porto Alegre 511 of 2,382 stops were tied to a
node over 50 m of walking off their own street); the edge alone would lose the straight cut
from a corner node. Stops with neither within 300 m are off the streets.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.access_kernel import edge_links
from routing.network import Network
from routing.snap import EdgeSnaps, edge_index
from routing.street_islands import StopCache, for_network, stop_edges, stop_nodes
from routing.street_search import Attached, StreetTree, attached_items
from routing.streets import F64, I32, StreetGraph

Mask = npt.NDArray[np.bool_]
_LINKS: weakref.WeakKeyDictionary[StreetGraph, StopCache[tuple[str, bool], StopLinks]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class StopIndex:
    """Stops and their coordinates, for crow-fly reach: sorted by latitude (see `stop_index`)."""

    stops: I32
    lat: F64
    lon: F64


@dataclass(frozen=True, slots=True)
class StopLinks:
    """How one mode reaches the boardable stops in one direction: links, or off the streets.

    Link ``k`` joins node ``node[k]`` to stop ``stop[k]`` in ``metres[k]``: along the stop's
    edge when ``on_edge[k]`` (through the stop's projection ``edges.lat`` / ``edges.lon``),
    else straight. Links are sorted by stop (the stop's are ``stop_ptr[s]:stop_ptr[s + 1]``)
    and listed per node in ``attached``; a stop has at most one link from each node.
    """

    stop: I32
    node: I32
    metres: F64
    on_edge: Mask
    stop_ptr: npt.NDArray[np.int64]
    attached: Attached
    edges: EdgeSnaps | None
    off_streets: StopIndex | None


NO_LINKS = StopLinks(
    np.empty(0, np.int32),
    np.empty(0, np.int32),
    np.empty(0),
    np.empty(0, np.bool_),
    np.zeros(1, np.int64),
    attached_items(np.empty(0, np.int32), 0),
    None,
    None,
)


def stop_links(network: Network, streets: StreetGraph, mode: str, reverse: bool) -> StopLinks:
    """The stops' links of `mode` for access, or for egress with `reverse` (made once).

    Access arrives at a stop: along its edge only from an end the mode may travel towards
    it. Egress (searched against the edges) leaves it: only towards an end it may travel to.
    Where every edge goes both ways (on foot) the two are the same, and kept once.
    """
    per_graph = for_network(_LINKS, streets, network)
    found = per_graph.get((mode, reverse))
    if found is None:
        found = _links(network, streets, mode, reverse)
        other = per_graph.get((mode, not reverse))
        if other is not None and _same_links(found, other):
            found = other
        per_graph[(mode, reverse)] = found
    return found


def _same_links(one: StopLinks, other: StopLinks) -> bool:
    """Whether two directions' links join the same stops to the same nodes in the same metres."""
    pairs = ((one.stop, other.stop), (one.node, other.node), (one.metres, other.metres))
    return all(np.array_equal(a, b) for a, b in (*pairs, (one.on_edge, other.on_edge)))


def quickest_link(
    links: StopLinks, tree: StreetTree, speed_mps: float, stop: int
) -> tuple[int, tuple[float, float] | None]:
    """The node of the link `tree` reached `stop` by, and the stop's projection if along one.

    The search reached the stop by its quickest link (as `routing.access_kernel.reach_stops`
    chose): the one a leg to it is drawn along. The projection is (lon, lat).
    """
    k = np.arange(links.stop_ptr[stop], links.stop_ptr[stop + 1])
    seconds = tree.cost_at(links.node[k]) + links.metres[k] / speed_mps
    best = int(k[np.argmin(seconds)])
    node = int(links.node[best])
    if not links.on_edge[best] or links.edges is None:
        return node, None
    return node, (float(links.edges.lon[stop]), float(links.edges.lat[stop]))


def boardable_stops(network: Network) -> Mask:
    """Stops one may board or alight at (not stations or entrances) with coordinates."""
    ok = (network.stop_location_type == 0) & np.isfinite(network.stop_lat)
    return np.asarray(ok & np.isfinite(network.stop_lon), dtype=np.bool_)


def stop_index(network: Network, stops: npt.NDArray[np.integer[Any]]) -> StopIndex | None:
    """`stops` with their coordinates, sorted by latitude; None when there are none."""
    if stops.size == 0:
        return None
    stops = stops[np.argsort(network.stop_lat[stops], kind="stable")]
    lat, lon = network.stop_lat[stops], network.stop_lon[stops]
    return StopIndex(stops.astype(np.int32), np.array(lat, np.float64), np.array(lon, np.float64))


def _links(network: Network, streets: StreetGraph, mode: str, reverse: bool) -> StopLinks:
    """Along each stop's edge from its ends, and from its nearest node; one link per node.

    Of a stop's links from one node the shortest is kept: when its nearest node ends its
    edge, the straight line beats going along.
    """
    boardable = boardable_stops(network)
    node_of, node_m = stop_nodes(network, streets, mode)
    edges = stop_edges(network, streets, mode)
    on_edge = np.flatnonzero(boardable & (edges.edge >= 0)).astype(np.int32)
    along = edge_links(
        edge_index(streets, mode).arrays, on_edge, edges.edge, edges.position, edges.offset_m,
        reverse,
    )  # fmt: skip
    at_node = np.flatnonzero(boardable & (node_of >= 0)).astype(np.int32)
    stop = np.concatenate([along[0], at_node])
    node = np.concatenate([along[1], node_of[at_node]])
    metres = np.concatenate([along[2], node_m[at_node]])
    kind = np.concatenate([np.ones(along[0].size, np.bool_), np.zeros(at_node.size, np.bool_)])
    order = np.lexsort((metres, node, stop))
    stop, node, metres, kind = stop[order], node[order], metres[order], kind[order]
    first = np.ones(stop.size, np.bool_)
    first[1:] = (stop[1:] != stop[:-1]) | (node[1:] != node[:-1])
    stop, node, metres, kind = stop[first], node[first], metres[first], kind[first]
    off = np.flatnonzero(boardable & (node_of < 0) & (edges.edge < 0))
    return StopLinks(
        stop, node, metres, kind, np.searchsorted(stop, np.arange(network.n_stops + 1)),
        attached_items(node, streets.n_nodes), edges, stop_index(network, off),
    )  # fmt: skip
