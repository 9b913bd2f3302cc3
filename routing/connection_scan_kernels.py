"""Numba kernels of the earliest-arrival search: a connection scan (CSA) over one frame.

Where only the earliest arrival is wanted, scanning the day's connections once in departure
order beats RAPTOR's rounds, which revisit each pattern once per transfer. The frame
(`routing.raptor_frame`) is the forward timetable, or the reversed one for the latest
departure. Its connections come as `Connections` streams sorted by departure: the
timetable's, shared by the three day slots (day - 1, day, day + 1, shifted by a day each),
and the realtime overlay's for its slot; the scan merges the three in time order.

The rules are RAPTOR's (`routing.raptor`): access offsets lead to a first boarding, one
footpath at most between two rides, the stop's minimum transfer time to change there, the
last ride ends at an egress offset's stop. Labels per stop: ``ride`` (arrival aboard) and
``ready`` (may board from then). A trip once boarded stays boarded at its first boarding
position; where a journey's ride also passes a stop reachable straight from an access offset
in time to board there, the journey boards there instead (the one leaving last), which leaves
later: `_ride_leg` looks for that when it writes the journey, so that the scan need not.

The scan starts at the first departure one can take from a source, not at the query's time:
until then nothing can be boarded; it ends at the first connection leaving at or after the
best arrival (or past the day slots' merge limit), found by binary search (again when the
best improves) so that the inner loop does not test it. Most connections scanned lead
nowhere, and the scan's inner loop only tells those apart: a connection of a trip not
boarded leaves it only when its stop is ready by its departure (the ``ready`` label of the
stop its row names; ~20 % quicker than a byte set of reached pattern stops, which let
through the connections leaving before their stop was ready and cost a write per pattern of
each stop reached). A byte per trip (~4 % quicker than a bit set: no shifts and masks) says
whether it is boarded (``ON``), or cannot be in its day slot (``DEAD``: not running that
day, cancelled by the realtime overlay, or kept out by a wheelchair or bike query; its
connections, ~5 % of them for Porto Alegre, would otherwise leave the inner loop at each stop
reached, ~30 % of its exits); a boarded trip's connection leaves the inner loop only when it
arrives earlier than known (testing there for access stops too, for a later boarding, cost
4-8 %); the loop makes both tests and keeps one without a branch. Indices are unsigned
(``U``), which spares numba's negative-index wraparound and keeps that loop's pointers in
registers.

Journeys are written in `routing.raptor_kernels`' row format, so `routing.raptor_paths`
reads both searches' results. This module uses `borrowed`, the row constants, the stop-time
readers (`_mirror`, `_at`, `_flag`) and the earliest-trip search (`_earliest_trip`) of
`routing.raptor_kernels`: numba's cache follows only a function's own file, so after editing
those, clear the ``__pycache__`` numba caches (``*.nbi``, ``*.nbc``) of this module too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.raptor_arrays import DayArrays, FrameArrays
from routing.raptor_kernels import (
    ACCESS,
    ALIGHT,
    ARR,
    BOARD,
    DAY_S,
    DEP,
    FROM,
    INF,
    J_ACCESS,
    J_ARR,
    J_DEP,
    J_EGRESS,
    KIND,
    LEG_COUNT,
    LEG_START,
    NO_DROP_OFF,
    NO_PICKUP,
    REF,
    RIDE,
    RIDES,
    SAME_STOP,
    SLOT,
    TO,
    TRIP,
    WALK,
    Arrays,
    _at,
    _earliest_trip,
    _flag,
    _mirror,
    borrowed,
)  # fmt: skip

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
jit = njit(cache=True, nogil=True)
U = np.uint64  # an unsigned index: numba skips the negative-index wraparound
# A trip's byte in ``ScanSpace.boarded``. DEAD must be even: the scan's inner loop keeps a
# boarded trip's connection by ``on & improves`` (improves is 0 or 1), which is 0 for DEAD.
OFF, ON, DEAD = 0, 1, 2
HOP_SHIFT = 2  # a row's hop (`C_HOP`) is the pattern stop shifted past the two flag bits
MAX_PATTERN_STOPS = 1 << (31 - HOP_SHIFT)
C_DEP, C_TRIP, C_HOP, C_ARR, C_FROM, C_TO = range(6)  # the fields of a connection's row
ROW = 6


class ScanSpace(NamedTuple):
    """The scan's mutable labels, allocated once per network and thread (both directions).

    Per stop: ``ready``, ``ride`` and their parents; per trip of the three day slots: the
    pattern stop boarded at (``board``), read only for trips ``ON`` in ``boarded``; per stop,
    the access and egress offsets (INF where none). Each search clears what it reads.
    """

    ready: I32
    ride: I32
    ready_parent: I32
    ride_parent: I32
    board: I32
    boarded: U8
    access: I32
    egress: I32
    best: npt.NDArray[np.int64]


class Connections(NamedTuple):
    """Connections (hops between consecutive stops of a trip) sorted by departure, 24 bytes each.

    ``rows[ROW * c:ROW * (c + 1)]`` is connection ``c``: its departure, its trip (the
    pattern-trip slot ``pattern_trip_ptr[p] + j``), its hop, its arrival, and the stops it
    leaves and reaches. The hop is ``q << 2 | flags``, where ``q`` is the pattern stop left
    (``q + 1`` is the one reached) and flags are the pickup at the departure and the drop-off
    at the arrival. The stops repeat ``pattern_stops[q]`` and ``pattern_stops[q + 1]``: read
    from the row, they spare the scan a dependent load per connection (~6 % quicker than 16
    bytes a row). One array, not six: the scan's inner loop then keeps its pointers in
    registers.
    The rows are grouped by the connected component of the stop left (``component[s]`` for
    stop ``s``, see `components`), those of component ``k`` from ``component_ptr[k]`` to
    ``component_ptr[k + 1]``.
    """

    rows: I32
    component_ptr: I32
    component: I32


@jit
def components(fr: Arrays) -> I32:
    """Each stop's connected component (0, 1, ...) in the graph of trip hops and footpaths.

    No journey leaves its component, so a search scans only its sources' components: in a
    network of several disjoint regions, only the region it is in.
    """
    n = fr.stop_pattern_ptr.size - 1
    parent = np.arange(n, dtype=np.int32)
    for p in range(fr.pattern_stop_ptr.size - 1):
        for x in range(fr.pattern_stop_ptr[p] + 1, fr.pattern_stop_ptr[p + 1]):
            _union(parent, fr.pattern_stops[x - 1], fr.pattern_stops[x])
    for u in range(n):
        for e in range(fr.transfer_ptr[u], fr.transfer_ptr[u + 1]):
            _union(parent, u, fr.transfer_to[e])
    label = np.full(n, -1, np.int32)
    out = np.empty(n, np.int32)
    count = 0
    for u in range(n):
        root = _find(parent, u)
        if label[root] < 0:
            label[root], count = count, count + 1
        out[u] = label[root]
    return out


@jit
def _find(parent: I32, u: int) -> int:
    while parent[u] != u:
        parent[u] = parent[parent[u]]
        u = parent[u]
    return u


@jit
def _union(parent: I32, u: int, v: int) -> None:
    a, b = _find(parent, u), _find(parent, v)
    if a != b:
        parent[max(a, b)] = min(a, b)


@jit
def build_connections(
    fr: Arrays, arrival: I32, departure: I32, flags: U8, component: I32
) -> Connections:
    """The connections of frame `fr` with these (timetable or realtime) times.

    Grouped by the `component` of the stop left, and by departure in each group.
    """
    if fr.pattern_stops.size >= MAX_PATTERN_STOPS:
        raise ValueError("too many pattern stops for the connection scan")
    n_conn = 0
    for p in range(fr.pattern_stop_ptr.size - 1):
        n_pos = fr.pattern_stop_ptr[p + 1] - fr.pattern_stop_ptr[p]
        n_conn += max(n_pos - 1, 0) * (fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p])
    dep, arr = np.empty(n_conn, np.int32), np.empty(n_conn, np.int32)
    trip, hop = np.empty(n_conn, np.int32), np.empty(n_conn, np.int32)
    c = 0
    for p in range(fr.pattern_stop_ptr.size - 1):
        sp, n = fr.pattern_stop_ptr[p], fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
        for i in range(fr.pattern_stop_ptr[p + 1] - sp - 1):
            x = fr.pattern_time_ptr[p] + i * n
            for j in range(n):
                dep[c], arr[c] = departure[x + j], arrival[x + n + j]
                trip[c] = fr.pattern_trip_ptr[p] + j
                served = (flags[x + j] & NO_PICKUP) | (flags[x + n + j] & NO_DROP_OFF)
                hop[c] = ((sp + i) << HOP_SHIFT) | served
                c += 1
    order = np.argsort(dep * np.int64(1 << 32) + arr, kind="mergesort")
    group = component[fr.pattern_stops[hop[order] >> HOP_SHIFT]]
    order = order[np.argsort(group, kind="mergesort")]
    n_comp = component.max() + 1 if component.size else 0
    component_ptr = np.zeros(n_comp + 1, np.int32)
    for k in group:
        component_ptr[k + 1] += 1
    component_ptr = np.cumsum(component_ptr).astype(np.int32)
    rows, hops = np.empty((n_conn, ROW), np.int32), hop[order]
    rows[:, C_DEP], rows[:, C_TRIP], rows[:, C_HOP], rows[:, C_ARR] = (
        dep[order],
        trip[order],
        hops,
        arr[order],
    )
    left = hops >> HOP_SHIFT
    rows[:, C_FROM], rows[:, C_TO] = fr.pattern_stops[left], fr.pattern_stops[left + 1]
    return Connections(rows.ravel(), component_ptr, component)


@jit
def _first(rows: I32, lo: int, hi: int, t: int) -> int:
    """Index of the first connection of `rows[lo:hi]` leaving at or after `t` (or `hi`)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if rows[ROW * mid + C_DEP] < t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def _scan_stream(  # noqa: C901
    fr: Arrays, dv: Arrays, cs: Connections, ws: Arrays, slot: int, span: tuple[int, int],
    limit: int,
) -> int:  # fmt: skip
    """Scan `slot`'s connections `span` (from, to) while they leave by `limit` and before the best.

    One function on purpose, like RAPTOR's route scan: numba would pass a helper the ~40
    arrays of the tuples one by one. Returns where it stopped.
    """
    shift, n_trips = (slot - 1) * DAY_S, dv.running.size // 3
    base, rows = slot * n_trips, cs.rows
    boarded = ws.boarded[slot * n_trips :]  # this slot's marks, by trip
    ready, ride, stop_ok = ws.ready, ws.ride, dv.stop_ok
    transfer_ptr, transfer_to, transfer_s = fr.transfer_ptr, fr.transfer_to, fr.transfer_s
    ready_parent = ws.ready_parent
    best, best_stop = ws.best[0], ws.best[1]
    bound = min(limit + 1, best)  # scan connections leaving before this
    (c, n), d, t = span, 0, 0
    n = _first(rows, c, n, bound - shift)
    while True:
        # Most connections end here: their trip is not boarded and their stop not ready by their
        # departure, or their trip is boarded but arrives no earlier than known. Both tests are made
        # and one kept, without a branch: whether a trip is boarded is a coin toss.
        while c < n:
            d, a = rows[U(ROW * c + C_DEP)] + shift, rows[U(ROW * c + C_ARR)] + shift
            t, u = rows[U(ROW * c + C_TRIP)], rows[U(ROW * c + C_FROM)]
            on = np.int64(boarded[U(t)])  # OFF, ON or DEAD
            improves = np.int64(a < ride[U(rows[U(ROW * c + C_TO)])])
            boards = ready[U(u)] <= d
            if (on & improves) | ((on == OFF) & boards):
                break
            c += 1
        if c >= n:
            break
        h = rows[U(ROW * c + C_HOP)]
        q = h >> HOP_SHIFT
        u, key = rows[U(ROW * c + C_FROM)], base + t
        c += 1
        if boarded[U(t)] == OFF:  # then its stop is ready by `d`: the inner loop's test
            if h & NO_PICKUP or not stop_ok[U(u)]:
                continue
            boarded[U(t)] = ON
            ws.board[U(key)] = q
        v, a = rows[U(ROW * c - ROW + C_TO)], rows[U(ROW * c - ROW + C_ARR)] + shift
        if a >= ride[U(v)] or a >= best or h & NO_DROP_OFF or not stop_ok[U(v)]:
            continue
        ride[U(v)] = a
        ws.ride_parent[U(v), 0], ws.ride_parent[U(v), 1] = slot, t
        ws.ride_parent[U(v), 2], ws.ride_parent[U(v), 3] = ws.board[U(key)], q + 1
        if ws.egress[U(v)] < INF and a + ws.egress[U(v)] < best:
            best, best_stop = a + ws.egress[U(v)], v
            bound = min(bound, best)
            n = _first(rows, c, n, bound - shift)
        # Change at the stop, or walk one footpath.
        r = a + fr.min_transfer_s[U(v)]
        if r < ready[U(v)] and r < best:
            ready[U(v)], ready_parent[U(v)] = r, SAME_STOP
        # Four footpaths in five improve nothing: a branch is ~5 % quicker than none.
        for e in range(transfer_ptr[U(v)], transfer_ptr[U(v + 1)]):
            w, r = transfer_to[U(e)], a + transfer_s[U(e)]
            if r < ready[U(w)] and r < best and w != v:
                ready[U(w)], ready_parent[U(w)] = r, e
    ws.best[0], ws.best[1] = best, best_stop
    return c


