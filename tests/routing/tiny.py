"""Tiny hand-written networks for behaviour tests: a few trips, filled straight into `Network`.

A trip is written as text, one ``STOP HH:MM`` (or ``STOP HH:MM/HH:MM`` for arrival/departure)
per stop, so the timetable of a test is visible at a glance::

    net = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20"), trip("t2", "B 08:15, D 08:30")])

Trips sharing a route and stop sequence become one pattern (split when one would overtake
another), stop times position-major, as `routing.network` documents. Service day 1 is the
query day of most tests (2019-05-14); a trip runs on days 0, 1 and 2 unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import numpy as np

from routing.network import I32, NO_DROP_OFF, NO_PICKUP, U8, Network

FIRST_DATE = dt.date(2019, 5, 13)
QUERY_DAY = 1
Flags = int | np.uint8  # a stop time's NO_PICKUP / NO_DROP_OFF bits
DRAWN_FLAGS: list[Flags] = [0, 0, 0, 0, NO_PICKUP, NO_DROP_OFF]  # for random trips: mostly none


@dataclass(frozen=True)
class Trip:
    """One trip of a tiny network."""

    id: str
    stops: tuple[str, ...]
    arrival: tuple[int, ...]
    departure: tuple[int, ...]
    route: str = "r"
    days: tuple[int, ...] = (0, 1, 2)
    flags: tuple[Flags, ...] = ()
    wheelchair: int = 1
    bikes: int = 1
    direction: int = -1


class TripFields(TypedDict, total=False):
    """The optional `Trip` fields, as keywords of `trip`."""

    route: str
    days: tuple[int, ...]
    flags: tuple[Flags, ...]
    wheelchair: int
    bikes: int
    direction: int


def hms(text: str) -> int:
    """Seconds of ``HH:MM`` or ``HH:MM:SS`` (hours may pass 24)."""
    parts = [int(p) for p in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def trip(trip_id: str, text: str, **fields: Unpack[TripFields]) -> Trip:
    """A trip from ``"A 08:00, B 08:10/08:12, C 08:20"``; extra `Trip` fields as keywords."""
    stops, arrival, departure = [], [], []
    for item in text.split(","):
        stop, times = item.split()
        arr, _, dep = times.partition("/")
        stops.append(stop)
        arrival.append(hms(arr))
        departure.append(hms(dep or arr))
    return Trip(trip_id, tuple(stops), tuple(arrival), tuple(departure), **fields)


def tiny_network(
    trips: Sequence[Trip],
    *,
    stops: Iterable[str] = (),
    footpaths: Mapping[tuple[str, str], int] | None = None,
    min_transfer_s: Mapping[str, int] | None = None,
    inaccessible_stops: Iterable[str] = (),
    n_days: int = 3,
) -> Network:
    """Build a `Network` from trips; `stops` adds stops no trip serves (ids keep first-seen order).

    `footpaths` maps (from, to) to a walking time in seconds (one direction only).
    """
    stop_ids = list(dict.fromkeys([*stops, *(s for t in trips for s in t.stops)]))
    for a, b in footpaths or {}:
        stop_ids.extend(s for s in (a, b) if s not in stop_ids)
    index = {s: i for i, s in enumerate(stop_ids)}
    groups = _patterns(trips)
    services = sorted({t.days for t in trips})
    n = len(stop_ids)
    mtt = np.zeros(n, np.int32)
    for stop, seconds in (min_transfer_s or {}).items():
        mtt[index[stop]] = seconds
    wheelchair = np.ones(n, np.int8)
    for stop in inaccessible_stops:
        wheelchair[index[stop]] = 2
    return Network(
        version="tiny",
        built_at="",
        timezone="America/Sao_Paulo",
        first_date=FIRST_DATE,
        summary_date=FIRST_DATE,
        feeds=(),
        stop_ids=tuple(stop_ids),
        stop_names=tuple(stop_ids),
        stop_lat=np.zeros(n),
        stop_lon=np.zeros(n),
        stop_feed=np.zeros(n, np.int16),
        stop_parent=np.full(n, -1, np.int32),
        stop_location_type=np.zeros(n, np.int8),
        stop_wheelchair=wheelchair,
        stop_min_transfer_s=mtt,
        **_routes(trips),
        **_trips(trips, groups, services),
        **_timetable(groups, index),
        **_footpaths(footpaths or {}, index),
        service_ids=tuple(str(s) for s in services),
        service_days=_service_days(services, n_days),
        pattern_shape=np.full(len(groups), -1, np.int32),
        pattern_stop_shape_pos=np.zeros(sum(len(g[0].stops) for g in groups), np.int32),
        shape_ptr=np.zeros(1, np.int32),
        shape_lat=np.zeros(0, np.float32),
        shape_lon=np.zeros(0, np.float32),
    )


def _patterns(trips: Sequence[Trip]) -> list[list[Trip]]:
    """Group trips by (route, stops), sorted by first departure; an overtaking trip moves on."""
    groups: list[list[Trip]] = []
    for t in sorted(trips, key=lambda t: (t.departure[0], t.arrival[-1])):
        home = next((g for g in groups if _fits(g, t)), None)
        if home is None:
            groups.append([t])
        else:
            home.append(t)
    return groups


def _fits(group: list[Trip], t: Trip) -> bool:
    last = group[-1]
    if (last.route, last.stops) != (t.route, t.stops):
        return False
    return all(
        a <= b and c <= d
        for a, b, c, d in zip(last.arrival, t.arrival, last.departure, t.departure, strict=True)
    )


def _routes(trips: Sequence[Trip]) -> dict[str, Any]:
    routes = tuple(dict.fromkeys(t.route for t in trips))
    return {
        "route_ids": routes,
        "route_short_names": routes,
        "route_long_names": routes,
        "route_colors": tuple("" for _ in routes),
        "route_text_colors": tuple("" for _ in routes),
        "route_agency_names": tuple("tiny" for _ in routes),
        "route_type": np.full(len(routes), 3, np.int16),
        "route_feed": np.zeros(len(routes), np.int16),
    }


def _trips(
    trips: Sequence[Trip], groups: list[list[Trip]], services: list[tuple[int, ...]]
) -> dict[str, Any]:
    routes = list(dict.fromkeys(t.route for t in trips))
    pattern_of = {t.id: p for p, g in enumerate(groups) for t in g}
    order = {t.id: i for i, t in enumerate(trips)}
    return {
        "trip_ids": tuple(t.id for t in trips),
        "trip_headsigns": tuple(t.stops[-1] for t in trips),
        "trip_route": np.array([routes.index(t.route) for t in trips], np.int32),
        "trip_service": np.array([services.index(t.days) for t in trips], np.int32),
        "trip_pattern": np.array([pattern_of[t.id] for t in trips], np.int32),
        "trip_wheelchair": np.array([t.wheelchair for t in trips], np.int8),
        "trip_bikes": np.array([t.bikes for t in trips], np.int8),
        "trip_direction": np.array([t.direction for t in trips], np.int8),
        "pattern_route": np.array([routes.index(g[0].route) for g in groups], np.int32),
        "pattern_trip_ptr": _ptr(len(g) for g in groups),
        "pattern_trips": np.array([order[t.id] for g in groups for t in g], np.int32),
    }


def _timetable(groups: list[list[Trip]], index: dict[str, int]) -> dict[str, Any]:
    arrival: list[int] = []
    departure: list[int] = []
    flags: list[Flags] = []
    time_ptr = [0]
    for g in groups:
        for i in range(len(g[0].stops)):
            arrival.extend(t.arrival[i] for t in g)
            departure.extend(t.departure[i] for t in g)
            flags.extend(t.flags[i] if t.flags else 0 for t in g)
        time_ptr.append(len(arrival))
    pattern_stops = [index[s] for g in groups for s in g[0].stops]
    at_stop: list[list[tuple[int, int]]] = [[] for _ in index]
    for p, g in enumerate(groups):
        for pos, s in enumerate(g[0].stops):
            at_stop[index[s]].append((p, pos))
    return {
        "pattern_stop_ptr": _ptr(len(g[0].stops) for g in groups),
        "pattern_stops": np.array(pattern_stops, np.int32),
        "pattern_time_ptr": np.array(time_ptr, np.int32),
        "arrival": np.array(arrival, np.int32),
        "departure": np.array(departure, np.int32),
        "stop_time_flags": np.array(flags, np.uint8),
        "stop_pattern_ptr": _ptr(len(x) for x in at_stop),
        "stop_patterns": np.array([p for x in at_stop for p, _ in x], np.int32),
        "stop_pattern_pos": np.array([pos for x in at_stop for _, pos in x], np.int32),
    }


def _footpaths(paths: Mapping[tuple[str, str], int], index: dict[str, int]) -> dict[str, Any]:
    edges = sorted((index[a], index[b], s) for (a, b), s in paths.items())
    out: list[list[int]] = [[] for _ in index]
    for a, _, _ in edges:
        out[a].append(a)
    return {
        "transfer_ptr": _ptr(len(x) for x in out),
        "transfer_to": np.array([b for _, b, _ in edges], np.int32),
        "transfer_s": np.array([s for _, _, s in edges], np.int32),
        "transfer_kind": np.zeros(len(edges), np.int8),
    }


def _service_days(services: list[tuple[int, ...]], n_days: int) -> U8:
    days = np.zeros((len(services), n_days), np.uint8)
    for i, service in enumerate(services):
        days[i, [d for d in service if d < n_days]] = 1
    return days


def _ptr(lengths: Iterable[int]) -> I32:
    return np.concatenate([[0], np.cumsum(list(lengths), dtype=np.int64)]).astype(np.int32)
