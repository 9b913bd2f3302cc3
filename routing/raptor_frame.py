"""The timetable as the RAPTOR kernels read it: forward and reversed frames, and per-day masks.

An arrive-by search is an earliest-arrival search on the *reversed* frame: patterns read
backwards, trips in reverse order, times negated (a departure becomes minus an arrival), pickup
and drop-off swapped, footpaths followed against their direction. One kernel serves both. The
reversed frame keeps no copy of the times: the kernels read the network's through a mirror
(`routing.raptor_kernels`); `frame_times` makes them for code outside the searches.

Frames and day masks are derived once and cached outside the frozen `Network` (keyed weakly by
it), and a realtime overlay's arrays once per overlay, so a query only looks them up. Every
array handed to numba is a read-only view, so the kernels compile once whether the network
was built in memory or memory-mapped from disk.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.network import NO_DROP_OFF, NO_PICKUP, Network
from routing.raptor_arrays import DayArrays, FrameArrays
from routing.raptor_kernels import DAY_S, INF, MAX_STOP_TIMES
from routing.realtime import RealtimeOverlay

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
# Both directions, with and without wheelchair and bikes, on the timetable and on realtime.
DAY_CACHE_SIZE = 16


@dataclass(frozen=True, eq=False)
class Frame:
    """One direction of the timetable, and how its indices map back to the network's.

    ``trip_order`` gives, for each frame pattern-trip slot, the network's; ``network_trips``
    and ``transfer_kind`` are the network's ``pattern_trips`` and the kind of each frame
    footpath, as plain arrays (quick to index from Python, unlike memory maps).
    """

    reverse: bool
    arrays: FrameArrays
    trip_order: I32
    network_trips: I32
    transfer_kind: npt.NDArray[np.int8]
    n_stops: int
    n_patterns: int


def _frame(
    net: Network, reverse: bool, arrays: FrameArrays, orders: tuple[I32, I32 | None]
) -> Frame:
    """The frame of `arrays`; `orders` maps its trip slots and footpaths to the network's.

    Forward footpaths are the network's own (no map): their kinds are a view, not a copy.
    """
    trip_order, transfer_edge = orders
    kinds = np.asarray(net.transfer_kind, dtype=np.int8)
    if transfer_edge is not None:
        kinds = kinds[transfer_edge]
    return Frame(
        reverse=reverse, arrays=arrays, trip_order=trip_order,
        network_trips=_ro(net.pattern_trips), transfer_kind=kinds,
        n_stops=net.n_stops, n_patterns=int(net.pattern_route.size),
    )  # fmt: skip


class RealtimeArrays(NamedTuple):
    """An overlay's times and flags in one frame, and its trips out of their pattern's order.

    ``board`` and ``apart`` are `realtime_order`'s, over the trips running on the overlay's
    day (whatever a query's wheelchair and bikes options leave of them).
    """

    arrival: I32
    departure: I32
    flags: U8
    board: I32
    apart: Mask


_frames: weakref.WeakKeyDictionary[Network, dict[bool, Frame]] = weakref.WeakKeyDictionary()
# Per overlay (immutable, swapped whole): its arrays in each frame, derived once.
_realtime: weakref.WeakKeyDictionary[RealtimeOverlay, dict[Frame, RealtimeArrays]] = (
    weakref.WeakKeyDictionary()
)
_days: weakref.WeakKeyDictionary[
    Network, OrderedDict[tuple[object, ...], tuple[RealtimeOverlay | None, DayArrays]]
] = weakref.WeakKeyDictionary()


def frame_for(network: Network, reverse: bool) -> Frame:
    """The (cached) forward or reversed frame of `network`."""
    frames = _frames.setdefault(network, {})
    if reverse not in frames:
        frames[reverse] = _reversed(network) if reverse else _forward(network)
    return frames[reverse]


def _ro(array: npt.ArrayLike) -> I32:
    """A read-only, C-contiguous int32 view (a copy only when the dtype or layout differs)."""
    view = np.ascontiguousarray(np.asarray(array, dtype=np.int32)).view()
    view.flags.writeable = False
    return view


def _ro8(array: npt.ArrayLike) -> U8:
    """`_ro` for uint8 arrays (flags, masks)."""
    view = np.ascontiguousarray(np.asarray(array, dtype=np.uint8)).view()
    view.flags.writeable = False
    return view


def _arrays(
    net: Network, reverse: bool, flags: npt.ArrayLike, **fields: npt.ArrayLike
) -> FrameArrays:
    """A frame's arrays; its times are the network's (`reverse`: read through the mirror)."""
    typed = {k: _ro(v) for k, v in fields.items()}
    if typed["arrival"].size > MAX_STOP_TIMES:
        raise ValueError(f"more than {MAX_STOP_TIMES} stop times: the search cannot index them")
    ptr = (typed["pattern_time_ptr"], typed["pattern_stop_ptr"], typed["pattern_trip_ptr"])
    arrival, departure, flags8 = _times(net, reverse)
    lo, hi = pattern_bounds(ptr[0], departure)
    regular = regular_patterns(ptr[0], ptr[2], arrival, departure, flags8)
    return FrameArrays(
        flags=_ro8(flags), **typed, pattern_min_dep=_ro(lo), pattern_max_dep=_ro(hi),
        position_flags=_ro8(position_flags(*ptr, flags8)), pattern_regular=_ro8(regular),
        mirrored=True if reverse else None,
    )  # fmt: skip


def _times(net: Network, reverse: bool) -> tuple[I32, I32, U8]:
    """Arrival, departure and flags in the frame's layout: the reversed ones are new arrays."""
    arrival, departure = np.asarray(net.arrival), np.asarray(net.departure)
    flags = np.asarray(net.stop_time_flags, dtype=np.uint8)
    if not reverse:
        return _ro(arrival), _ro(departure), _ro8(flags)
    order = segment_reversal(net.pattern_time_ptr)
    return -departure[order], -arrival[order], swap_pickup_drop_off(flags[order])


def frame_times(net: Network, frame: Frame) -> tuple[I32, I32, U8]:
    """`frame`'s arrival, departure and flags in its own layout (made anew when reversed)."""
    return _times(net, frame.reverse)


def _forward(net: Network) -> Frame:
    arrays = _arrays(
        net, False,
        pattern_stop_ptr=net.pattern_stop_ptr, pattern_stops=net.pattern_stops,
        pattern_trip_ptr=net.pattern_trip_ptr, pattern_time_ptr=net.pattern_time_ptr,
        arrival=net.arrival, departure=net.departure, flags=net.stop_time_flags,
        stop_pattern_ptr=net.stop_pattern_ptr, stop_patterns=net.stop_patterns,
        stop_pattern_pos=net.stop_pattern_pos, transfer_ptr=net.transfer_ptr,
        transfer_to=net.transfer_to, transfer_s=net.transfer_s,
        min_transfer_s=net.stop_min_transfer_s,
    )  # fmt: skip
    trips = np.arange(net.pattern_trips.size, dtype=np.int32)
    return _frame(net, False, arrays, (trips, None))


def segment_reversal(ptr: I32) -> I32:
    """Index map reversing each segment ``[ptr[i], ptr[i + 1])`` of a CSR array in place."""
    ptr = np.asarray(ptr, dtype=np.int64)
    seg = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    return (ptr[seg] + ptr[seg + 1] - 1 - np.arange(ptr[-1])).astype(np.int32)


def swap_pickup_drop_off(flags: U8) -> U8:
    """Flags read backwards: no pickup becomes no drop-off and the reverse."""
    flags = np.asarray(flags, dtype=np.uint8)
    keep = flags & ~np.uint8(NO_PICKUP | NO_DROP_OFF)
    swapped = np.where(flags & NO_PICKUP, NO_DROP_OFF, 0) | np.where(
        flags & NO_DROP_OFF, NO_PICKUP, 0
    )
    return (keep | swapped).astype(np.uint8)


def _reversed(net: Network) -> Frame:
    trips = segment_reversal(net.pattern_trip_ptr)
    n_pos = np.diff(net.pattern_stop_ptr)
    # Footpaths against their direction: CSR over destination stops.
    edge = np.argsort(net.transfer_to, kind="stable").astype(np.int32)
    origin = np.repeat(np.arange(net.n_stops, dtype=np.int32), np.diff(net.transfer_ptr))
    counts = np.bincount(net.transfer_to, minlength=net.n_stops)
    arrays = _arrays(
        net, True,
        pattern_stop_ptr=net.pattern_stop_ptr,
        pattern_stops=np.asarray(net.pattern_stops)[segment_reversal(net.pattern_stop_ptr)],
        pattern_trip_ptr=net.pattern_trip_ptr, pattern_time_ptr=net.pattern_time_ptr,
        arrival=net.departure, departure=net.arrival, flags=net.stop_time_flags,
        stop_pattern_ptr=net.stop_pattern_ptr, stop_patterns=net.stop_patterns,
        stop_pattern_pos=n_pos[net.stop_patterns] - 1 - np.asarray(net.stop_pattern_pos),
        transfer_ptr=np.concatenate([[0], np.cumsum(counts)]),
        transfer_to=origin[edge], transfer_s=np.asarray(net.transfer_s)[edge],
        min_transfer_s=net.stop_min_transfer_s,
    )  # fmt: skip
    return _frame(net, True, arrays, (trips, edge))


def day_arrays(
    network: Network,
    frame: Frame,
    day: int,
    *,
    wheelchair: bool,
    bikes: bool,
    overlay: RealtimeOverlay | None,
) -> DayArrays:
    """The (cached) per-query arrays: which trips run in each day slot, usable stops, realtime.

    Raises:
        ValueError: when `overlay` was built for another version of the network.
    """
    if overlay is not None and overlay.network_version != network.version:
        raise ValueError(
            f"realtime overlay is for network {overlay.network_version!r}, not {network.version!r}"
        )
    if overlay is not None and not -1 <= overlay.day - day <= 1:
        overlay = None
    key = (frame.reverse, day, wheelchair, bikes, id(overlay))
    cache = _days.setdefault(network, OrderedDict())
    hit = cache.get(key)
    # The overlay is kept with its arrays: an id is only unique while its object lives.
    if hit is None or hit[0] is not overlay:
        hit = cache[key] = (overlay, _day_arrays(network, frame, day, wheelchair, bikes, overlay))
        while len(cache) > DAY_CACHE_SIZE:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return hit[1]


def _day_arrays(
    net: Network,
    frame: Frame,
    day: int,
    wheelchair: bool,
    bikes: bool,
    overlay: RealtimeOverlay | None,
) -> DayArrays:
    trip_ok = np.ones(len(net.trip_ids), dtype=np.bool_)
    if wheelchair:
        trip_ok &= np.asarray(net.trip_wheelchair) == 1
    if bikes:
        trip_ok &= np.asarray(net.trip_bikes) == 1
    masks = np.zeros((3, frame.trip_order.size), dtype=np.bool_)
    for slot in range(3):
        service_day = day + slot - 1
        running = net.trips_active(service_day) & trip_ok
        if overlay is not None and overlay.day == service_day:
            running &= ~np.asarray(overlay.cancelled, dtype=np.bool_)
        # Day slots run the other way in a reversed frame: its slot 0 is the next day.
        frame_slot = 2 - slot if frame.reverse else slot
        masks[frame_slot] = running[np.asarray(net.pattern_trips)][frame.trip_order]
    stop_ok = np.ones(net.n_stops, dtype=np.bool_)
    if wheelchair:
        stop_ok &= np.asarray(net.stop_wheelchair) == 1
    if overlay is not None:
        stop_ok &= ~np.asarray(overlay.closed_stops, dtype=np.bool_)
    fa = frame.arrays
    ov_slot, searched, unordered = -1, masks, np.zeros(0, dtype=np.int64)
    ov = (fa.arrival, fa.departure, fa.flags, fa.departure)
    if overlay is not None:
        rt = realtime_arrays(net, frame, overlay)
        ov = (rt.arrival, rt.departure, rt.flags, rt.board)
        slot = overlay.day - day + 1
        ov_slot = 2 - slot if frame.reverse else slot
        apart = rt.apart & masks[ov_slot]
        unordered = np.flatnonzero(apart)
        if unordered.size:
            searched = masks.copy()
            searched[ov_slot] &= ~apart
    # Each trip out of order, as (pattern, index in it), grouped by pattern.
    trip_ptr = np.asarray(fa.pattern_trip_ptr)
    pattern = np.searchsorted(trip_ptr, unordered, side="right") - 1
    unordered_ptr = np.searchsorted(pattern, np.arange(trip_ptr.size))
    return DayArrays(
        _ro(next_active(searched, fa.pattern_trip_ptr).ravel()),
        _ro8(masks.ravel()),
        _ro8(stop_ok),
        ov_slot, *ov,
        _ro(unordered_ptr), _ro(unordered - trip_ptr[pattern]),
    )  # fmt: skip


def next_active(masks: Mask, trip_ptr: I32) -> npt.NDArray[np.int32]:
    """For each row of `masks` (over pattern trips), the first running trip at or after each."""
    n = masks.shape[1]
    ptr = np.asarray(trip_ptr, dtype=np.int64)
    seg = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    start, end = ptr[seg], ptr[seg + 1]
    index = np.where(masks, np.arange(n), n)
    following = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]
    return (np.minimum(following, end) - start).astype(np.int32)


