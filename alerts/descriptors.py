"""Resolving a GTFS-RT TripDescriptor to a network trip: by trip_id, else by its other fields.

The fallback is route + direction (when given) + start time + start date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import IngestContext, text
from alerts.matching import TripIndex, parse_start_date, parse_start_time, trip_index
from alerts.stats import FailureKind
from routing.network import Network

_Relationship = rt.TripDescriptor.ScheduleRelationship
_ADDED = frozenset({_Relationship.Value("ADDED"), _Relationship.Value("NEW")})
_UNSUPPORTED = frozenset({_Relationship.Value("REPLACEMENT"), _Relationship.Value("DUPLICATED")})
CANCELLED = frozenset({_Relationship.Value("CANCELED"), _Relationship.Value("DELETED")})


@dataclass(frozen=True, slots=True)
class DescriptorFields:
    """A TripDescriptor's fields, checked: None where absent."""

    trip_id: str | None
    route_id: str | None
    direction_id: int | None
    start_s: int | None
    start_date: dt.date | None
    relationship: int


@dataclass(frozen=True, slots=True)
class TripMatch:
    """A descriptor resolved to trip `trip`; `by_id` False when found by route and start time."""

    trip: int
    by_id: bool


def read_descriptor(trip: rt.TripDescriptor) -> DescriptorFields | FailureKind:
    """The descriptor's fields, or why they cannot be used (bad direction, start, ADDED)."""
    relationship = trip.schedule_relationship
    if relationship in _ADDED:
        return FailureKind.ADDED_TRIP_UNSUPPORTED
    if relationship in _UNSUPPORTED:
        return FailureKind.UNSUPPORTED_RELATIONSHIP
    direction_id = None
    if trip.HasField("direction_id"):
        if trip.direction_id not in (0, 1):
            return FailureKind.BAD_DIRECTION
        direction_id = int(trip.direction_id)
    start_s = None
    if trip.HasField("start_time"):
        start_s = parse_start_time(text(trip.start_time))
        if start_s is None:
            return FailureKind.BAD_START_TIME
    start_date = None
    if trip.HasField("start_date"):
        start_date = parse_start_date(text(trip.start_date))
        if start_date is None:
            return FailureKind.BAD_START_DATE
    return DescriptorFields(
        trip_id=text(trip.trip_id) or None,
        route_id=text(trip.route_id) or None,
        direction_id=direction_id,
        start_s=start_s,
        start_date=start_date,
        relationship=relationship,
    )


def match_trip(
    ctx: IngestContext,
    network: Network,
    fields: DescriptorFields,
    stops: Callable[[], Sequence[int]] = tuple,
) -> TripMatch | FailureKind:
    """Find the descriptor's trip by id, else by route + direction + start time + start date.

    Real feeds get trip ids wrong (a timetable revision renames them), so an unknown id is
    rescued when the route, the direction (when the descriptor gives one), the start time and
    the date name exactly one running trip. Trips of one route leaving at once in both
    directions are told apart by the direction, else by `stops` (gives the stops the update
    names, in order); several candidates left are refused as `AMBIGUOUS_TRIP`.
    """
    if fields.trip_id is not None:
        found = network.find_trip(ctx.scoped(fields.trip_id))
        if found is not None:
            _check_by_id(ctx, network, found, fields)
            return TripMatch(found, by_id=True)
    rescued = _match_by_start(ctx, network, trip_index(network), fields, stops)
    if isinstance(rescued, TripMatch) and fields.trip_id is not None:
        ctx.stats.note(FailureKind.UNKNOWN_TRIP)
    return rescued


def _check_by_id(ctx: IngestContext, network: Network, trip: int, fields: DescriptorFields) -> None:
    """Note where the rest of a descriptor found by id disagrees with the network (the id wins)."""
    if fields.route_id and network.find_route(ctx.scoped(fields.route_id)) is None:
        ctx.stats.note(FailureKind.UNKNOWN_ROUTE)
    if fields.direction_id is not None and not trip_index(network).runs_towards(
        trip, fields.direction_id
    ):
        ctx.stats.note(FailureKind.DIRECTION_MISMATCH)


def _match_by_start(
    ctx: IngestContext,
    network: Network,
    index: TripIndex,
    fields: DescriptorFields,
    stops: Callable[[], Sequence[int]],
) -> TripMatch | FailureKind:
    if fields.route_id is None or fields.start_s is None or fields.start_date is None:
        return FailureKind.UNKNOWN_TRIP if fields.trip_id else FailureKind.MISSING_TRIP
    route = network.find_route(ctx.scoped(fields.route_id))
    if route is None:
        return FailureKind.UNKNOWN_TRIP
    day = index.day_of(fields.start_date)
    candidates = index.find_by_start(route, fields.start_s, day, fields.direction_id)
    if len(candidates) > 1:
        named = stops()
        candidates = tuple(t for t in candidates if _visits(index.pattern_stops_of(t), named))
    if not candidates:
        return FailureKind.UNKNOWN_TRIP
    if len(candidates) > 1:
        return FailureKind.AMBIGUOUS_TRIP
    return TripMatch(candidates[0], by_id=False)


def _visits(pattern_stops: list[int], stops: Sequence[int]) -> bool:
    """Whether the pattern calls at `stops` in this order (a subsequence test)."""
    remaining = iter(pattern_stops)
    return all(stop in remaining for stop in stops)
