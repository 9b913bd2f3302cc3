"""Building routing's `RealtimeOverlay` for one service day from trip updates and alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alerts.matching import TripIndex, trip_index
from alerts.models import (
    InformedEntity,
    RealtimeUpdate,
    ServiceAlert,
    StopRelationship,
    TripUpdate,
)
from routing.network import Network
from routing.realtime import RealtimeOverlay
from routing.timeutil import SECONDS_PER_DAY

Bools = npt.NDArray[np.bool_]
I32 = npt.NDArray[np.int32]
NO_SERVICE = "NO_SERVICE"


@dataclass(frozen=True, slots=True)
class _Arrays:
    """The overlay's arrays while they are filled (copies of the network's, never its own)."""

    arrival: I32
    departure: I32
    cancelled: Bools
    skipped: Bools
    closed_stops: Bools


def build_overlay(
    network: Network,
    updates: Iterable[RealtimeUpdate],
    day: int,
    *,
    at: float | None = None,
) -> RealtimeOverlay:
    """The realtime state of service day `day` (an index of the network's days).

    Trip updates of that day shift their trip's times: a stop's delay carries on to the
    following stops until the next update (GTFS-RT propagation), and times are made
    non-decreasing along the trip. Cancelled trips and skipped stops are marked. Alerts with
    effect NO_SERVICE close stops (and their platforms), cancel routes and trips, or skip a
    route's or a trip's stop, when active at `at`, or at any time of the day without `at`.
    """
    batches = list(updates)
    index = trip_index(network)
    arrays = _Arrays(
        arrival=network.arrival.copy(),
        departure=network.departure.copy(),
        cancelled=np.zeros(len(network.trip_ids), dtype=np.bool_),
        skipped=np.zeros(network.arrival.shape, dtype=np.bool_),
        closed_stops=np.zeros(network.n_stops, dtype=np.bool_),
    )
    delayed: set[int] = set()
    for batch in batches:
        for update in batch.trip_updates:
            if update.day == day and _apply_trip_update(index, arrays, update):
                delayed.add(update.trip)
    window = (at, at) if at is not None else _day_window(index, day)
    for batch in batches:
        for alert in batch.alerts:
            if alert.effect == NO_SERVICE and alert.is_active_between(*window):
                _apply_no_service(network, index, arrays, alert)
    return RealtimeOverlay(
        network_version=network.version,
        day=day,
        created_at=max((b.received_at for b in batches), default=0.0),
        arrival=arrays.arrival,
        departure=arrays.departure,
        cancelled=arrays.cancelled,
        skipped=arrays.skipped,
        closed_stops=arrays.closed_stops,
        delayed_trips=frozenset(delayed),
    )


def _day_window(index: TripIndex, day: int) -> tuple[float, float]:
    origin = index.day_origin(day)
    return float(origin), float(origin + SECONDS_PER_DAY)


def _time_slots(index: TripIndex, trip: int) -> I32:
    """Indices into the stop-time arrays of each position of `trip`, in order."""
    n_stops = len(index.pattern_stops_of(trip))
    first = index.time_index(trip, 0)
    width = index.time_index(trip, 1) - first if n_stops > 1 else 0
    return np.asarray(first + width * np.arange(n_stops), dtype=np.int32)


def _apply_trip_update(index: TripIndex, arrays: _Arrays, update: TripUpdate) -> bool:
    """Write the update's times (or cancellation) into `arrays`; True if any time changed."""
    slots = _time_slots(index, update.trip)
    if update.cancelled:
        arrays.cancelled[update.trip] = True
        return False
    arrival_delay, departure_delay, first = propagate_delays(len(slots), update)
    for u in update.stop_time_updates:
        if u.relationship is StopRelationship.SKIPPED:
            arrays.skipped[slots[u.position]] = True
    if first is None:
        return False
    arrival = arrays.arrival[slots] + arrival_delay
    departure = arrays.departure[slots] + departure_delay
    arrival, departure = monotonic_times(arrival, departure, first)
    changed = bool(
        np.any(arrival != arrays.arrival[slots]) or np.any(departure != arrays.departure[slots])
    )
    arrays.arrival[slots] = arrival
    arrays.departure[slots] = departure
    return changed


def propagate_delays(n_stops: int, update: TripUpdate) -> tuple[I32, I32, int | None]:
    """Per-position arrival and departure delays of a trip, and the first position updated.

    A delay holds from the stop that gives it until the next stop that gives one (NO_DATA
    returns to the timetable); a stop giving only a departure keeps the delay carried in for
    its arrival (its own departure delay when none is), and a stop giving only an arrival
    keeps that delay for its departure. The trip-level delay, when given, applies wherever
    no stop time update says otherwise.
    """
    arrival = np.zeros(n_stops, dtype=np.int32)
    departure = np.zeros(n_stops, dtype=np.int32)
    by_position = {u.position: u for u in update.stop_time_updates}
    current = update.delay_s
    first = 0 if current is not None else None
    for position in range(n_stops):
        u = by_position.get(position)
        arrival_delay = current
        if u is not None and u.relationship is StopRelationship.NO_DATA:
            current = arrival_delay = update.delay_s
        elif u is not None and u.relationship is StopRelationship.SCHEDULED:
            first = position if first is None else first
            if u.arrival_delay_s is not None:
                arrival_delay = u.arrival_delay_s
            elif current is None:
                arrival_delay = u.departure_delay_s
            current = u.departure_delay_s if u.departure_delay_s is not None else arrival_delay
        arrival[position] = arrival_delay or 0
        departure[position] = current or 0
    return arrival, departure, first


def monotonic_times(arrival: I32, departure: I32, first: int) -> tuple[I32, I32]:
    """Make arrival <= departure <= next arrival along the trip.

    From the first updated position on, a time is raised to the one before it (a train
    cannot leave before it arrived); before it, times are lowered to the one after (a train
    reported early must have passed the earlier stops early too).
    """
    times = np.empty(2 * len(arrival), dtype=np.int32)
    times[0::2], times[1::2] = arrival, departure
    split = 2 * first
    times[split:] = np.maximum.accumulate(times[split:])
    if split:
        head = times[: split + 1][::-1]
        times[: split + 1] = np.minimum.accumulate(head)[::-1]
    return times[0::2].copy(), times[1::2].copy()


def _apply_no_service(
    network: Network, index: TripIndex, arrays: _Arrays, alert: ServiceAlert
) -> None:
    for entity in alert.informed_entities:
        stops = _stops_of(network, entity.stop_id)
        trip = network.find_trip(entity.trip_id) if entity.trip_id else None
        route = network.find_route(entity.route_id) if entity.route_id else None
        if trip is not None:
            _close_on_trips(index, arrays, [trip], stops)
        elif route is not None:
            trips = np.flatnonzero(network.trip_route == route).tolist()
            _close_on_trips(index, arrays, trips, stops)
        elif stops and _only_stop(entity):
            arrays.closed_stops[list(stops)] = True


def _only_stop(entity: InformedEntity) -> bool:
    """Whether the entity names a stop and nothing narrower or wider (then the stop closes)."""
    others = (entity.agency_id, entity.route_id, entity.route_type, entity.direction_id)
    return entity.trip_id is None and all(value is None for value in others)


def _stops_of(network: Network, stop_id: str | None) -> frozenset[int]:
    """The stop and, for a station, its platforms and entrances."""
    if stop_id is None:
        return frozenset()
    stop = network.find_stop(stop_id)
    if stop is None:
        return frozenset()
    children = np.flatnonzero(network.stop_parent == stop).tolist()
    return frozenset([int(stop), *children])


def _close_on_trips(
    index: TripIndex, arrays: _Arrays, trips: Sequence[int], stops: frozenset[int]
) -> None:
    """Cancel `trips`, or when `stops` are named, skip those stops on them only."""
    if not stops:
        arrays.cancelled[list(trips)] = True
        return
    for trip in trips:
        slots = _time_slots(index, trip)
        pattern_stops = index.pattern_stops_of(trip)
        for position, stop in enumerate(pattern_stops):
            if stop in stops:
                arrays.skipped[slots[position]] = True
