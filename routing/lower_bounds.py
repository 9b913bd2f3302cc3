"""Lower bounds on the time from each stop to the destination, to prune the transit search.

A label arriving at stop ``s`` at ``a`` cannot improve on a journey already found arriving at
``T`` when ``a + lb[s] >= T``, ``lb[s]`` being a time no journey from ``s`` to the destination
can beat: once a first journey is known, most of the city is never scanned. nigiri (MOTIS)
gets its bounds from a backward Dijkstra per query over the stop graph; that costs more here
than it saves (~0.3 ms for Porto Alegre's 4,000 stops and 40,000 edges). So the stops are
grouped once into `ZONES` compact zones (median splits of their coordinates), and one backward
search from each zone gives a zone-to-zone matrix of bounds; a query combines the matrix
row of each egress stop's zone with its egress time (microseconds, in the search's kernel:
`routing.raptor_kernels.stop_bounds`).

The stop graph's edges are a pattern's hops at their quickest over all its trips (waiting
ignored) and the footpaths. The reversed frame's graph is the same with every edge turned
(its hops are the forward ones read backwards, its footpaths the forward ones against their
direction), so its matrix is the forward one transposed, a view: one matrix per network.
A realtime overlay may make a hop quicker than any timetabled
trip does (a late trip catching up): its `realtime_slack`, the sum of those gains over all
hops, is taken off every bound, as no journey gains more.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.network import Network
from routing.raptor_frame import Frame, frame_for
from routing.street_search import reached_from

I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
INF = 2_147_483_647
ZONES = 256
jit = njit(cache=True, nogil=True)


class ZoneBounds(NamedTuple):
    """Stops grouped in zones, and a lower bound on the time between any two zones' stops.

    ``matrix[a, b]``: no journey leaves a stop of zone ``a`` and reaches one of zone ``b``
    quicker (0 within a zone; INF when none can). ``hop`` is each forward pattern position's
    quickest hop to the next position (timetable), the base of `realtime_slack`, in either
    direction.
    """

    zone: I32
    matrix: I32
    hop: I32


# Per network: the bounds of its forward frame and of its reversed one (sharing arrays).
_zones: weakref.WeakKeyDictionary[Network, tuple[ZoneBounds, ZoneBounds]] = (
    weakref.WeakKeyDictionary()
)
_slack: weakref.WeakKeyDictionary[Frame, tuple[I32, int]] = weakref.WeakKeyDictionary()


def zone_bounds(network: Network, reverse: bool) -> ZoneBounds:
    """The (cached) zone bounds of `network`'s forward frame, or of its reversed one."""
    found = _zones.get(network)
    if found is None:
        fa = frame_for(network, False).arrays
        hop = _quickest_hops(
            fa.pattern_stop_ptr, fa.pattern_trip_ptr, fa.pattern_time_ptr, fa.arrival,
            fa.departure,
        )  # fmt: skip
        ptr, tail, weight = _backward(fa.pattern_stop_ptr, fa.pattern_stops, hop,
                                      fa.transfer_ptr, fa.transfer_to, fa.transfer_s)  # fmt: skip
        zone, k = zones(network.stop_lat, network.stop_lon, ZONES)
        matrix = _matrix(ptr, tail, weight, zone, k)
        found = _zones[network] = (ZoneBounds(zone, matrix, hop), ZoneBounds(zone, matrix.T, hop))
    return found[reverse]


def realtime_slack(frame: Frame, bounds: ZoneBounds, arrival: I32, departure: I32) -> int:
    """How much quicker than `bounds` allow a journey may be with these realtime times.

    `arrival` and `departure` are an overlay's, in the frame's layout (cached per overlay).
    """
    hit = _slack.get(frame)
    if hit is None or hit[0] is not departure:
        fa = frame.arrays
        gain = _realtime_gain(
            fa.pattern_stop_ptr, fa.pattern_trip_ptr, fa.pattern_time_ptr, arrival, departure,
            bounds.hop, frame.reverse,
        )  # fmt: skip
        hit = _slack[frame] = (departure, int(gain))
    return hit[1]