@jit
def _scan(
    fr: Arrays, dv: Arrays, cs: Connections, ov: Connections, ws: Arrays, k: int, t: int
) -> None:
    """Scan the three day slots' connections of component `k` from `t`, merged by departure."""
    cursor, end = np.empty(3, np.int64), np.empty(3, np.int64)
    for slot in range(3):
        stream = ov if slot == dv.ov_slot else cs
        lo, end[slot] = stream.component_ptr[k], stream.component_ptr[k + 1]
        cursor[slot] = _first(stream.rows, lo, end[slot], t - (slot - 1) * DAY_S)
    heads = np.empty(3, np.int64)
    while True:
        for slot in range(3):
            stream = ov if slot == dv.ov_slot else cs
            heads[slot] = INF
            if cursor[slot] < end[slot]:
                heads[slot] = stream.rows[ROW * cursor[slot] + C_DEP] + (slot - 1) * DAY_S
        slot = int(np.argmin(heads))
        if heads[slot] >= ws.best[0]:
            return
        # Scan this slot until another one's next connection leaves first.
        limit = min(heads[(slot + 1) % 3], heads[(slot + 2) % 3])
        stream = ov if slot == dv.ov_slot else cs
        span = (cursor[slot], end[slot])
        cursor[slot] = _scan_stream(fr, dv, stream, ws, slot, span, limit)


