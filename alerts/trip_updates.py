"""One GTFS-RT TripUpdate entity into a `TripUpdate` of the network, or the reason it is not."""

from __future__ import annotations

import datetime as dt

from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import MAX_DELAY_S, IngestContext, text
from alerts.descriptors import CANCELLED, match_trip, read_descriptor
from alerts.matching import TripIndex
from alerts.models import StopRelationship, StopTimeUpdate, TripRelationship, TripUpdate
from alerts.stats import FailureKind
from alerts.stop_times import Event, MatchedStop, StopTimes, read_stop_times
from routing.network import Network


def convert_trip_update(ctx: IngestContext, update: rt.TripUpdate) -> TripUpdate | FailureKind:
    """Match the update's trip and stops, infer its service day, and turn times into delays."""
    if not update.HasField("trip"):
        return FailureKind.MISSING_TRIP
    fields = read_descriptor(update.trip)
    if isinstance(fields, FailureKind):
        return fields
    if ctx.network is None or ctx.index is None:
        return FailureKind.UNMATCHED
    network, index = ctx.network, ctx.index
    if update.HasField("timestamp") and not ctx.plausible_time(update.timestamp):
        ctx.stats.note(FailureKind.BAD_TIME)
    match = match_trip(ctx, network, fields, lambda: _named_stops(ctx, update))
    if isinstance(match, FailureKind):
        return match
    read = read_stop_times(ctx, index.pattern_stops_of(match.trip), update.stop_time_update)
    if isinstance(read, FailureKind):
        return read
    cancelled = fields.relationship in CANCELLED
    trip_delay = _trip_delay(ctx, update)
    if not (cancelled or read.stops or trip_delay is not None):
        return read.first_drop or FailureKind.NO_STOP_TIME_UPDATES
    day = _service_day(ctx, index, match.trip, fields.start_date, read)
    if day is None:
        return FailureKind.INACTIVE_TRIP
    stop_time_updates = _resolve(ctx, network, index, match.trip, day, read.stops)
    if not (cancelled or stop_time_updates or trip_delay is not None):
        return FailureKind.BAD_TIME
    if (match.trip, day) in ctx.stats.seen_trips:
        return FailureKind.DUPLICATE_TRIP
    ctx.stats.seen_trips.add((match.trip, day))
    if match.by_id:
        ctx.stats.matched_by_id += 1
    else:
        ctx.stats.matched_by_descriptor += 1
    return TripUpdate(
        trip=match.trip,
        day=day,
        trip_id=network.trip_ids[match.trip],
        relationship=TripRelationship.CANCELED if cancelled else TripRelationship.SCHEDULED,
        stop_time_updates=stop_time_updates,
        delay_s=trip_delay,
        timestamp=update.timestamp if update.HasField("timestamp") else None,
        vehicle_id=text(update.vehicle.id) or None,
    )


def _named_stops(ctx: IngestContext, update: rt.TripUpdate) -> list[int]:
    """The known stops the update names, in order (to tell apart trips found by start time)."""
    found = (ctx.find_stop(s.stop_id) for s in update.stop_time_update)
    return [stop for stop in found if stop is not None]


def _trip_delay(ctx: IngestContext, update: rt.TripUpdate) -> int | None:
    if not update.HasField("delay"):
        return None
    if abs(update.delay) > MAX_DELAY_S:
        ctx.stats.note(FailureKind.BAD_TIME)
        return None
    return update.delay


def _service_day(
    ctx: IngestContext,
    index: TripIndex,
    trip: int,
    start_date: dt.date | None,
    read: StopTimes,
) -> int | None:
    """The start date's day when given (if the trip runs then), else the nearest running day."""
    if start_date is not None:
        day = index.day_of(start_date)
        return day if index.is_active(trip, day) else None
    for matched in read.stops:
        first_time = matched.first_time
        if first_time is not None:
            return index.infer_day(trip, first_time, matched.position)
    return index.infer_day(trip, ctx.now, None)


def _resolve(
    ctx: IngestContext,
    network: Network,
    index: TripIndex,
    trip: int,
    day: int,
    stops: tuple[MatchedStop, ...],
) -> tuple[StopTimeUpdate, ...]:
    origin = index.day_origin(day)
    slots = index.trip_slots(trip, [matched.position for matched in stops])
    # one numpy gather per trip, then plain ints: indexing numpy per stop is the slow part
    arrivals, departures = network.arrival[slots].tolist(), network.departure[slots].tolist()
    resolved = []
    for matched, arrival_s, departure_s in zip(stops, arrivals, departures, strict=True):
        arrival = _delay(ctx, matched.arrival, origin + arrival_s)
        departure = _delay(ctx, matched.departure, origin + departure_s)
        scheduled = matched.relationship is StopRelationship.SCHEDULED
        if scheduled and arrival is None and departure is None:
            continue  # both events were beyond MAX_DELAY_S and were counted as bad times
        resolved.append(
            StopTimeUpdate(matched.position, matched.stop, arrival, departure, matched.relationship)
        )
    return tuple(resolved)


def _delay(ctx: IngestContext, event: Event | None, scheduled_posix: int) -> int | None:
    if event is None:
        return None
    time, given_delay = event
    delay = time - scheduled_posix if time is not None else given_delay or 0
    if abs(delay) > MAX_DELAY_S:
        ctx.stats.note(FailureKind.BAD_TIME)
        return None
    return delay
