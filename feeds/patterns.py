"""Trips grouped into FIFO patterns and laid out position-major, as `routing.network` documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.network import I32, U8


@dataclass(frozen=True, eq=False)
class StopTimes:
    """Stop times of every trip, as parallel arrays (any row order)."""

    trip: I32
    stop_sequence: I32
    stop: I32
    arrival: I32
    departure: I32
    flags: U8


@dataclass(frozen=True, eq=False)
class PatternTable:
    """The pattern arrays of `routing.network.Network` (same names without the prefix)."""

    route: I32
    stop_ptr: I32
    stops: I32
    trip_ptr: I32
    trips: I32
    time_ptr: I32
    arrival: I32
    departure: I32
    flags: U8
    trip_pattern: I32
    stop_pattern_ptr: I32
    stop_patterns: I32
    stop_pattern_pos: I32

    @property
    def n_patterns(self) -> int:
        """Number of patterns."""
        return int(self.route.shape[0])


@dataclass(frozen=True, eq=False)
class _Group:
    """Trips of one route with one stop sequence, as matrices [trip, position]."""

    route: int
    stops: I32
    flags: U8
    trips: I32
    arrival: I32
    departure: I32


def build_patterns(times: StopTimes, trip_route: I32, n_stops: int) -> PatternTable:
    """Group trips by route and exact stop sequence (with pickup/drop-off flags) into patterns.

    Within a group, trips are sorted by departure at the first stop (then at the next ones),
    and the group is split so that no trip overtakes another at any stop: each pattern's
    trips are then sorted at every position. Every trip needs at least two stop times.
    """
    groups = _group(times, trip_route)
    parts = [part for group in groups for part in _split_fifo(group)]
    return _layout(parts, len(trip_route), n_stops)


def _group(times: StopTimes, trip_route: I32) -> list[_Group]:
    order = np.lexsort((times.stop_sequence, times.trip))
    trip = times.trip[order]
    code = times.stop[order].astype(np.int64) * 4 + times.flags[order]
    counts = np.bincount(trip, minlength=len(trip_route))
    if np.any(counts < 2):
        raise ValueError("every trip needs at least two stop times")
    starts = np.cumsum(counts) - counts
    members: dict[tuple[int, bytes], list[int]] = {}
    for t in range(len(trip_route)):
        key = (int(trip_route[t]), code[starts[t] : starts[t] + counts[t]].tobytes())
        members.setdefault(key, []).append(t)
    arrival, departure = times.arrival[order], times.departure[order]
    groups = []
    for (route, _), trips in members.items():
        ids = np.asarray(trips, dtype=np.int32)
        rows = starts[ids][:, None] + np.arange(counts[ids[0]])
        groups.append(
            _Group(
                route=route,
                stops=(code[rows[0]] // 4).astype(np.int32),
                flags=(code[rows[0]] % 4).astype(np.uint8),
                trips=ids,
                arrival=arrival[rows],
                departure=departure[rows],
            )
        )
    return groups


def _split_fifo(group: _Group) -> list[_Group]:
    """Sort the group's trips and split it where a trip would overtake an earlier one."""
    keys = [group.trips, *(group.arrival[:, i] for i in reversed(range(group.stops.size)))]
    keys += [group.departure[:, i] for i in reversed(range(group.stops.size))]
    order = np.lexsort(keys)
    arrival, departure, trips = group.arrival[order], group.departure[order], group.trips[order]
    if _is_fifo(arrival) and _is_fifo(departure):
        return [_subset(group, trips, arrival, departure)]
    buckets: list[list[int]] = []
    for j in range(trips.size):
        for bucket in buckets:
            last = bucket[-1]
            if np.all(arrival[j] >= arrival[last]) and np.all(departure[j] >= departure[last]):
                bucket.append(j)
                break
        else:
            buckets.append([j])
    return [_subset(group, trips[b], arrival[b], departure[b]) for b in buckets]


def _is_fifo(matrix: I32) -> bool:
    return bool(np.all(np.diff(matrix, axis=0) >= 0))


def _subset(group: _Group, trips: I32, arrival: I32, departure: I32) -> _Group:
    return _Group(group.route, group.stops, group.flags, trips, arrival, departure)


def _layout(parts: list[_Group], n_trips: int, n_stops: int) -> PatternTable:
    n_positions = np.array([p.stops.size for p in parts], dtype=np.int64)
    n_runs = np.array([p.trips.size for p in parts], dtype=np.int64)
    trip_pattern = np.full(n_trips, -1, dtype=np.int32)
    for number, part in enumerate(parts):
        trip_pattern[part.trips] = number
    stops = _concat([p.stops for p in parts], np.int32)
    stop_ptr = _ptr(n_positions)
    stop_pattern_ptr, stop_patterns, stop_pattern_pos = _stop_index(stops, stop_ptr, n_stops)
    return PatternTable(
        route=np.array([p.route for p in parts], dtype=np.int32),
        stop_ptr=stop_ptr,
        stops=stops,
        trip_ptr=_ptr(n_runs),
        trips=_concat([p.trips for p in parts], np.int32),
        time_ptr=_ptr(n_positions * n_runs),
        # Position-major: the k trips' times at position i are contiguous (i * k + j).
        arrival=_concat([p.arrival.T.ravel() for p in parts], np.int32),
        departure=_concat([p.departure.T.ravel() for p in parts], np.int32),
        flags=_concat([np.repeat(p.flags, p.trips.size) for p in parts], np.uint8),
        trip_pattern=trip_pattern,
        stop_pattern_ptr=stop_pattern_ptr,
        stop_patterns=stop_patterns,
        stop_pattern_pos=stop_pattern_pos,
    )


def _stop_index(stops: I32, stop_ptr: I32, n_stops: int) -> tuple[I32, I32, I32]:
    """For each stop, the patterns serving it and the position of the stop in each."""
    lengths = np.diff(stop_ptr)
    pattern = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    position = np.arange(stops.size, dtype=np.int32) - np.repeat(stop_ptr[:-1], lengths)
    order = np.argsort(stops, kind="stable")
    ptr = _ptr(np.bincount(stops, minlength=n_stops))
    return ptr, pattern[order].astype(np.int32), position[order].astype(np.int32)


def _ptr(lengths: np.ndarray[tuple[int], np.dtype[np.int64]]) -> I32:
    out = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out.astype(np.int32)


def _concat(arrays: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(arrays).astype(dtype, copy=False)