@jit
def _start(ws: Arrays, dv: Arrays, access_stops: Any, t: int) -> None:
    """Clear the labels (trips not in `dv.running` DEAD); the access stops are ready from `t` on."""
    ws.ready[:] = INF
    ws.ride[:] = INF
    for x in range(ws.boarded.size):
        ws.boarded[x] = DEAD - DEAD * dv.running[x]
    ws.best[0], ws.best[1] = INF, -1
    for s in access_stops:
        ws.ready[s], ws.ready_parent[s] = t + ws.access[s], ACCESS


@jit
def _first_departure(fr: Arrays, dv: Arrays, ws: Arrays, sources: Any) -> int:
    """A time before which no connection leaves a source once it is ready: the scan's start.

    The earliest trip boardable at each source as RAPTOR finds it (binary search, running
    trips, pickup), or the source's ready time where a pattern's trips may overtake each
    other or realtime put them out of order. INF when nothing leaves.
    """
    times = (fr.departure, fr.flags, dv.ov_board, dv.ov_flags)
    start = INF
    for s in sources:
        r = ws.ready[s]
        for k in range(fr.stop_pattern_ptr[s], fr.stop_pattern_ptr[s + 1]):
            p, i = fr.stop_patterns[k], fr.stop_pattern_pos[k]
            if i + 1 == fr.pattern_stop_ptr[p + 1] - fr.pattern_stop_ptr[p]:
                continue  # the pattern's last stop: nothing leaves it
            if fr.pattern_regular[p] == 0 or dv.ov_unordered_ptr[p + 1] > dv.ov_unordered_ptr[p]:
                start = min(start, r)
                continue
            n = fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
            trips = (fr.pattern_trip_ptr[p], n, fr.pattern_time_ptr[p] + i * n)
            bounds = (fr.pattern_min_dep[p], fr.pattern_max_dep[p])
            mirror = _mirror(fr.mirrored, fr.pattern_time_ptr, p)
            found = _earliest_trip(
                times, mirror, dv.next_active, trips, bounds, dv.ov_slot, r, (-1, -1, start)
            )
            start = min(start, found[2])
    return start


