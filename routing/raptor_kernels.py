"""Numba kernels of the transit search: RAPTOR rounds over patterns, and the journeys found.

The kernels see one *frame* (`routing.raptor_frame.FrameArrays`): the forward timetable, or
the reversed one in which an arrive-by search is an earliest-arrival search over negated
times. The reversed frame holds no times of its own: its ``arrival``, ``departure`` and
``flags`` are the network's departure, arrival and flags, and its stop time ``x`` of pattern
``p`` is the forward one at ``c - x`` (``c``: `_mirror`), negated, pickup and drop-off
swapped (`_time`, `_flag`). Which frame it is shows in the *type* of ``fr.mirrored`` (None
forward), so numba compiles each direction's reads without a test: the forward kernels read
exactly as before. A trip of day slot ``d`` (0, 1, 2: the
query's day - 1, day, day + 1) runs at its stored times plus ``(d - 1) * 86400``; day slot
``dv.ov_slot`` reads the realtime times (in the frame's own layout).

Labels, as in nigiri's RAPTOR, are per round ``k`` (``k`` rides):

* ``ride[k - 1, s]``: earliest arrival at ``s`` aboard the ``k``-th vehicle (egress starts
  here; no row for round 0, which rides nothing);
* ``ready[k, s]``: earliest time one may board at ``s`` after ``k`` rides: the ride's arrival
  plus the stop's minimum transfer time, or the arrival of *one* footpath from a ride's
  alighting stop (footpaths are not chained), or for ``k = 0`` the access offset.

A ride label's parent is two numbers (a workspace row per round and stop, per thread, is
most of a search's memory): the pattern stop boarded at, ``pattern_stop_ptr[p] + position``,
and the stop time alighted at times 4 plus the day slot, which gives the trip and position.

Round rows persist across the runs of a range query (latest departure first), while the
per-run ``best_*`` arrays, reset each run, prune labels beaten with fewer rides. A label that
cannot beat the best arrival at the target in its round, even at the speed of the lower bound
``ws.lb`` from its stop to the target (`routing.lower_bounds`), is dropped (target pruning).

Everything numba runs for a search lives in this one module on purpose: numba's on-disk cache
of a function is invalidated only by edits to the function's own file, not its callees'.
`routing.connection_scan_kernels` calls `_earliest_trip` (and what it inlines) from here:
after editing those, clear that module's ``__pycache__`` numba caches too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from routing.raptor_arrays import I32, DayArrays, FrameArrays, Workspace

INF = 2_147_483_647
DAY_S = 86_400
NO_PICKUP = 1
NO_DROP_OFF = 2
ACCESS = -2
SAME_STOP = -1
NO_POS = 1 << 30
# A ride's parent holds a stop time's index times 4 (plus the day slot) in an int32.
MAX_STOP_TIMES = 1 << 29
# Leg rows written by `range_query`: what, where, when, and the frame's trip or footpath.
KIND, FROM, TO, DEP, ARR, REF, TRIP, SLOT, BOARD, ALIGHT = range(10)
LEG_FIELDS = 10
RIDE, WALK = 0, 1
# Journey rows.
RIDES, J_DEP, J_ARR, J_ACCESS, J_EGRESS, LEG_START, LEG_COUNT = range(7)
JOURNEY_FIELDS = 7

Arrays = Any  # a NamedTuple of numpy arrays, typed by numba at the call
jit = njit(cache=True, nogil=True)
# Why the hot loops look the way they do: numba increments the reference count of every array
# handed to a function (an atomic operation), and passing the ~40 arrays of the frame, day and
# workspace tuples costs far more than a helper's own work. So the tuples are unpacked once per
# round, and the helpers called per stop or per trip take a few arrays and are inlined.
inline = njit(cache=True, nogil=True, inline="always")
# The round loops index with unsigned integers where the index is known non-negative: numba
# then skips the wraparound of negative indices (~8 % of a door-to-door search's RAPTOR).
U = np.uint64


@intrinsic
def borrowed(typingctx: Any, tup: Any) -> Any:
    """`tup` (a tuple of arrays and scalars) with its arrays' memory-manager handles removed.

    Numba counts references to every array handed to a function, atomically, and the search's
    helpers take tuples of ~40 arrays per call, so the counting would cost more than the
    search. The Python caller holds every array for the whole call and nothing here outlives
    it: with no handle the counting is a no-op, which LLVM then removes.
    """

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        value = args[0]
        for i, ty in enumerate(tup.types):
            if isinstance(ty, types.Array):
                ary = context.make_array(ty)(context, builder, builder.extract_value(value, i))
                ary.meminfo = cgutils.get_null_value(ary.meminfo.type)  # type: ignore[no-untyped-call]
                value = builder.insert_value(value, ary._getvalue(), i)
        return value

    return tup(tup), codegen


def _mirror(mirrored: Any, time_ptr: Any, p: Any) -> Any:
    """``c`` of pattern `p` in a reversed frame (its stop time ``x`` is the forward ``c - x``).

    None in the forward frame (`mirrored`: ``fr.mirrored``). Numba picks the body by type.
    """
    raise NotImplementedError("numba only")


def _time(times: Any, mirror: Any, x: Any) -> Any:
    """Stop time `x` of a frame's timetable array; `mirror` is `_mirror`'s."""
    raise NotImplementedError("numba only")


def _flag(flags: Any, mirror: Any, x: Any) -> Any:
    """`_time` for the flags: read backwards, no pickup is no drop-off and the reverse."""
    raise NotImplementedError("numba only")


# The implementations' parameters must be the stubs' to the annotation (numba compares them).
@overload(_mirror, inline="always")
def _mirror_numba(mirrored: Any, time_ptr: Any, p: Any) -> Any:
    def forward(mirrored: Any, time_ptr: Any, p: Any) -> Any:
        return None

    def backward(mirrored: Any, time_ptr: Any, p: Any) -> Any:
        return time_ptr[p] + time_ptr[p + 1] - 1

    return forward if isinstance(mirrored, types.NoneType) else backward


@overload(_time, inline="always")
def _time_numba(times: Any, mirror: Any, x: Any) -> Any:
    def forward(times: Any, mirror: Any, x: Any) -> Any:
        return times[U(x)]

    def backward(times: Any, mirror: Any, x: Any) -> Any:
        return -times[U(mirror - x)]

    return forward if isinstance(mirror, types.NoneType) else backward


@overload(_flag, inline="always")
def _flag_numba(flags: Any, mirror: Any, x: Any) -> Any:
    def forward(flags: Any, mirror: Any, x: Any) -> Any:
        return flags[U(x)]

    def backward(flags: Any, mirror: Any, x: Any) -> Any:
        f = flags[U(mirror - x)]  # NO_PICKUP is bit 0, NO_DROP_OFF bit 1: swapped by shifts
        return (f & ~3) | ((f & 1) << 1) | ((f & 2) >> 1)

    return forward if isinstance(mirror, types.NoneType) else backward


@inline
def _at(base: Any, realtime: Any, slot: int, ov_slot: int, x: int, mirror: Any) -> Any:
    """Stop time `x` of day slot `slot`: from the realtime array in the overlay's slot."""
    return realtime[U(x)] if slot == ov_slot else _time(base, mirror, x)