def zones(lat: F64, lon: F64, k: int) -> tuple[I32, int]:
    """Each stop's zone, and the number of zones: median splits along the wider side.

    Stops without coordinates share one zone of their own.
    """
    n = lat.size
    zone = np.zeros(n, dtype=np.int32)
    known = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    x = np.asarray(lon, dtype=np.float64) * np.cos(np.radians(np.nanmean(lat) if known.size else 0))
    y = np.asarray(lat, dtype=np.float64)
    parts = [known] if known.size else []
    while parts and len(parts) < k and max(p.size for p in parts) > 1:
        parts.sort(key=lambda p: -p.size)
        biggest = parts.pop(0)
        xs, ys = x[biggest], y[biggest]
        key = xs if np.ptp(xs) >= np.ptp(ys) else ys
        order = np.argsort(key, kind="stable")
        half = biggest.size // 2
        parts += [biggest[order[:half]], biggest[order[half:]]]
    for z, members in enumerate(parts):
        zone[members] = z
    n_zones = len(parts)
    unknown = np.ones(n, dtype=np.bool_)
    unknown[known] = False
    if unknown.any():
        zone[unknown] = n_zones
        n_zones += 1
    return zone, max(n_zones, 1)


@jit
def _quickest_hops(
    stop_ptr: I32, trip_ptr: I32, time_ptr: I32, arrival: I32, departure: I32
) -> I32:
    """Per pattern position, the quickest hop to the next position over all trips (>= 0)."""
    hop = np.full(stop_ptr[-1], INF, np.int32)
    for p in range(stop_ptr.size - 1):
        n = trip_ptr[p + 1] - trip_ptr[p]
        for i in range(stop_ptr[p + 1] - stop_ptr[p] - 1):
            row = time_ptr[p] + i * n
            for j in range(n):
                gap = max(arrival[row + n + j] - departure[row + j], 0)
                hop[stop_ptr[p] + i] = min(hop[stop_ptr[p] + i], gap)
    return hop


@jit
def _realtime_gain(
    stop_ptr: I32, trip_ptr: I32, time_ptr: I32, arrival: I32, departure: I32, hop: I32,
    reverse: bool,
) -> int:  # fmt: skip
    """Sum over pattern positions of how much quicker than `hop` these times make the hop.

    `hop` is the forward frame's; in the reversed frame (`reverse`), position ``i`` of a
    pattern of ``m`` positions rides the forward hop at ``m - 2 - i``, backwards.
    """
    gain = 0
    for p in range(stop_ptr.size - 1):
        n = trip_ptr[p + 1] - trip_ptr[p]
        m = stop_ptr[p + 1] - stop_ptr[p]
        for i in range(m - 1):
            row, best = time_ptr[p] + i * n, hop[stop_ptr[p] + (m - 2 - i if reverse else i)]
            quickest = best
            for j in range(n):
                quickest = min(quickest, max(arrival[row + n + j] - departure[row + j], 0))
            gain += best - quickest
    return gain


@jit
def _backward(
    stop_ptr: I32, stops: I32, hop: I32, transfer_ptr: I32, transfer_to: I32, transfer_s: I32
) -> tuple[I32, I32, I32]:
    """The stop graph (hops and footpaths) as CSR by head stop: (ptr, tail, weight)."""
    n = transfer_ptr.size - 1
    counts = np.zeros(n + 1, np.int32)
    for p in range(stop_ptr.size - 1):
        for x in range(stop_ptr[p], stop_ptr[p + 1] - 1):
            if hop[x] < INF:
                counts[stops[x + 1] + 1] += 1
    for e in range(transfer_to.size):
        counts[transfer_to[e] + 1] += 1
    ptr = np.cumsum(counts).astype(np.int32)
    fill = ptr[:-1].copy()
    tail, weight = np.empty(ptr[-1], np.int32), np.empty(ptr[-1], np.int32)
    for p in range(stop_ptr.size - 1):
        for x in range(stop_ptr[p], stop_ptr[p + 1] - 1):
            if hop[x] < INF:
                v = stops[x + 1]
                tail[fill[v]], weight[fill[v]] = stops[x], hop[x]
                fill[v] += 1
    for u in range(n):
        for e in range(transfer_ptr[u], transfer_ptr[u + 1]):
            v = transfer_to[e]
            tail[fill[v]], weight[fill[v]] = u, transfer_s[e]
            fill[v] += 1
    return ptr, tail, weight


def _matrix(ptr: I32, tail: I32, weight: I32, zone: I32, k: int) -> I32:
    """``matrix[a, b]``: the quickest way from a stop of zone ``a`` to one of zone ``b``.

    One backward search per zone ``b``, from all its stops at once.
    """
    matrix = np.full((k, k), INF, np.int32)
    seconds = weight.astype(np.float32)  # whole seconds: exact
    order = np.argsort(zone, kind="stable").astype(np.int32)
    starts = np.searchsorted(zone[order], np.arange(k + 1))
    for b in range(k):
        nodes, costs = reached_from(ptr, tail, seconds, order[starts[b] : starts[b + 1]])
        quickest = np.full(k, np.inf)
        np.minimum.at(quickest, zone[nodes], costs)
        matrix[:, b] = np.where(np.isfinite(quickest), quickest, INF)
    return matrix