def realtime_arrays(network: Network, frame: Frame, overlay: RealtimeOverlay) -> RealtimeArrays:
    """`overlay`'s arrays in `frame`, derived once per overlay (cached while it lives)."""
    per_frame = _realtime.setdefault(overlay, {})
    found = per_frame.get(frame)
    if found is None:
        found = per_frame[frame] = _realtime_arrays(network, frame, overlay)
    return found


def _realtime_arrays(net: Network, frame: Frame, overlay: RealtimeOverlay) -> RealtimeArrays:
    skipped = np.asarray(overlay.skipped, dtype=np.bool_)
    flags = np.asarray(net.stop_time_flags) | np.where(skipped, NO_PICKUP | NO_DROP_OFF, 0)
    arrival, departure = np.asarray(overlay.arrival), np.asarray(overlay.departure)
    if frame.reverse:
        order = segment_reversal(net.pattern_time_ptr)
        arrival, departure = -departure[order], -arrival[order]
        flags = swap_pickup_drop_off(flags[order])
    arrival, departure, flags = _ro(arrival), _ro(departure), _ro8(flags)
    running = net.trips_active(overlay.day) & ~np.asarray(overlay.cancelled, dtype=np.bool_)
    running = running[np.asarray(net.pattern_trips)][frame.trip_order]
    fa = frame.arrays
    if frame.reverse:  # realtime_order reads the timetable's times plainly
        times = frame_times(net, frame)
        fa = fa._replace(arrival=times[0], departure=times[1], flags=times[2])
    apart, board = realtime_order(fa, running, arrival, departure, flags)
    apart.flags.writeable = False
    return RealtimeArrays(arrival, departure, flags, _ro(board), apart)


