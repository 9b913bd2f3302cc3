"""Reading a TripUpdate's stop time updates onto its trip's pattern positions, checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import MAX_DELAY_S, MAX_EVENT_SKEW_S, IngestContext
from alerts.models import StopRelationship
from alerts.stats import FailureKind

_StopRel = rt.TripUpdate.StopTimeUpdate.ScheduleRelationship
_SKIPPED = _StopRel.Value("SKIPPED")
_NO_DATA = _StopRel.Value("NO_DATA")


# An arrival or departure as given: (POSIX time, delay), either possibly None. A plain tuple:
# this is built twice per stop time update, the hot path of a large feed.
Event = tuple[int | None, int | None]


class MatchedStop(NamedTuple):
    """A stop time update placed at pattern `position`, before its service day is known.

    A named tuple rather than a dataclass: it is built once per stop time update.
    """

    position: int
    stop: int
    arrival: Event | None
    departure: Event | None
    relationship: StopRelationship

    @property
    def first_time(self) -> int | None:
        """The earliest absolute time given, if any."""
        for event in (self.arrival, self.departure):
            if event is not None and event[0] is not None:
                return event[0]
        return None


@dataclass(frozen=True, slots=True)
class StopTimes:
    """The stop time updates kept, and why the first dropped one was dropped."""

    stops: tuple[MatchedStop, ...]
    first_drop: FailureKind | None


def read_stop_times(
    ctx: IngestContext,
    pattern_stops: list[int],
    updates: Sequence[rt.TripUpdate.StopTimeUpdate],
) -> StopTimes | FailureKind:
    """Place each update on the trip's pattern; drop (and count) the unusable ones.

    Out-of-order stop sequences or times reject the whole update: its order cannot be
    trusted, so neither can the delays it implies.
    """
    kept: list[MatchedStop] = []
    first_drop: FailureKind | None = None
    cursor = 0
    previous_seq = -1
    for stu in updates:
        has_sequence = stu.HasField("stop_sequence")
        if has_sequence:
            if stu.stop_sequence <= previous_seq:
                return FailureKind.UNSORTED_STOP_TIMES
            previous_seq = stu.stop_sequence
        matched = _read_one(ctx, pattern_stops, cursor, stu, has_sequence)
        if isinstance(matched, FailureKind):
            ctx.stats.note(matched)
            first_drop = first_drop or matched
            continue
        kept.append(matched)
        cursor = matched.position + 1
    if not _times_increase(kept):
        return FailureKind.DECREASING_TIMES
    return StopTimes(tuple(kept), first_drop)


def _read_one(
    ctx: IngestContext,
    pattern_stops: list[int],
    cursor: int,
    stu: rt.TripUpdate.StopTimeUpdate,
    has_sequence: bool,
) -> MatchedStop | FailureKind:
    stop_id = stu.stop_id
    if not stop_id:
        # The network keeps pattern positions, not GTFS stop_sequence values, so an update
        # naming only a stop_sequence cannot be placed reliably.
        return FailureKind.STOP_SEQUENCE_ONLY if has_sequence else FailureKind.MISSING_STOP
    stop = ctx.find_stop(stop_id)
    if stop is None:
        return FailureKind.UNKNOWN_STOP
    try:
        position = pattern_stops.index(stop, cursor)
    except ValueError:
        return FailureKind.STOP_NOT_ON_TRIP
    relationship = stu.schedule_relationship
    if relationship == _SKIPPED:
        return MatchedStop(position, stop, None, None, StopRelationship.SKIPPED)
    if relationship == _NO_DATA:
        if stu.HasField("arrival") or stu.HasField("departure"):
            ctx.stats.note(FailureKind.NO_DATA_WITH_TIMES)
        return MatchedStop(position, stop, None, None, StopRelationship.NO_DATA)
    events = _read_events(ctx, stu)
    if isinstance(events, FailureKind):
        return events
    return MatchedStop(position, stop, *events, StopRelationship.SCHEDULED)


def _read_events(
    ctx: IngestContext, stu: rt.TripUpdate.StopTimeUpdate
) -> tuple[Event | None, Event | None] | FailureKind:
    """Arrival and departure; one bad event of two is noted and the other kept."""
    has_arrival, has_departure = stu.HasField("arrival"), stu.HasField("departure")
    if not (has_arrival or has_departure):
        return FailureKind.MISSING_STOP_TIME
    arrival = _read_event(ctx.now, stu.arrival) if has_arrival else None
    departure = _read_event(ctx.now, stu.departure) if has_departure else None
    if isinstance(arrival, FailureKind):
        if not isinstance(departure, tuple):
            return arrival
        ctx.stats.note(arrival)
        arrival = None
    if isinstance(departure, FailureKind):
        if arrival is None:
            return departure
        ctx.stats.note(departure)
        departure = None
    return arrival, departure


def _read_event(now: float, event: rt.TripUpdate.StopTimeEvent) -> Event | FailureKind:
    has_time, has_delay = event.HasField("time"), event.HasField("delay")
    if not (has_time or has_delay):
        return FailureKind.EMPTY_STOP_TIME_EVENT
    time = event.time if has_time else None
    if time is not None and abs(time - now) > MAX_EVENT_SKEW_S:
        return FailureKind.BAD_TIME  # E001: milliseconds, or a wrong clock
    delay = event.delay if has_delay else None
    if delay is not None and abs(delay) > MAX_DELAY_S:
        return FailureKind.BAD_TIME
    return (time, delay)


def _times_increase(stops: Sequence[MatchedStop]) -> bool:
    previous = -1
    for matched in stops:
        for event in (matched.arrival, matched.departure):
            if event is not None and event[0] is not None:
                if event[0] < previous:
                    return False
                previous = event[0]
    return True
