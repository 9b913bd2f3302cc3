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
``ready`` (may board from then). A trip once boarded stays boarded (its first boarding
position is kept, or a later one reached straight from an access offset, which leaves later).

Journeys are written in `routing.raptor_kernels`' row format, so `routing.raptor_paths`
reads both searches' results. This module uses `borrowed` and the row constants from
`routing.raptor_kernels`: numba's cache follows only a function's own file, so after editing
those, clear the ``__pycache__`` numba caches (``*.nbi``, ``*.nbc``) of this module too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

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
    borrowed,
)  # fmt: skip

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
jit = njit(cache=True, nogil=True)
NEVER = -INF  # a trip's "leaves at" when it was not boarded straight from an access offset


class Connections(NamedTuple):
    """One day's connections (hops between consecutive stops of a trip) by departure.

    ``trip`` is the pattern-trip slot (``pattern_trip_ptr[p] + j``), ``position`` the stop's
    position in the pattern, ``flags`` pickup at the departure and drop-off at the arrival.
    """

    departure: I32
    arrival: I32
    from_stop: I32
    to_stop: I32
    trip: I32
    position: npt.NDArray[np.int16]
    flags: U8


@jit
def build_connections(fr: Arrays, arrival: I32, departure: I32, flags: U8) -> Connections:
    """The connections of frame `fr` with these (timetable or realtime) times, by departure."""
    n_conn = 0
    for p in range(fr.pattern_stop_ptr.size - 1):
        n_pos = fr.pattern_stop_ptr[p + 1] - fr.pattern_stop_ptr[p]
        if n_pos > 32_767:
            raise ValueError("a pattern of more than 32,767 stops")  # positions are int16
        n_conn += max(n_pos - 1, 0) * (fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p])
    dep, arr = np.empty(n_conn, np.int32), np.empty(n_conn, np.int32)
    frm, to = np.empty(n_conn, np.int32), np.empty(n_conn, np.int32)
    trip, pos = np.empty(n_conn, np.int32), np.empty(n_conn, np.int16)
    flg = np.empty(n_conn, np.uint8)
    c = 0
    for p in range(fr.pattern_stop_ptr.size - 1):
        sp, n = fr.pattern_stop_ptr[p], fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
        for i in range(fr.pattern_stop_ptr[p + 1] - sp - 1):
            x = fr.pattern_time_ptr[p] + i * n
            for j in range(n):
                dep[c], arr[c] = departure[x + j], arrival[x + n + j]
                frm[c], to[c] = fr.pattern_stops[sp + i], fr.pattern_stops[sp + i + 1]
                trip[c], pos[c] = fr.pattern_trip_ptr[p] + j, i
                flg[c] = (flags[x + j] & NO_PICKUP) | (flags[x + n + j] & NO_DROP_OFF)
                c += 1
    order = np.argsort(dep * np.int64(1 << 32) + arr, kind="mergesort")
    return Connections(
        dep[order], arr[order], frm[order], to[order], trip[order], pos[order], flg[order]
    )