@njit(cache=True, nogil=True)
def pattern_bounds(time_ptr: I32, departure: I32) -> tuple[I32, I32]:
    """Earliest and latest departure of each pattern over all its stop times."""
    n_pat = time_ptr.size - 1
    lo = np.full(n_pat, INF, dtype=np.int32)
    hi = np.full(n_pat, -INF, dtype=np.int32)
    for p in range(n_pat):
        for x in range(time_ptr[p], time_ptr[p + 1]):
            lo[p] = min(lo[p], departure[x])
            hi[p] = max(hi[p], departure[x])
    return lo, hi


@njit(cache=True, nogil=True)
def regular_patterns(time_ptr: I32, trip_ptr: I32, arrival: I32, departure: I32, flags: U8) -> U8:
    """1 for each pattern whose trips keep their order and flags at every position, else 0."""
    n_pat = time_ptr.size - 1
    out = np.ones(n_pat, dtype=np.uint8)
    for p in range(n_pat):
        n = trip_ptr[p + 1] - trip_ptr[p]
        for x in range(time_ptr[p], time_ptr[p + 1]):
            if (x - time_ptr[p]) % n != 0 and (
                departure[x] < departure[x - 1]
                or arrival[x] < arrival[x - 1]
                or flags[x] != flags[x - 1]
            ):
                out[p] = 0
                break
    return out


