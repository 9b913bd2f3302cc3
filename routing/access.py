"""Access and egress: the stops a query's ends reach on foot or by bike, as transit offsets.

One bounded street search per end and mode reaches every stop at once through the stops'
links to the street nodes (`routing.stop_links`: along each stop's nearest edge, and from its
nearest node; no loop over stops). Stops outside the street extract, and ends that do not
snap onto it, are reached in a straight line lengthened by a detour factor and flagged
``crow_fly``. Egress searches run from the destination *against* the edges (a transposed
graph, made per street graph and mode when first needed), so one-way streets are honoured
both ways.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.access_kernel import (
    CROW,
    CROW_FLY_DETOUR,
    NAMED,
    STREET,
    EndArrays,
    Limits,
    coordinate_end,
    plain,
    reach_stops,
)
from routing.network import Network
from routing.offset_pruning import Mask, pruning_scratch, pruning_tables, useful
from routing.query import AccessMode, Location, Offset, OffsetArrays, StopRef
from routing.realtime import RealtimeOverlay
from routing.snap import EdgeSnap, edge_index, edge_snap
from routing.stop_links import (
    NO_LINKS,
    StopIndex,
    boardable_stops,
    quickest_link,
    stop_index,
    stop_links,
)
from routing.street_islands import (
    MAX_STOP_SNAP_M,
    StopCache,
    for_network,
    on_mainland,
    snap_to_mainland,
    stop_nodes,
)
from routing.street_search import (
    StreetTree,
    graph_arrays,
    keep_heap,
    search_workspace,
    shortest_path_tree,
)
from routing.streets import F64, I32, MODES, CsrGraph, StreetGraph

MAX_SNAP_M = 500.0
__all__ = ["CROW", "CROW_FLY_DETOUR", "NAMED", "STREET"]

Coords = list[tuple[float, float]]
I8 = npt.NDArray[np.int8]
_REVERSED: weakref.WeakKeyDictionary[StreetGraph, dict[str, StreetGraph]] = (
    weakref.WeakKeyDictionary()
)
# Per network: every boardable stop, for crow-fly reach without streets.
_STOPS: weakref.WeakKeyDictionary[Network, StopIndex | None] = weakref.WeakKeyDictionary()
_ENDS: weakref.WeakKeyDictionary[StreetGraph, StopCache[tuple[str, bool], tuple[Any, ...]]] = (
    weakref.WeakKeyDictionary()
)


class UnknownStop(LookupError):
    """A `StopRef` names no stop of the network; `role` says which end (origin, destination)."""

    def __init__(self, message: str, role: str = "") -> None:
        super().__init__(message)
        self.role = role


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a query, resolved: where it lies and the stop it names (-1: a coordinate)."""

    lat: float
    lon: float
    stop: int = -1


@dataclass(frozen=True, slots=True, eq=False)
class StreetAccess:
    """The stops one end reaches by one mode, and what is needed to draw each leg.

    ``tree`` is the street search (None when the end did not snap onto the streets); with
    ``reverse`` it ran from the destination against the edges. ``table`` holds the offsets
    handed to the transit search and ``how`` how each of its stops was reached (`CROW`,
    `STREET`, `NAMED`): all but street ones are drawn as a straight line (crow-fly ones
    flagged so, the others are network footpaths). ``reached`` counts the stops reached
    before useless offsets were pruned.
    """

    end: Endpoint
    mode: AccessMode
    reverse: bool
    speed_mps: float
    table: OffsetArrays
    how: I8
    tree: StreetTree | None
    snap: EdgeSnap | None
    reached: int = 0

    @property
    def offsets(self) -> tuple[Offset, ...]:
        """The offsets, one `Offset` per stop."""
        return self.table.as_tuple()

    @property
    def crow_fly(self) -> frozenset[int]:
        """Stops reached by the crow-fly fallback."""
        return frozenset(self.table.stops[self.how == CROW].tolist())


_NO_COSTS = np.empty(0)
_NO_REACH = (np.empty(0, np.int32), _NO_COSTS)
_NO_STOPS = StopIndex(np.empty(0, np.int32), _NO_COSTS, _NO_COSTS)
_local = threading.local()