@jit
def _first(departure: I32, t: int) -> int:
    """Index of the first connection leaving at or after `t`."""
    lo, hi = 0, departure.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if departure[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def _scan_stream(  # noqa: C901
    fr: Arrays, dv: Arrays, cs: Connections, ws: Arrays, slot: int, start: int, limit: int
) -> int:
    """Scan `slot`'s connections from `start` while they leave by `limit` and before the best.

    One function on purpose, like RAPTOR's route scan. Returns where it stopped.
    """
    shift, n_all = (slot - 1) * DAY_S, dv.running.size // 3
    departure, trip, from_stop, flags = cs.departure, cs.trip, cs.from_stop, cs.flags
    board, ready, running, stop_ok = ws.board, ws.ready, dv.running, dv.stop_ok
    ride, best, access = ws.ride, ws.best, ws.access
    bound = min(limit + 1, best[0])  # scan connections leaving before this
    for c in range(start, departure.size):
        d = departure[c] + shift
        if d >= bound:
            return c
        key, u = slot * n_all + trip[c], from_stop[c]
        if board[key] < 0:
            if ready[u] > d or not (running[key] and stop_ok[u] and flags[c] & NO_PICKUP == 0):
                continue  # most connections end here: a trip not (yet) reachable
            board[key], ws.leave[key] = cs.position[c], NEVER
        # Boarding straight from an access offset, as late as possible, leaves later.
        later = access[u] < INF and d - access[u] > ws.leave[key] and ready[u] <= d
        if later and ws.ready_parent[u] == ACCESS and stop_ok[u] and flags[c] & NO_PICKUP == 0:
            board[key], ws.leave[key] = cs.position[c], d - access[u]
        v, a = cs.to_stop[c], cs.arrival[c] + shift
        if a >= ride[v] or a >= best[0] or flags[c] & NO_DROP_OFF or not stop_ok[v]:
            continue
        ride[v] = a
        ws.ride_parent[v, 0], ws.ride_parent[v, 1] = slot, trip[c]
        ws.ride_parent[v, 2], ws.ride_parent[v, 3] = board[key], cs.position[c] + 1
        if ws.egress[v] < INF and a + ws.egress[v] < best[0]:
            best[0], best[1] = a + ws.egress[v], v
            bound = min(bound, best[0])
        # Change at the stop, or walk one footpath.
        r = a + fr.min_transfer_s[v]
        if r < ready[v] and r < best[0]:
            ready[v], ws.ready_parent[v] = r, SAME_STOP
        for e in range(fr.transfer_ptr[v], fr.transfer_ptr[v + 1]):
            w, r = fr.transfer_to[e], a + fr.transfer_s[e]
            if r < ready[w] and r < best[0] and w != v:
                ready[w], ws.ready_parent[w] = r, e
    return departure.size


@jit
def _scan(fr: Arrays, dv: Arrays, cs: Connections, ov: Connections, ws: Arrays, t: int) -> None:
    """Scan the three day slots' connections from `t` in departure order, merged."""
    cursor = np.empty(3, np.int64)
    for slot in range(3):
        stream = ov if slot == dv.ov_slot else cs
        cursor[slot] = _first(stream.departure, t - (slot - 1) * DAY_S)
    while True:
        heads = np.full(3, INF, np.int64)
        for slot in range(3):
            stream = ov if slot == dv.ov_slot else cs
            if cursor[slot] < stream.departure.size:
                heads[slot] = stream.departure[cursor[slot]] + (slot - 1) * DAY_S
        slot = int(np.argmin(heads))
        if heads[slot] >= ws.best[0]:
            return
        # Scan this slot until another one's next connection leaves first.
        limit = min(heads[(slot + 1) % 3], heads[(slot + 2) % 3])
        stream = ov if slot == dv.ov_slot else cs
        cursor[slot] = _scan_stream(fr, dv, stream, ws, slot, cursor[slot], limit)


@jit
def _start(ws: Arrays, access_stops: Any, t: int) -> None:
    ws.ready[:] = INF
    ws.ride[:] = INF
    ws.board[:] = -1
    ws.best[0], ws.best[1] = INF, -1
    for s in access_stops:
        ws.ready[s], ws.ready_parent[s] = t + ws.access[s], ACCESS


@jit
def _ride_leg(fr: Arrays, dv: Arrays, ws: Arrays, s: int, leg: Any) -> int:
    """Write the ride arriving at `s` into `leg`; return its boarding stop."""
    slot, t, bpos, apos = (
        ws.ride_parent[s, 0],
        ws.ride_parent[s, 1],
        ws.ride_parent[s, 2],
        ws.ride_parent[s, 3],
    )
    p = np.searchsorted(fr.pattern_trip_ptr, t, side="right") - 1
    j, n = t - fr.pattern_trip_ptr[p], fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
    realtime, shift = slot == dv.ov_slot, (slot - 1) * DAY_S
    dep, arr = (dv.ov_departure, dv.ov_arrival) if realtime else (fr.departure, fr.arrival)
    b = fr.pattern_stops[fr.pattern_stop_ptr[p] + bpos]
    leg[KIND], leg[FROM], leg[TO], leg[REF], leg[TRIP], leg[SLOT] = RIDE, b, s, p, j, slot
    leg[DEP] = dep[fr.pattern_time_ptr[p] + bpos * n + j] + shift
    leg[ARR] = arr[fr.pattern_time_ptr[p] + apos * n + j] + shift
    leg[BOARD], leg[ALIGHT] = bpos, apos
    return int(b)


@jit
def _journey(fr: Arrays, dv: Arrays, ws: Arrays, head: Any, legs: Any) -> None:
    """Walk the parents back from the target into journey row 0 and its leg rows."""
    m, s = 0, ws.best[1]
    while m < legs.shape[0]:
        b = _ride_leg(fr, dv, ws, s, legs[m])
        m += 1
        if m >= 2 and legs[m - 2, KIND] == WALK:  # the walk leaves when this ride arrives
            legs[m - 2, DEP] = legs[m - 1, ARR]
            legs[m - 2, ARR] = legs[m - 1, ARR] + fr.transfer_s[legs[m - 2, REF]]
        parent = ws.ready_parent[b]
        if parent == ACCESS:
            break
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
    fr: Arrays, dv: Arrays, cs: Connections, ov: Connections, ws: Arrays, access_stops: Any,
    t: int, head: Any, legs: Any,
) -> int:  # fmt: skip
    """The earliest arrival from frame time `t`: 1 journey written to `head`/`legs`, or 0.

    The caller has filled ``ws.access`` and ``ws.egress`` for the offsets' stops.
    """
    fr, dv, ws = borrowed(fr), borrowed(dv), borrowed(ws)  # type: ignore[call-arg]
    cs, ov = borrowed(cs), borrowed(ov)
    _start(ws, access_stops, t)
    _scan(fr, dv, cs, ov, ws, t)
    if ws.best[1] < 0:
        return 0
    _journey(fr, dv, ws, head, legs)
    return 1