@njit(cache=True, nogil=True)
def realtime_order(
    fa: FrameArrays, running: Mask, arrival: I32, departure: I32, flags: U8
) -> tuple[Mask, I32]:
    """The trips of the overlay's day to ride one by one, and departures to search the rest by.

    The route scan of a regular pattern holds one trip, the first one can board in any day
    slot, which is only right when the running trips of all slots keep their order (FIFO)
    and share their pickup and drop-off types. A `running` trip of the overlay's day keeps
    its place when its realtime times are the timetable's, or when, at every position, it
    arrives and leaves no earlier than the running trip kept before it and no later than the
    next unchanged one, and within a day of every trip of the pattern (the days either side);
    in both cases with the timetable's flags. The others (delayed past a following trip,
    skipping a stop: a few per pattern) are ridden one by one. The departures returned give
    each trip not kept, running or not, the departure of the trip kept before it (-INF for
    none): they stay sorted and the binary search never stops on such a trip.
    """
    time_ptr, trip_ptr, stop_ptr = fa.pattern_time_ptr, fa.pattern_trip_ptr, fa.pattern_stop_ptr
    apart = np.zeros(trip_ptr[-1], dtype=np.bool_)
    board = departure.copy()
    for p in range(time_ptr.size - 1):
        if fa.pattern_regular[p] == 0:
            continue  # every trip of an irregular pattern is ridden one by one anyway
        pattern = (time_ptr[p], trip_ptr[p + 1] - trip_ptr[p], stop_ptr[p + 1] - stop_ptr[p])
        trips = slice(trip_ptr[p], trip_ptr[p + 1])
        changed, out = _changes(fa, pattern, arrival, departure, flags)
        _set_apart(pattern, running[trips], (changed, out), (arrival, departure), apart[trips])
        first, n, n_pos = pattern
        for i in range(n_pos):
            before, row = -INF, first + i * n
            for j in range(n):
                if running[trip_ptr[p] + j] and not apart[trip_ptr[p] + j]:
                    before = departure[row + j]
                else:
                    board[row + j] = before
    return apart, board