def resolve(network: Network, location: Location, role: str = "") -> Endpoint:
    """The coordinates of a location; a `StopRef` keeps its stop index.

    Raises:
        UnknownStop: when a `StopRef` names no stop of the network (with `role`).
    """
    if isinstance(location, StopRef):
        stop = network.find_stop(location.stop_id)
        if stop is None:
            raise UnknownStop(f"no stop {location.stop_id!r} in the network", role)
        return Endpoint(float(network.stop_lat[stop]), float(network.stop_lon[stop]), int(stop))
    return Endpoint(float(location.lat), float(location.lon))


def street_access(
    network: Network,
    streets: StreetGraph | None,
    end: Endpoint,
    mode: AccessMode,
    speed_mps: float,
    max_s: float,
    *,
    reverse: bool = False,
    usable: Mask | None = None,
    overlay: RealtimeOverlay | None = None,
    prune: bool = True,
) -> StreetAccess:
    """Offsets to the stops `end` reaches within `max_s` by `mode` (egress with `reverse`).

    A stop named by the end itself is reached at once, with its station's stops and its
    footpaths (walk only). Offsets that can never give a better journey are left out (see
    `routing.offset_pruning`; `usable` marks the stops this query may board or alight at, and
    `overlay` is the realtime state the transit search will use),
    unless `prune` is False (every stop reached, e.g. to show what lies within a walk).
    """
    if streets is not None and end.stop < 0:
        limits_ = Limits(end.lat, end.lon, MAX_SNAP_M, reverse, speed_mps, float(max_s), prune)
        found = _coordinate_access(network, streets, end, mode, limits_, usable, overlay)
        if found is not None:
            return found
    limits = (mode, speed_mps, max_s)
    snap = _snap(streets, end, mode)
    searched = _search(network, streets, end, snap, limits, reverse)
    tree = None if searched is None else searched[0]
    if searched is None or streets is None:
        links, crow = NO_LINKS, _all_stops(network)
    else:
        links = stop_links(network, streets, mode, reverse)
        crow = links.off_streets
    street = _NO_REACH if searched is None else searched[1]
    named = _by_stop(network, end.stop, max_s) if end.stop >= 0 and mode == "walk" else _empty()
    finite = math.isfinite(end.lat) and math.isfinite(end.lon)
    crow = crow if crow is not None and finite else _NO_STOPS
    stops, seconds, metres, how = reach_stops(
        street[0], street[1], links.stop, links.metres, crow.stops, crow.lat, crow.lon,
        end.lat, end.lon, named[0], named[1], speed_mps, float(max_s), _slots(network.n_stops),
    )  # fmt: skip
    reached = int(stops.size)
    if prune:
        keep = useful(network, stops, seconds, egress=reverse, usable=usable, overlay=overlay)
        stops, seconds, metres, how = stops[keep], seconds[keep], metres[keep], how[keep]
    whole_s = np.ceil(seconds - 1e-9).astype(np.int32)
    table = OffsetArrays(stops, whole_s, np.round(metres, 1), mode)
    return StreetAccess(end, mode, reverse, speed_mps, table, how, tree, snap, reached)


def _coordinate_access(
    network: Network,
    streets: StreetGraph,
    end: Endpoint,
    mode: AccessMode,
    limits: Limits,
    usable: Mask | None,
    overlay: RealtimeOverlay | None,
) -> StreetAccess | None:
    """`street_access` of a coordinate, in one kernel call; None when it is off the streets."""
    tables = pruning_tables(network, overlay)
    ok = tables.all_ok if usable is None else np.asarray(usable, np.bool_)
    arrays = _end_arrays(network, streets, mode, limits.reverse)
    scratch = _scratch(network, streets, tables.cum.size)
    snapped, tree, offsets, reached, heap = coordinate_end(
        arrays, scratch, tuple(tables), ok, tuple(limits)
    )
    keep_heap(heap)
    if snapped[0] < 0:
        return None
    index = edge_index(streets, mode)
    snap = edge_snap(index, snapped[0], snapped[1], snapped[2:])
    stops, whole_s, metres, how = offsets
    table = OffsetArrays(stops, whole_s, metres, mode)
    found = StreetTree(*tree, streets.n_nodes)
    speed = limits.speed_mps
    return StreetAccess(end, mode, limits.reverse, speed, table, how, found, snap, reached)