@jit
def _ride_leg(fr: Arrays, dv: Arrays, ws: Arrays, s: int, leg: Any, t: int) -> int:
    """Write the ride arriving at `s` into `leg`; return its boarding stop (-1 - it: from access).

    The search left from `t`. The scan boarded the trip where it first could; of the stops the
    ride passes before `s`, those reached from an access offset in time to board there are
    boarded at instead, the one leaving last: the journey then leaves later.
    """
    slot, trip, bq, aq = (
        ws.ride_parent[s, 0],
        ws.ride_parent[s, 1],
        ws.ride_parent[s, 2],
        ws.ride_parent[s, 3],
    )
    p = np.searchsorted(fr.pattern_trip_ptr, trip, side="right") - 1
    j, n = trip - fr.pattern_trip_ptr[p], fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
    sp, first = fr.pattern_stop_ptr[p], fr.pattern_time_ptr[p] + j
    realtime, shift = slot == dv.ov_slot, (slot - 1) * DAY_S
    mirror = _mirror(fr.mirrored, fr.pattern_time_ptr, p)
    bpos, leaves = bq - sp, -INF
    for i in range(bq - sp, aq - sp):
        u, x = fr.pattern_stops[sp + i], first + i * n
        d = _at(fr.departure, dv.ov_departure, slot, dv.ov_slot, x, mirror) + shift
        flags = dv.ov_flags[x] if realtime else _flag(fr.flags, mirror, x)
        walk = ws.access[u]
        pickup = flags & NO_PICKUP == 0 and dv.stop_ok[u]
        if walk < INF and t + walk <= d and d - walk > leaves and pickup:
            bpos, leaves = i, d - walk
    b = fr.pattern_stops[sp + bpos]
    leg[KIND], leg[FROM], leg[TO], leg[REF], leg[TRIP], leg[SLOT] = RIDE, b, s, p, j, slot
    x, y = first + bpos * n, first + (aq - sp) * n
    leg[DEP] = _at(fr.departure, dv.ov_departure, slot, dv.ov_slot, x, mirror) + shift
    leg[ARR] = _at(fr.arrival, dv.ov_arrival, slot, dv.ov_slot, y, mirror) + shift
    leg[BOARD], leg[ALIGHT] = bpos, aq - sp
    return int(-1 - b if leaves > -INF else b)