@njit(cache=True, nogil=True)
def _changes(
    fa: FrameArrays, pattern: tuple[int, int, int], arrival: I32, departure: I32, flags: U8
) -> tuple[Mask, Mask]:
    """Per trip of a regular pattern: realtime times not the timetable's; trip never in order.

    A trip is never in order with other flags than the timetable's, or times more than a day
    from some trip of the pattern (so beyond a trip of the day before or after).
    """
    first, n, n_pos = pattern
    changed, out = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    for i in range(n_pos):
        row = first + i * n
        # The pattern's trips are FIFO: the first and last bound every trip at a position.
        upper = min(fa.arrival[row], fa.departure[row]) + DAY_S
        lower = max(fa.arrival[row + n - 1], fa.departure[row + n - 1]) - DAY_S
        for j in range(n):
            a, d = arrival[row + j], departure[row + j]
            if a != fa.arrival[row + j] or d != fa.departure[row + j]:
                changed[j] = True
                out[j] |= not (lower <= a <= upper and lower <= d <= upper)
            out[j] |= flags[row + j] != fa.flags[row + j]
    return changed, out


@njit(cache=True, nogil=True)
def _set_apart(
    pattern: tuple[int, int, int], runs: Mask, kinds: tuple[Mask, Mask],
    times: tuple[I32, I32], apart: Mask,
) -> None:  # fmt: skip
    """Mark in `apart` the running trips of a pattern out of order (see `realtime_order`).

    `kinds` is (changed, never in order) per trip. Changed trips stay only between the last
    trip kept and the next unchanged one, which keeps the trips kept FIFO.
    """
    changed, out = kinds
    n = pattern[1]
    following, kept = np.full(n, n, dtype=np.int64), -1
    for j in range(n - 2, -1, -1):
        following[j] = j + 1 if runs[j + 1] and not changed[j + 1] else following[j + 1]
    for j in range(n):
        if not runs[j]:
            continue
        if out[j] or (
            changed[j]
            and not (
                _no_later(times, pattern, kept, j) and _no_later(times, pattern, j, following[j])
            )
        ):
            apart[j] = True
        else:
            kept = j