def _end_arrays(
    network: Network, streets: StreetGraph, mode: str, reverse: bool
) -> tuple[Any, ...]:
    """`EndArrays` of `mode` in one direction (`plain`), made once per street graph."""
    per_graph = for_network(_ENDS, streets, network)
    found = per_graph.get((mode, reverse))
    if found is None:
        graph = (reversed_streets(streets, mode) if reverse else streets).graph(mode)
        links = stop_links(network, streets, mode, reverse)
        crow = links.off_streets or _NO_STOPS
        found = per_graph[(mode, reverse)] = plain(
            EndArrays(
                edge_index(streets, mode).arrays, on_mainland(streets, mode),
                *graph_arrays(graph), links.attached.ptr, links.attached.items, links.stop,
                links.metres, crow.stops, crow.lat, crow.lon,
            )
        )  # fmt: skip
    return found


def _scratch(network: Network, streets: StreetGraph, n_positions: int) -> tuple[Any, ...]:
    """This thread's scratch arrays for one end's search: a `Scratch` as a plain tuple."""
    return (
        *search_workspace(streets.n_nodes), _slots(network.n_stops),
        *pruning_scratch(n_positions),
    )  # fmt: skip


def street_end(
    streets: StreetGraph | None, end: Endpoint, mode: AccessMode, speed_mps: float
) -> StreetAccess:
    """`end` joined to the `mode` streets without a search from it: a direct path's target."""
    snap = _snap(streets, end, mode)
    none = OffsetArrays(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0), mode)
    return StreetAccess(end, mode, True, speed_mps, none, np.empty(0, np.int8), None, snap)


def leg_coordinates(
    access: StreetAccess, network: Network, streets: StreetGraph | None, stop: int
) -> Coords:
    """The (lon, lat) line of the leg between `access`'s end and `stop`, in travel order."""
    end = (access.end.lon, access.end.lat)
    at_stop = (float(network.stop_lon[stop]), float(network.stop_lat[stop]))
    line = [end, at_stop]
    if access.tree is not None and streets is not None and _along_streets(access, stop):
        links = stop_links(network, streets, access.mode, access.reverse)
        node, on_edge = quickest_link(links, access.tree, access.speed_mps, stop)
        nodes = access.tree.path_to(node)
        along = [] if on_edge is None else [on_edge]
        line = [end, *_snapped(access), *node_coordinates(streets, nodes), *along, at_stop]
    return line[::-1] if access.reverse else line


def _along_streets(access: StreetAccess, stop: int) -> bool:
    at = int(access.table.stops.searchsorted(stop))
    return at < access.how.size and access.table.stops[at] == stop and access.how[at] == STREET


def node_coordinates(streets: StreetGraph, nodes: I32) -> Coords:
    """(lon, lat) of street nodes."""
    lon, lat = streets.node_lon[nodes].tolist(), streets.node_lat[nodes].tolist()
    return list(zip(lon, lat, strict=True))


def reversed_streets(streets: StreetGraph, mode: str) -> StreetGraph:
    """`streets` with every edge of `mode` turned around: `mode` searches towards a destination.

    Made once per street graph and mode, when an egress of that mode first needs it (access
    modes are walk and bike: no car graph is turned while serving). The other modes' graphs
    are `streets`' own, not turned: search only `mode` on it.
    """
    per_mode = _REVERSED.setdefault(streets, {})
    found = per_mode.get(mode)
    if found is None:
        turned = _transpose(streets.graph(mode), streets.n_nodes)
        walk, bike, car = (turned if m == mode else streets.graph(m) for m in MODES)
        found = per_mode[mode] = replace(streets, walk=walk, bike=bike, car=car)
    return found


