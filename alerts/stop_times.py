"""Reading a TripUpdate's stop time updates onto its trip's pattern positions, checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import MAX_DELAY_S, IngestContext
from alerts.matching import TripIndex
from alerts.models import StopRelationship
from alerts.stats import FailureKind
from routing.network import Network

_StopRel = rt.TripUpdate.StopTimeUpdate.ScheduleRelationship
_SKIPPED = _StopRel.Value("SKIPPED")
_NO_DATA = _StopRel.Value("NO_DATA")


@dataclass(frozen=True, slots=True)
class Event:
    """An arrival or departure as given: an absolute POSIX time, a delay, or both."""

    time: int | None
    delay: int | None


@dataclass(frozen=True, slots=True)
class MatchedStop:
    """A stop time update placed at pattern `position`, before its service day is known."""

    position: int
    stop: int
    arrival: Event | None
    departure: Event | None
    relationship: StopRelationship

    @property
    def first_time(self) -> int | None:
        """The earliest absolute time given, if any."""
        for event in (self.arrival, self.departure):
            if event is not None and event.time is not None:
                return event.time
        return None


@dataclass(frozen=True, slots=True)
class StopTimes:
    """The stop time updates kept, and why the first dropped one was dropped."""

    stops: tuple[MatchedStop, ...]
    first_drop: FailureKind | None


def read_stop_times(
    ctx: IngestContext,
    network: Network,
    index: TripIndex,
    trip: int,
    updates: Sequence[rt.TripUpdate.StopTimeUpdate],
) -> StopTimes | FailureKind:
    """Place each update on the trip's pattern; drop (and count) the unusable ones.

    Out-of-order stop sequences or times reject the whole update: its order cannot be
    trusted, so neither can the delays it implies.
    """
    pattern_stops = index.pattern_stops_of(trip)
    kept: list[MatchedStop] = []
    first_drop: FailureKind | None = None
    cursor = 0
    previous_seq = -1
    for stu in updates:
        if stu.HasField("stop_sequence"):
            if stu.stop_sequence <= previous_seq:
                return FailureKind.UNSORTED_STOP_TIMES
            previous_seq = stu.stop_sequence
        matched = _read_one(ctx, network, pattern_stops, cursor, stu)
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
    network: Network,
    pattern_stops: list[int],
    cursor: int,
    stu: rt.TripUpdate.StopTimeUpdate,
) -> MatchedStop | FailureKind:
    placed = _place(ctx, network, pattern_stops, cursor, stu)
    if isinstance(placed, FailureKind):
        return placed
    position, stop = placed
    relationship = stu.schedule_relationship
    if relationship == _SKIPPED:
        return MatchedStop(position, stop, None, None, StopRelationship.SKIPPED)
    if relationship == _NO_DATA:
        if stu.HasField("arrival") or stu.HasField("departure"):
            ctx.stats.note(FailureKind.NO_DATA_WITH_TIMES)
        return MatchedStop(position, stop, None, None, StopRelationship.NO_DATA)
    if not (stu.HasField("arrival") or stu.HasField("departure")):
        return FailureKind.MISSING_STOP_TIME
    arrival = _read_event(ctx, stu.arrival) if stu.HasField("arrival") else None
    departure = _read_event(ctx, stu.departure) if stu.HasField("departure") else None
    usable = [e for e in (arrival, departure) if isinstance(e, Event)]
    if not usable:
        return next(
            (e for e in (arrival, departure) if isinstance(e, FailureKind)),
            FailureKind.MISSING_STOP_TIME,
        )
    # one bad event of two is noted and the other kept
    for event in (arrival, departure):
        if isinstance(event, FailureKind):
            ctx.stats.note(event)
    return MatchedStop(
        position,
        stop,
        arrival if isinstance(arrival, Event) else None,
        departure if isinstance(departure, Event) else None,
        StopRelationship.SCHEDULED,
    )


def _place(
    ctx: IngestContext,
    network: Network,
    pattern_stops: list[int],
    cursor: int,
    stu: rt.TripUpdate.StopTimeUpdate,
) -> tuple[int, int] | FailureKind:
    if not stu.stop_id:
        # The network keeps pattern positions, not GTFS stop_sequence values, so an update
        # naming only a stop_sequence cannot be placed reliably.
        return (
            FailureKind.STOP_SEQUENCE_ONLY
            if stu.HasField("stop_sequence")
            else (FailureKind.MISSING_STOP)
        )
    stop = network.find_stop(ctx.scoped(stu.stop_id))
    if stop is None:
        return FailureKind.UNKNOWN_STOP
    try:
        return pattern_stops.index(stop, cursor), stop
    except ValueError:
        return FailureKind.STOP_NOT_ON_TRIP


def _read_event(ctx: IngestContext, event: rt.TripUpdate.StopTimeEvent) -> Event | FailureKind:
    time = delay = None
    if event.HasField("time"):
        time = event.time
        if not ctx.plausible_time(time):
            return FailureKind.BAD_TIME
    if event.HasField("delay"):
        delay = event.delay
        if abs(delay) > MAX_DELAY_S:
            return FailureKind.BAD_TIME
    if time is None and delay is None:
        return FailureKind.EMPTY_STOP_TIME_EVENT
    return Event(time, delay)


def _times_increase(stops: Sequence[MatchedStop]) -> bool:
    previous = -1
    for matched in stops:
        for event in (matched.arrival, matched.departure):
            if event is not None and event.time is not None:
                if event.time < previous:
                    return False
                previous = event.time
    return True