@njit(cache=True, nogil=True)
def _no_later(times: tuple[I32, I32], pattern: tuple[int, int, int], a: int, b: int) -> bool:
    """Whether trip `a` arrives and leaves no later than trip `b` at every position.

    `times` is (arrival, departure); `pattern` (first stop time, trip count, position count).
    True when either trip is missing (-1, or the trip count).
    """
    arrival, departure = times
    first, n, n_pos = pattern
    if a < 0 or b >= n:
        return True
    for i in range(n_pos):
        x, y = first + i * n + a, first + i * n + b
        if arrival[x] > arrival[y] or departure[x] > departure[y]:
            return False
    return True


@njit(cache=True, nogil=True)
def position_flags(time_ptr: I32, stop_ptr: I32, trip_ptr: I32, flags: U8) -> U8:
    """The flags of each pattern position's first trip: all its trips' when it is regular."""
    first = np.zeros(stop_ptr[-1], dtype=np.uint8)
    for p in range(time_ptr.size - 1):
        n = trip_ptr[p + 1] - trip_ptr[p]
        for i in range(stop_ptr[p + 1] - stop_ptr[p]):
            first[stop_ptr[p] + i] = flags[time_ptr[p] + i * n] if n else 0
    return first


@njit(cache=True, nogil=True)
def departure_times(
    fr: FrameArrays, dv: DayArrays, stops: I32, durations: I32, lo: int, hi: int
) -> npt.NDArray[np.int64]:
    """Distinct frame times in [lo, hi] at which leaving reaches a departing trip, latest first.

    Leaving at ``τ`` means boarding some trip at access stop ``s`` at ``τ + duration``: the
    runs of a range query.
    """
    found = [np.int64(0) for _ in range(0)]
    for x in range(stops.size):
        for q in range(fr.stop_pattern_ptr[stops[x]], fr.stop_pattern_ptr[stops[x] + 1]):
            p = fr.stop_patterns[q]
            n = fr.pattern_trip_ptr[p + 1] - fr.pattern_trip_ptr[p]
            row = fr.pattern_time_ptr[p] + fr.stop_pattern_pos[q] * n
            # The timetable's times through the mirror (see `routing.raptor_kernels`).
            c = fr.pattern_time_ptr[p] + fr.pattern_time_ptr[p + 1] - 1
            for y in range(3 * n):
                slot, j = divmod(y, n)
                realtime = slot == dv.ov_slot
                if realtime:
                    dep, pickup = dv.ov_departure[row + j], dv.ov_flags[row + j] & NO_PICKUP
                elif fr.mirrored is None:
                    dep, pickup = fr.departure[row + j], fr.flags[row + j] & NO_PICKUP
                else:
                    dep, pickup = -fr.departure[c - row - j], fr.flags[c - row - j] & NO_DROP_OFF
                d = dep + (slot - 1) * DAY_S - durations[x]
                if (
                    lo <= d <= hi
                    and dv.running[slot * dv.running.size // 3 + fr.pattern_trip_ptr[p] + j]
                    and pickup == 0
                ):
                    found.append(np.int64(d))
    return np.unique(np.array(found, dtype=np.int64))[::-1].copy()