@jit
def _journey(fr: Arrays, dv: Arrays, ws: Arrays, head: Any, legs: Any, t: int) -> None:
    """Walk the parents back from the target into journey row 0 and its leg rows (from `t`)."""
    m, s = 0, ws.best[1]
    while m < legs.shape[0]:
        b = _ride_leg(fr, dv, ws, s, legs[m], t)
        m += 1
        if m >= 2 and legs[m - 2, KIND] == WALK:  # the walk leaves when this ride arrives
            legs[m - 2, DEP] = legs[m - 1, ARR]
            legs[m - 2, ARR] = legs[m - 1, ARR] + fr.transfer_s[legs[m - 2, REF]]
        if b < 0:  # boarded straight from an access offset (always, where the scan did)
            break
        parent = ws.ready_parent[b]
        s = b
        if parent != SAME_STOP:
            s = np.searchsorted(fr.transfer_ptr, parent, side="right") - 1
            legs[m, KIND], legs[m, FROM], legs[m, TO], legs[m, REF] = WALK, s, b, parent
            legs[m, DEP], legs[m, ARR] = 0, 0
            m += 1
    legs[:m] = legs[:m][::-1].copy()
    h = head[0]
    h[RIDES] = 0
    for x in range(m):
        h[RIDES] += legs[x, KIND] == RIDE
    h[J_ACCESS], h[J_EGRESS] = legs[0, FROM], ws.best[1]
    h[J_DEP], h[J_ARR] = legs[0, DEP] - ws.access[legs[0, FROM]], ws.best[0]
    h[LEG_START], h[LEG_COUNT] = 0, m