def _transpose(graph: CsrGraph, n: int) -> CsrGraph:
    """`graph` with its edges turned around (itself when that changes nothing).

    The walk graph is its own transpose: searches of both directions then share one copy of
    it in the CPU caches.
    """
    tail = np.repeat(np.arange(n, dtype=np.int32), np.diff(graph.indptr))
    order = np.argsort(graph.indices, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(graph.indices, minlength=n), out=indptr[1:])
    turned = CsrGraph(indptr, tail[order], graph.length_m[order], graph.speed_mps[order])
    same = all(
        np.array_equal(a, b)
        for a, b in zip(
            (graph.indptr, graph.indices, graph.length_m, graph.speed_mps),
            (turned.indptr, turned.indices, turned.length_m, turned.speed_mps),
            strict=True,
        )
    )
    return graph if same else turned


def _snap(streets: StreetGraph | None, end: Endpoint, mode: AccessMode) -> EdgeSnap | None:
    """Where `end` joins the `mode` streets; a named stop, on its own edge (`stop_edges`)."""
    if streets is None:
        return None
    limit = MAX_SNAP_M if end.stop < 0 else MAX_STOP_SNAP_M
    return snap_to_mainland(streets, end.lat, end.lon, mode, limit)


def _search(
    network: Network,
    streets: StreetGraph | None,
    end: Endpoint,
    snap: EdgeSnap | None,
    limits: tuple[AccessMode, float, float],
    reverse: bool,
) -> tuple[StreetTree, tuple[I32, F64]] | None:
    """The bounded street search from the end, and the links to stops it reached.

    A named stop's search starts from its edge, as a coordinate's does (see `_snap`), or at
    its nearest node when no edge is near enough.
    """
    mode, speed_mps, max_s = limits
    if streets is None:
        return None
    if snap is not None:
        nodes, along = snap.arrivals() if reverse else snap.departures()
        cost = (along + snap.offset_m) / speed_mps
    elif end.stop >= 0:
        node_of, metres = stop_nodes(network, streets, mode)
        if node_of[end.stop] < 0:
            return None
        nodes = node_of[end.stop : end.stop + 1]
        cost = metres[end.stop : end.stop + 1] / speed_mps
    else:
        return None
    graph = reversed_streets(streets, mode) if reverse else streets
    on_nodes = stop_links(network, streets, mode, reverse).attached
    return shortest_path_tree(graph, mode, nodes, cost, max_s, speed_mps, attached=on_nodes)


def _by_stop(network: Network, stop: int, max_s: float) -> tuple[I32, F64]:
    """A named stop at once, its station's stops at once, then footpaths from any of them."""
    here = np.flatnonzero(network.stop_parent == stop).astype(np.int32)
    here = np.concatenate([np.array([stop], dtype=np.int32), here])
    here = here[network.stop_location_type[here] == 0]
    ptr = network.transfer_ptr
    ranges = [np.arange(ptr[s], ptr[s + 1]) for s in here.tolist()]
    edges = np.concatenate(ranges) if ranges else np.empty(0, dtype=np.int64)
    walk_to = network.transfer_to[edges].astype(np.int32)
    walk_s = network.transfer_s[edges].astype(np.float64)
    keep = walk_s <= max_s
    return np.concatenate([here, walk_to[keep]]), np.concatenate(
        [np.zeros(here.size), walk_s[keep]]
    )


def _slots(n_stops: int) -> I32:
    """This thread's per-stop scratch for `reach_stops` (kept at -1 between calls)."""
    found = getattr(_local, "slots", None)
    if found is None or found.size < n_stops:
        found = _local.slots = np.full(n_stops, -1, dtype=np.int32)
    slots: I32 = found
    return slots


def _snapped(access: StreetAccess) -> Coords:
    return [] if access.snap is None else [(access.snap.lon, access.snap.lat)]


def _all_stops(network: Network) -> StopIndex | None:
    if network not in _STOPS:
        _STOPS[network] = stop_index(network, np.flatnonzero(boardable_stops(network)))
    return _STOPS[network]


def _empty() -> tuple[I32, F64]:
    return np.empty(0, dtype=np.int32), np.empty(0)