@inline
def _first_trip(
    dep: Any, flags: Any, mirror: Any, nxt: Any, trips: tuple[int, int, int, int], t: int,
) -> int:  # fmt: skip
    """Index of the first trip of a pattern boardable at `t` (slot clock) before trip `hi`, or -1.

    `trips` is (first index of the slot's running-trip map `nxt`, trip count, stop-time row,
    `hi`); `dep` and `flags` are read through `mirror` (see `_time`). Trips are FIFO, so a
    binary search finds the first one leaving at or after `t`; most calls end at the first
    test, the trip before `hi` having left already.
    """
    base, n, row, hi = trips
    if hi == 0 or _time(dep, mirror, row + hi - 1) < t:
        return -1
    lo = 0
    while lo < hi:
        mid = (lo + hi) >> 1
        if _time(dep, mirror, row + mid) < t:
            lo = mid + 1
        else:
            hi = mid
    j = nxt[U(base + lo)]
    while j < n and _flag(flags, mirror, row + j) & NO_PICKUP:
        j = nxt[U(base + j + 1)] if j + 1 < n else n
    return j if j < trips[3] else -1


@inline
def _may_offer(bounds: tuple[int, int], shift: int, t: int, dep: int) -> bool:
    """Whether a day slot `shift` seconds off may have a trip leaving from `t` and before `dep`.

    `bounds` are the pattern's earliest and latest departure on its own day's clock.
    """
    return t - shift <= bounds[1] and bounds[0] + shift < dep