@jit
def earliest(
    fr_: Arrays, dv_: Arrays, cs_: Arrays, ov_: Arrays, ws_: Arrays, offsets: Any,
    n_sources: int, t: int, head: Any, legs: Any,
) -> int:  # fmt: skip
    """The earliest arrival from frame time `t`: 1 journey written to `head`/`legs`, or 0.

    `fr_`, `dv_`, `cs_` / `ov_` and `ws_` are a `FrameArrays`, `DayArrays`, `Connections` and
    `ScanSpace` as plain tuples: numba's dispatcher types those in C, NamedTuples field by
    field in Python (~4 us a call). `offsets` rows are (stop, seconds): the `n_sources`
    sources' first, then the targets'.
    """
    fr: Arrays = borrowed(FrameArrays(*fr_))  # type: ignore[call-arg]
    dv: Arrays = borrowed(DayArrays(*dv_))
    cs: Arrays = borrowed(Connections(*cs_))
    ov: Arrays = borrowed(Connections(*ov_))
    ws: Arrays = borrowed(ScanSpace(*ws_))
    for x in range(offsets.shape[0]):
        labels = ws.access if x < n_sources else ws.egress
        labels[offsets[x, 0]] = offsets[x, 1]
    _start(ws, dv, offsets[:n_sources, 0], t)
    start = _first_departure(fr, dv, ws, offsets[:n_sources, 0])
    component = cs.component
    for x in range(n_sources):
        k, first = component[offsets[x, 0]], True
        for y in range(x):
            first &= component[offsets[y, 0]] != k
        for y in range(n_sources, offsets.shape[0]):
            if first and component[offsets[y, 0]] == k:
                _scan(fr, dv, cs, ov, ws, k, start)  # components share nothing: one at a time
                break
    found = 0
    if ws.best[1] >= 0:
        _journey(fr, dv, ws, head, legs, t)
        found = 1
    for x in range(offsets.shape[0]):
        labels = ws.access if x < n_sources else ws.egress
        labels[offsets[x, 0]] = INF
    return found
