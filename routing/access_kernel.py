"""Numba kernels of access and egress: the stops an end reaches, and a coordinate's whole search.

`reach_stops` merges the ways to each stop (streets, straight line, a named stop's
footpaths). `coordinate_end` runs everything a coordinate end needs in one call: snap onto
the nearest mainland edge (`routing.snap.snap_kernel`), the bounded street search
(`routing.street_search.bounded_search`), `reach_stops`, and the pruning of useless offsets
(`routing.offset_pruning.useful_kernel`). One call instead of four, with no Python between
them, takes about a third off a door-to-door query's street work.

numba's on-disk cache follows only a function's own file: after editing the kernels this
module calls, clear the ``__pycache__`` numba caches (``*.nbi``, ``*.nbc``) of this one too.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.geo import EARTH_RADIUS_M, haversine_one
from routing.network import NO_DROP_OFF, NO_PICKUP
from routing.offset_pruning import PruningTables, useful_kernel
from routing.snap import SnapArrays, snap_kernel
from routing.street_search import bounded_search
from routing.streets import F32, F64, I32

I8 = npt.NDArray[np.int8]
Mask = npt.NDArray[np.bool_]
# The crow-fly fallback lengthens straight lines as the build's crow-fly footpaths do.
CROW_FLY_DETOUR = 1.3
# How a stop was reached: a straight line, the street search, or being the stop named.
CROW, STREET, NAMED = 0, 1, 2


class EndArrays(NamedTuple):
    """What `coordinate_end` reads of one mode and direction, prepared once per street graph.

    The graph searched (reversed for egress) and its mainland mask; the stops' links to its
    nodes (`routing.stop_links`: CSR ``item_ptr`` / ``items`` over nodes, items indexing
    ``link_stops`` and ``link_m``, link ``k`` reaching stop ``link_stops[k]`` ``link_m[k]``
    metres from its node); the boardable stops off the streets, reached in a straight line.
    """

    snap: SnapArrays
    mainland: Mask
    indptr: I32
    indices: I32
    length: F32
    speed: F32
    item_ptr: I32
    items: I32
    link_stops: I32
    link_m: F64
    crow_stops: I32
    crow_lat: F64
    crow_lon: F64


class Scratch(NamedTuple):
    """This thread's reusable arrays: the street search's, `reach_stops`' and the pruning's."""

    cost: F64
    pred: I32
    mark: I32
    touched: I32
    heap_k: F64
    heap_v: I32
    slot: I32
    key: F64
    owner: I32


class Limits(NamedTuple):
    """One end's search: where, which way, how fast and how far, and what the query may use."""

    lat: float
    lon: float
    max_snap_m: float
    reverse: bool
    speed_mps: float
    max_s: float
    prune: bool


@njit(cache=True, nogil=True)
def reach_stops(
    street_at: I32, street_s: F64, link_stops: I32, link_extra_m: F64, crow_stops: I32,
    crow_lat: F64, crow_lon: F64, lat: float, lon: float, named_stops: I32, named_s: F64,
    speed: float, max_s: float, slot: I32,
) -> tuple[I32, F64, F64, I8]:  # fmt: skip
    """The quickest way to each stop within `max_s`, sorted by stop: (stops, s, m, how).

    Ways: from the named stop (`named_*`, seconds on foot), along the streets (`street_s`
    seconds to the node of link `street_at`, plus the link's `link_extra_m` to its stop
    `link_stops`; a stop's quickest link counts), or in a straight line lengthened by the
    detour factor (`crow_*`, sorted by latitude: only the band within reach is read). On a
    tie the first of those wins: the stop a query names is reached as named, not crow-fly.
    `slot` (one per stop, at -1) is scratch, left as found.
    """
    n_named, n_street = named_stops.size, street_at.size
    radius = max_s * speed / CROW_FLY_DETOUR
    dlat = math.degrees(radius / EARTH_RADIUS_M)  # no nearer than its latitude difference
    first = np.searchsorted(crow_lat, lat - dlat)
    n = n_named + n_street + np.searchsorted(crow_lat, lat + dlat, side="right") - first
    stops, seconds = np.empty(n, np.int32), np.empty(n)
    metres, how = np.empty(n), np.empty(n, np.int8)
    count = 0
    for i in range(n):
        if i < n_named:
            s, kind, stop = named_s[i], NAMED, named_stops[i]
            m = s * speed
        elif i < n_named + n_street:
            x = street_at[i - n_named]
            m = street_s[i - n_named] * speed + link_extra_m[x]
            s, kind, stop = m / speed, STREET, link_stops[x]
        else:
            x = first + i - n_named - n_street
            m = haversine_one(lat, lon, crow_lat[x], crow_lon[x]) * CROW_FLY_DETOUR
            s, kind, stop = m / speed, CROW, crow_stops[x]
        if not s <= max_s:
            continue
        at = slot[stop]
        if at < 0:
            at = slot[stop] = count
            count += 1
        elif s >= seconds[at]:
            continue
        stops[at], seconds[at], metres[at], how[at] = stop, s, m, kind
    order = np.argsort(stops[:count])
    for x in range(count):
        slot[stops[x]] = -1
    return stops[order], seconds[order], metres[order], how[order]