@inline
def _earliest_trip(
    times: tuple[Any, Any, Any, Any], mirror: Any, nxt: Any,
    trips: tuple[int, int, int], bounds: tuple[int, int], ov_slot: int, t: int,
    best: tuple[int, int, int],
) -> tuple[int, int, int]:  # fmt: skip
    """The earliest trip boardable at `t` if it leaves before `best`, else `best`.

    Trips are (trip index, day slot, frame departure). `times` is (departures, flags, realtime
    departures, realtime flags), the timetable's read through `mirror`; `trips` is (first
    pattern-trip slot, trip count, stop-time row); `bounds` the pattern's earliest and latest
    departure; `nxt` the running-trip map of all slots.
    """
    dep, flags, ov_dep, ov_flags = times
    tbase, n, row = trips
    n_trips = nxt.size // 3
    best_j, best_slot, best_dep = best
    for slot in range(3):
        shift = (slot - 1) * DAY_S
        # Only trips before the best one: in its own slot, those of lower index.
        slot_trips = (slot * n_trips + tbase, n, row, best_j if slot == best_slot else n)
        if slot == ov_slot:
            j = _first_trip(ov_dep, ov_flags, None, nxt, slot_trips, t - shift)
        # The pattern's bounds skip days with nothing to offer (realtime may move times).
        elif _may_offer(bounds, shift, t, best_dep):
            j = _first_trip(dep, flags, mirror, nxt, slot_trips, t - shift)
        else:
            j = -1
        if j >= 0 and _at(dep, ov_dep, slot, ov_slot, row + j, mirror) + shift < best_dep:
            best_j, best_slot = j, slot
            best_dep = _at(dep, ov_dep, slot, ov_slot, row + j, mirror) + shift
    return best_j, best_slot, best_dep


@inline
def _no_other_day(bounds: tuple[int, int], slot: int, t: int, dep: int) -> bool:
    """Whether no trip of a day slot other than `slot` leaves from `t` and before `dep`."""
    none = True
    for other in range(3):
        none &= other == slot or not _may_offer(bounds, (other - 1) * DAY_S, t, dep)
    return none


@inline
def _mark(marked: Any, listed: Any, counts: Any, which: int, s: int) -> None:
    """Append stop `s` to list `which` (0: boarding, 1: transfers) unless it is there."""
    if marked[s] == 0:
        marked[s] = 1
        listed[counts[which]] = s
        counts[which] += 1


@jit
def _alight(ws: Arrays, k: int, s: int, a: int, parent: tuple[int, int]) -> None:
    """Record arriving at `s` at `a` aboard in round `k` (the caller checked it improves)."""
    ws.ride[k - 1, s] = ws.best_ride[s] = a
    ws.ride_parent[k - 1, s, 0], ws.ride_parent[k - 1, s, 1] = parent
    _mark(ws.ride_marked, ws.ride_list, ws.counts, 1, s)
    if ws.egress[s] < INF and a + ws.egress[s] < ws.target[k]:
        ws.target[k], ws.target_stop[k], ws.improved[k] = a + ws.egress[s], s, 1


