"""Resolving a GTFS-RT TripDescriptor to a network trip: by trip_id, else route + start time."""

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
    start_s: int | None
    start_date: dt.date | None
    relationship: int


@dataclass(frozen=True, slots=True)
class TripMatch:
    """A descriptor resolved to trip `trip`; `by_id` False when found by route and start time."""

    trip: int
    by_id: bool


def read_descriptor(trip: rt.TripDescriptor) -> DescriptorFields | FailureKind:
    """The descriptor's fields, or why they cannot be used (bad start time or date, ADDED)."""
    relationship = trip.schedule_relationship
    if relationship in _ADDED:
        return FailureKind.ADDED_TRIP_UNSUPPORTED
    if relationship in _UNSUPPORTED:
        return FailureKind.UNSUPPORTED_RELATIONSHIP
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
    """Find the descriptor's trip by id, falling back to route + start time + start date.

    Real feeds get trip ids wrong (a timetable revision renames them), so an unknown id is
    rescued when the route, start time and date name exactly one running trip; `stops` (gives
    the stops the update names, in order) separates trips leaving at once in both directions.
    """
    if fields.trip_id is not None:
        found = network.find_trip(ctx.scoped(fields.trip_id))
        if found is not None:
            if fields.route_id and network.find_route(ctx.scoped(fields.route_id)) is None:
                ctx.stats.note(FailureKind.UNKNOWN_ROUTE)
            return TripMatch(found, by_id=True)
    rescued = _match_by_start(ctx, network, trip_index(network), fields, stops)
    if isinstance(rescued, TripMatch) and fields.trip_id is not None:
        ctx.stats.note(FailureKind.UNKNOWN_TRIP)
    return rescued


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
    candidates = index.find_by_start(route, fields.start_s, index.day_of(fields.start_date))
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