@njit(cache=True, nogil=True)
def _sources(sa: SnapArrays, e: int, tb: float, offset_m: float, reverse: bool) -> tuple[I32, F64]:
    """The street nodes a search from the snapped point starts at, and metres to each.

    Leaving the point (access) towards node a travels the edge b to a; reaching it (egress,
    searched against the edges) from node a travels it a to b.
    """
    length = sa.length_m[e]
    via_a = sa.a_to_b[e] if reverse else sa.b_to_a[e]
    via_b = sa.b_to_a[e] if reverse else sa.a_to_b[e]
    nodes, metres = np.empty(2, np.int32), np.empty(2)
    n = 0
    if via_a:
        nodes[n], metres[n] = sa.a[e], tb * length + offset_m
        n += 1
    if via_b:
        nodes[n], metres[n] = sa.b[e], (1.0 - tb) * length + offset_m
        n += 1
    return nodes[:n], metres[:n]


@njit(cache=True, nogil=True)
def edge_links(
    sa: SnapArrays, stops: I32, edge: I32, position: F64, offset_m: F64, reverse: bool
) -> tuple[I32, I32, F64]:
    """Links of `stops` along their edges: (stop, node, metres from the node), stop by stop.

    Stop ``s`` lies on edge ``edge[s]`` at ``position[s]``, ``offset_m[s]`` from it. It is
    reached from each end of its edge the mode may travel towards it (access), or left
    towards each end it may travel to (egress, `reverse`): `_sources` of the other direction.
    """
    n = 0
    node, metres = np.empty(2 * stops.size, np.int32), np.empty(2 * stops.size)
    stop = np.empty(2 * stops.size, np.int32)
    for s in stops:
        ends, along = _sources(sa, edge[s], position[s], offset_m[s], not reverse)
        for k in range(ends.size):
            stop[n], node[n], metres[n] = s, ends[k], along[k]
            n += 1
    return stop[:n], node[:n], metres[:n]


Snapped = tuple[int, float, float, float, float]
Tree = tuple[I32, F64, I32]
Offsets = tuple[I32, I32, F64, I8]


def plain(arrays: EndArrays) -> tuple[Any, ...]:
    """`arrays` as plain nested tuples, the form `coordinate_end` takes."""
    return (tuple(arrays.snap), *arrays[1:])


@njit(cache=True, nogil=True)
def coordinate_end(
    ea_: tuple[Any, ...], sc_: tuple[Any, ...], pt_: tuple[Any, ...], usable: Mask,
    end_: tuple[Any, ...],
) -> tuple[Snapped, Tree, Offsets, int, int]:  # fmt: skip
    """Snap, search, reach and prune for one coordinate end.

    Takes an `EndArrays` (as `plain`), a `Scratch`, `PruningTables` and `Limits` as plain
    tuples: numba's dispatcher types a plain tuple in C, a NamedTuple field by field in
    Python, which would cost more than the snapping.

    Returns the snap (edge, position, lat, lon, offset; edge -1 when the point is off the
    streets, and nothing else is done), the search tree (nodes, seconds, predecessors), the
    offsets (stops, whole seconds, metres to one decimal, how reached), how many stops
    were reached before pruning, and the heap size the search needed (see
    `routing.street_search.keep_heap`).
    """
    ea = EndArrays(SnapArrays(*ea_[0]), *ea_[1:])
    sc, pt, end = Scratch(*sc_), PruningTables(*pt_), Limits(*end_)
    snap = snap_kernel(ea.snap, ea.mainland, end.lat, end.lon, end.max_snap_m)
    e, tb, offset_m = snap[0], snap[1], snap[4]
    no_tree = (np.empty(0, np.int32), np.empty(0), np.empty(0, np.int32))
    no_offsets = (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0), np.empty(0, np.int8))
    if e < 0:
        return snap, no_tree, no_offsets, 0, sc.heap_k.size
    nodes, metres = _sources(ea.snap, e, tb, offset_m, end.reverse)
    speed = end.speed_mps
    tree_nodes, costs, preds, at, at_s, heap = bounded_search(
        ea.indptr, ea.indices, ea.length, ea.speed, speed, nodes, metres / speed, end.max_s,
        -1, ea.item_ptr, ea.items, sc.cost, sc.pred, sc.mark, sc.touched, sc.heap_k, sc.heap_v,
    )  # fmt: skip
    none = np.empty(0, np.int32)
    stops, seconds, reach_m, how = reach_stops(
        at, at_s, ea.link_stops, ea.link_m, ea.crow_stops, ea.crow_lat, ea.crow_lon, end.lat,
        end.lon, none, np.empty(0), speed, end.max_s, sc.slot,
    )  # fmt: skip
    reached = stops.size
    if end.prune and stops.size >= 2:
        forbidden = int(NO_DROP_OFF) if end.reverse else int(NO_PICKUP)
        keep = useful_kernel(
            stops.astype(np.int64), seconds, pt.sp_ptr, pt.sp_pattern, pt.sp_pos, pt.ps_ptr,
            pt.cum, pt.flags, pt.weak, usable, forbidden, end.reverse, sc.key, sc.owner,
        )  # fmt: skip
        stops, seconds, reach_m, how = stops[keep], seconds[keep], reach_m[keep], how[keep]
    whole_s = np.ceil(seconds - 1e-9).astype(np.int32)
    offsets = (stops, whole_s, np.round(reach_m, 1), how)
    return snap, (tree_nodes, costs, preds), offsets, reached, heap