@jit
def _scan_round(fr: Arrays, dv: Arrays, ws: Arrays, k: int, n_pat: int) -> None:  # noqa: C901
    """Route scans of RAPTOR round `k` along the patterns collected from the marked stops.

    One function on purpose (see the module's note on reference counts). The current trip is
    read in the timetable's own position-major arrays (a row of trips apart at each stop: as
    quick as a trip-major copy, which would cost 8 bytes per stop time), or in the realtime
    arrays. The trips that realtime put out of their pattern's order are ridden one by one
    first.
    """
    stops, stop_ptr, trip_ptr, time_ptr = (
        fr.pattern_stops, fr.pattern_stop_ptr, fr.pattern_trip_ptr, fr.pattern_time_ptr
    )  # fmt: skip
    times = (fr.departure, fr.flags, dv.ov_board, dv.ov_flags)
    ov_slot, nxt, stop_ok = dv.ov_slot, dv.next_active, dv.stop_ok
    arrival, departure, mirrored = fr.arrival, fr.departure, fr.mirrored
    ride, best_ride, ready, target = ws.ride[k - 1], ws.best_ride, ws.ready[k - 1], ws.target
    parents, egress = ws.ride_parent[k - 1], ws.egress
    marked, listed = ws.ride_marked, ws.ride_list
    lb = ws.lb
    for x in range(n_pat):
        p = ws.pattern_list[x]
        pos0, ws.pattern_first[p] = ws.pattern_first[p], NO_POS
        last, ws.pattern_last[p] = ws.pattern_last[p], -1
        if fr.pattern_regular[p] == 0:
            _scan_each_trip(fr, dv, ws, k, p, pos0)
            continue
        for q in range(dv.ov_unordered_ptr[p], dv.ov_unordered_ptr[p + 1]):
            _scan_trip(fr, dv, ws, k, (p, pos0, ov_slot, dv.ov_unordered[q]))
        n_pos, n = stop_ptr[p + 1] - stop_ptr[p], trip_ptr[p + 1] - trip_ptr[p]
        bounds = (fr.pattern_min_dep[p], fr.pattern_max_dep[p])
        mirror = _mirror(mirrored, time_ptr, p)
        cur, slot, shift, bpos, slack, cur_dep = -1, -1, 0, -1, -1, INF
        for i in range(pos0, n_pos):
            if i > last and cur < 0:
                break  # no boarding past the last marked stop: nothing more to ride
            s = stops[U(stop_ptr[p] + i)]
            if stop_ok[U(s)] == 0:
                continue
            row = time_ptr[p] + i * n
            a, drop_off = INF, False
            if cur >= 0 and slot == ov_slot:
                a, cur_dep = dv.ov_arrival[row + cur] + shift, times[2][row + cur] + shift
                drop_off = times[3][row + cur] & NO_DROP_OFF == 0
            elif cur >= 0:
                a = _time(arrival, mirror, row + cur) + shift
                drop_off = fr.position_flags[U(stop_ptr[p] + i)] & NO_DROP_OFF == 0
                if i > last and a >= target[k]:
                    break  # timetabled times only grow along the trip: no better stop ahead
            if drop_off and a < best_ride[U(s)] and a < ride[U(s)] and a + lb[U(s)] < target[k]:
                ride[U(s)] = best_ride[U(s)] = a
                parents[s, 0], parents[s, 1] = stop_ptr[p] + bpos, (row + cur) * 4 + slot
                _mark(marked, listed, ws.counts, 1, s)
                if egress[U(s)] < INF and a + egress[U(s)] < target[k]:
                    target[k], ws.target_stop[k], ws.improved[k] = a + egress[s], s, 1
            r = ready[U(s)]
            if i + 1 == n_pos or np.int64(r) + lb[U(s)] >= target[k]:
                continue
            if cur >= 0 and slot != ov_slot:  # read only here: most stops end the line above
                cur_dep = _time(departure, mirror, row + cur) + shift
            if r > cur_dep:
                continue
            # Usually the trip before the current one has left already and no other day's trip
            # fits in between: `_earliest_trip` would return the current trip; skip its search.
            # Here, not at the top of `_earliest_trip`: there (d) and (b) ran 5-10 % slower.
            if (
                cur >= 0 and ov_slot < 0 and _no_other_day(bounds, slot, r, cur_dep)
                and (cur == 0 or _time(departure, mirror, row + cur - 1) + shift < r)
            ):  # fmt: skip
                j, new_slot, d = cur, slot, cur_dep
            else:
                trips = (trip_ptr[p], n, row)
                j, new_slot, d = _earliest_trip(
                    times, mirror, nxt, trips, bounds, ov_slot, r, (cur, slot, cur_dep)
                )
            if j != cur or new_slot != slot:
                cur, slot, shift, bpos, slack = j, new_slot, (new_slot - 1) * DAY_S, i, d - r
                cur_dep = d
            elif k == 1 and d - r > slack:
                # The same first trip, reached from an access stop where it waits less:
                # boarding here lets the journey leave later for the same arrival.
                bpos, slack = i, d - r


@jit
def _scan_each_trip(fr: Arrays, dv: Arrays, ws: Arrays, k: int, p: int, pos0: int) -> None:
    """Route scan of a pattern whose trips overtake or differ in pickup and drop-off types.

    The first trip one can board need not be the best there, so each trip is ridden in turn.
    """
    n = fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
    for y in range(3 * n):
        slot, j = divmod(y, n)
        _scan_trip(fr, dv, ws, k, (p, pos0, slot, j))


@jit
def _scan_trip(fr: Arrays, dv: Arrays, ws: Arrays, k: int, trip: tuple[int, int, int, int]) -> None:
    """Ride trip `j` of pattern `p` in day slot `slot` from position `pos0`, if it runs.

    `trip` is (p, pos0, slot, j). Boards at the first position one can, alights wherever
    that improves an arrival.
    """
    p, pos0, slot, j = trip
    n = fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
    if dv.running[slot * (dv.running.size // 3) + fr.pattern_trip_ptr[p] + j] == 0:
        return
    n_pos = fr.pattern_stop_ptr[p + 1] - fr.pattern_stop_ptr[p]
    shift, bpos = (slot - 1) * DAY_S, -1
    mirror = _mirror(fr.mirrored, fr.pattern_time_ptr, p)
    realtime = slot == dv.ov_slot
    for i in range(pos0, n_pos):
        s = fr.pattern_stops[fr.pattern_stop_ptr[p] + i]
        x = fr.pattern_time_ptr[p] + i * n + j
        flags = dv.ov_flags[x] if realtime else _flag(fr.flags, mirror, x)
        if dv.stop_ok[s] == 0:
            continue
        a = _at(fr.arrival, dv.ov_arrival, slot, dv.ov_slot, x, mirror) + shift
        if (
            bpos >= 0
            and flags & NO_DROP_OFF == 0
            and a < ws.best_ride[s]
            and (a < ws.ride[k - 1, s] and a + ws.lb[s] < ws.target[k])
        ):
            _alight(ws, k, s, a, (fr.pattern_stop_ptr[p] + bpos, x * 4 + slot))
        d = _at(fr.departure, dv.ov_departure, slot, dv.ov_slot, x, mirror) + shift
        if bpos < 0 and ws.ready[k - 1, s] <= d and flags & NO_PICKUP == 0:
            bpos = i


@jit
def _transfers(fr: Arrays, dv: Arrays, ws: Arrays, k: int) -> None:
    """From each stop reached aboard in round `k`: change there, or walk one footpath."""
    ready, best, parents, stop_ok = ws.ready[k], ws.best_ready, ws.ready_parent[k], dv.stop_ok
    ptr, to, walk_s, bound = fr.transfer_ptr, fr.transfer_to, fr.transfer_s, ws.target[k]
    lb = ws.lb
    n_marked = ws.counts[0]
    for x in range(ws.counts[1]):
        s = ws.ride_list[U(x)]
        ws.ride_marked[U(s)] = 0
        a = ws.ride[k - 1, U(s)]
        # Edge ptr[s] - 1 stands for changing at the stop itself.
        for e in range(ptr[U(s)] - 1, ptr[U(s + 1)]):
            u, r = (
                (s, a + fr.min_transfer_s[U(s)]) if e < ptr[U(s)] else (to[U(e)], a + walk_s[U(e)])
            )
            if (
                r < best[U(u)] and r < ready[U(u)] and np.int64(r) + lb[U(u)] < bound
                and stop_ok[U(u)] and (e < ptr[U(s)] or u != s)
            ):  # fmt: skip
                ready[U(u)] = best[U(u)] = r
                parents[U(u)] = SAME_STOP if e < ptr[U(s)] else e
                if ws.marked[U(u)] == 0:
                    ws.marked[U(u)] = 1
                    ws.stop_list[U(n_marked)] = u
                    n_marked += 1
    ws.counts[0], ws.counts[1] = n_marked, 0


@jit
def _collect_patterns(fr: Arrays, ws: Arrays) -> int:
    """Patterns serving a marked stop, with their first and last marked positions; clears marks."""
    n_pat = 0
    for x in range(ws.counts[0]):
        s = ws.stop_list[U(x)]
        ws.marked[U(s)] = 0
        for q in range(fr.stop_pattern_ptr[U(s)], fr.stop_pattern_ptr[U(s + 1)]):
            p = fr.stop_patterns[U(q)]
            if ws.pattern_first[U(p)] == NO_POS:
                ws.pattern_list[U(n_pat)] = p
                n_pat += 1
            ws.pattern_first[U(p)] = min(ws.pattern_first[U(p)], fr.stop_pattern_pos[U(q)])
            ws.pattern_last[U(p)] = max(ws.pattern_last[U(p)], fr.stop_pattern_pos[U(q)])
    ws.counts[0] = 0
    return n_pat


@jit
def _towards_target(fr: Arrays, ws: Arrays, n_pat: int) -> None:
    """Order a round's patterns by how near the target their ends come (lower bound first).

    Only while no journey bounds the round: the first one found then prunes (``ws.lb``) the
    patterns scanned after it, and those leading away come last. The order changes no
    arrival, only how much is scanned: a door-to-door query is ~4 % quicker (median of the
    per-query ratios; p95 2-5 %), most on the many-round ones, which scan nearly every
    pattern in rounds 2 and 3 before a first journey bounds them.
    """
    stops, ptr, lb = fr.pattern_stops, fr.pattern_stop_ptr, ws.lb
    near = np.empty(n_pat, np.int64)
    for x in range(n_pat):
        p = ws.pattern_list[x]
        near[x] = min(lb[stops[ptr[p] + ws.pattern_first[p]]], lb[stops[ptr[p + 1] - 1]])
    ws.pattern_list[:n_pat] = ws.pattern_list[:n_pat][np.argsort(near)]


@jit
def _start(ws: Arrays, access_stops: Any, t: int) -> None:
    """Round 0 of a run departing at `t`: every access stop, reached after its offset."""
    ws.best_ride[:] = INF
    ws.best_ready[:] = INF
    ws.improved[:] = 0
    for s in access_stops:
        r = t + ws.access[s]
        ws.best_ready[s] = r
        if r < ws.ready[0, s]:
            ws.ready[0, s] = r
            ws.ready_parent[0, s] = ACCESS
            if ws.marked[s] == 0:
                ws.marked[s] = 1
                ws.stop_list[ws.counts[0]] = s
                ws.counts[0] += 1


@jit
def run(fr: Arrays, dv: Arrays, ws: Arrays, access_stops: Any, t: int, rounds: int) -> None:
    """One RAPTOR run departing at frame time `t`, with up to `rounds - 1` rides."""
    _start(ws, access_stops, t)
    for k in range(1, rounds):
        ws.target[k] = min(ws.target[k], ws.target[k - 1])
        n_pat = _collect_patterns(fr, ws)
        if n_pat == 0:
            break
        if ws.target[k] == INF:
            _towards_target(fr, ws, n_pat)
        _scan_round(fr, dv, ws, k, n_pat)
        _transfers(fr, dv, ws, k)
    # Marks left by the last round would look fresh to the next run: clear them.
    for x in range(ws.counts[0]):
        ws.marked[ws.stop_list[x]] = 0
    ws.counts[0] = 0


@jit
def _ride_leg(fr: Arrays, dv: Arrays, ws: Arrays, k: int, s: int, leg: Any) -> int:
    """Write the ride of round `k` ending at `s` into `leg`; return its boarding stop."""
    board, code = ws.ride_parent[k - 1, s, 0], ws.ride_parent[k - 1, s, 1]
    p = np.searchsorted(fr.pattern_stop_ptr, board, side="right") - 1
    n = fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
    apos, j = divmod((code >> 2) - fr.pattern_time_ptr[p], n)
    slot, bpos = code & 3, board - fr.pattern_stop_ptr[p]
    base = fr.pattern_time_ptr[p] + j
    b = fr.pattern_stops[fr.pattern_stop_ptr[p] + bpos]
    shift = (slot - 1) * DAY_S
    leg[KIND], leg[FROM], leg[TO], leg[REF], leg[TRIP], leg[SLOT] = RIDE, b, s, p, j, slot
    mirror = _mirror(fr.mirrored, fr.pattern_time_ptr, p)
    leg[DEP] = _at(fr.departure, dv.ov_departure, slot, dv.ov_slot, base + bpos * n, mirror) + shift
    leg[ARR] = _at(fr.arrival, dv.ov_arrival, slot, dv.ov_slot, base + apos * n, mirror) + shift
    leg[BOARD], leg[ALIGHT] = bpos, apos
    return int(b)


@jit
def _walk_leg(fr: Arrays, edge: int, to: int, leg: Any) -> int:
    """Write footpath `edge` into `leg` (its times are set once the ride before it is known)."""
    u = np.searchsorted(fr.transfer_ptr, edge, side="right") - 1
    leg[KIND], leg[FROM], leg[TO], leg[REF] = WALK, u, to, edge
    leg[DEP], leg[ARR] = 0, fr.transfer_s[edge]
    leg[TRIP], leg[SLOT], leg[BOARD], leg[ALIGHT] = -1, -1, -1, -1
    return int(u)


@jit
def _journey(fr: Arrays, dv: Arrays, ws: Arrays, k: int, legs: Any, start: int) -> tuple[int, int]:
    """Legs of the round-`k` journey to the target, in order from `start`; (count, first stop)."""
    m, s = 0, ws.target_stop[k]
    while True:
        b = _ride_leg(fr, dv, ws, k, s, legs[start + m])
        m += 1
        if m >= 2 and legs[start + m - 2, KIND] == WALK:
            walk = legs[start + m - 2]
            walk[DEP] = legs[start + m - 1, ARR]
            walk[ARR] = walk[DEP] + walk[ARR]
        parent = ws.ready_parent[k - 1, b]
        if parent == ACCESS or k == 1:
            break
        k -= 1
        s = b
        if parent != SAME_STOP:
            s = _walk_leg(fr, parent, b, legs[start + m])
            m += 1
    legs[start : start + m] = legs[start : start + m][::-1].copy()
    return m, b


@jit
def stop_bounds(zone: I32, matrix: I32, stops: I32, seconds: I32, slack: int, out: I32) -> None:
    """Fill `out[s]` with a bound on the time from stop ``s`` to the destination.

    The destination is reached from `stops` in `seconds` (egress offsets, in the frame's
    direction); `slack` is taken off every bound (see `routing.lower_bounds.realtime_slack`).
    INF: unreachable.
    """
    k = matrix.shape[0]
    # The quickest egress from each zone first: a destination's stops share a few zones,
    # and each zone's column of the matrix is read once (a strided read of k rows).
    egress = np.full(k, INF, np.int64)
    for x in range(stops.size):
        egress[zone[stops[x]]] = min(egress[zone[stops[x]]], seconds[x])
    by_zone = np.full(k, INF, np.int64)
    for b in range(k):
        if egress[b] == INF:
            continue
        for a in range(k):
            if matrix[a, b] < INF:
                by_zone[a] = min(by_zone[a], np.int64(matrix[a, b]) + egress[b])
    for a in range(k):
        if by_zone[a] < INF:
            by_zone[a] = max(by_zone[a] - slack, 0)
    for s in range(out.size):
        out[s] = by_zone[zone[s]]


@jit
def _write_journeys(
    fr: Arrays, dv: Arrays, ws: Arrays, rounds: int, head: Any, legs: Any, n_j: int, n_l: int
) -> tuple[int, int]:
    """Append the journeys of the rounds improved by the last run; return the new counts."""
    for k in range(1, rounds):
        if ws.improved[k] == 0:
            continue
        m, b = _journey(fr, dv, ws, k, legs, n_l)
        last = legs[n_l + m - 1]
        h = head[n_j]
        h[RIDES], h[J_ACCESS], h[J_EGRESS] = k, b, last[TO]
        h[J_DEP] = legs[n_l, DEP] - ws.access[b]
        h[J_ARR] = last[ARR] + ws.egress[last[TO]]
        h[LEG_START], h[LEG_COUNT] = n_l, m
        n_j += 1
        n_l += m
    return n_j, n_l


@jit
def range_query(
    fr: Arrays, dv: Arrays, ws: Arrays, ends: Any, run_times: Any, rounds: int, head: Any,
    legs: Any,
) -> int:  # fmt: skip
    """Run RAPTOR at each of `run_times` (latest first), reusing round labels; journeys found.

    `fr`, `dv` and `ws` are a `FrameArrays`, `DayArrays` and `Workspace` as plain tuples (see
    `routing.raptor_arrays`). `ends` is the offsets, in the frame's direction, and the lower
    bounds' inputs: (source stops, their seconds, target stops, theirs, each stop's zone, the
    zone matrix, the realtime slack; see `routing.lower_bounds`). The offsets are written into
    ``ws.access`` and ``ws.egress`` here and cleared before returning, so no Python runs
    between (a door-to-door query's setup was ~8 % of its time as numpy calls).
    """
    fr = borrowed(FrameArrays(*fr))  # type: ignore[call-arg]
    dv, ws = borrowed(DayArrays(*dv)), borrowed(Workspace(*ws))
    sources, source_s, targets, target_s, zone, matrix, slack = ends
    stop_bounds(zone, matrix, targets, target_s, slack, ws.lb)
    ws.access[sources] = source_s
    ws.egress[targets] = target_s
    ws.ride[: rounds - 1] = INF
    ws.ready[:rounds] = INF
    ws.target[:] = INF
    n_j, n_l = 0, 0
    for t in run_times:
        run(fr, dv, ws, sources, t, rounds)
        n_j, n_l = _write_journeys(fr, dv, ws, rounds, head, legs, n_j, n_l)
    ws.access[sources] = INF
    ws.egress[targets] = INF
    return n_j
