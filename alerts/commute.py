"""Commutes: the usual itineraries planned, what they ride watched, and an alternative that avoids.

The hub hands in a planner (`Planner`: a `Query` and an overlay in, a `Plan` out). A commute
is planned for its next occurrence (the next of its weekdays whose window has not ended);
the transit legs found become `CommuteLeg`s and a `Watch` of routes, stops, trips and
agencies. When an alert concerns one of those legs, the commute is planned again on an
overlay where the alert's trips and routes do not run and its stops are closed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from alerts.attach import leg_facts, route_agencies, with_stations
from alerts.leg_disruptions import is_leg_disruption
from alerts.models import InformedEntity, ServiceAlert
from alerts.subscriptions import WEEKDAYS, Commute, CommuteLeg, Subscription, Watch
from routing.network import Network
from routing.plan import Itinerary, Plan
from routing.query import Coordinate, Location, Query, StopRef
from routing.realtime import RealtimeOverlay

Planner = Callable[[Query, RealtimeOverlay | None], Plan]
MAX_ITINERARIES = 3
OCCURRENCE_MARGIN = dt.timedelta(hours=3)


def parse_location(text: str) -> Location:
    """``LAT,LON`` or a feed-scoped stop id.

    Raises:
        ValueError: when it is neither.
    """
    lat_text, comma, lon_text = text.partition(",")
    if comma:
        lat, lon = float(lat_text), float(lon_text)
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            raise ValueError(f"coordinates out of range: {text!r}")
        return Coordinate(lat, lon)
    feed, colon, stop = text.partition(":")
    if not (colon and feed and stop):
        raise ValueError(f"expected LAT,LON or FEED:STOP, got {text!r}")
    return StopRef(text)


def next_occurrence(commute: Commute, now: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The next day (today included while its window is not over) the commute is made."""
    local = now.astimezone(tz)
    end = commute.window.minutes(commute.window.end)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in commute.weekdays:
            continue
        if offset > 0 or local.hour * 60 + local.minute <= end:
            return day
    raise AssertionError("a commute has at least one weekday")


def commute_query(commute: Commute, day: dt.date, tz: dt.tzinfo) -> Query:
    """The query of the commute on `day`: every departure (or arrival) of its window."""
    window = commute.window
    anchor = window.end if window.kind == "arrive" else window.start
    hours, minutes = int(anchor[:2]), int(anchor[3:])
    return Query(
        origin=parse_location(commute.origin),
        destination=parse_location(commute.destination),
        time=dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=tz),
        arrive_by=window.kind == "arrive",
        window_min=window.length_min,
    )


def commute_legs(itineraries: Iterable[Itinerary]) -> list[CommuteLeg]:
    """The transit legs of the usual itineraries, without repeats."""
    legs: dict[tuple[str, str | None, str | None], CommuteLeg] = {}
    for itinerary in itineraries:
        for leg in itinerary.legs:
            if not leg.transit or leg.route is None:
                continue
            trip = None if leg.trip_id is None else f"{leg.route.feed}:{leg.trip_id}"
            stops = [leg.from_.id, *(p.id for p in leg.intermediate_stops), leg.to.id]
            found = CommuteLeg(
                route_id=leg.route.id,
                trip_id=trip,
                from_stop=leg.from_.id,
                to_stop=leg.to.id,
                stops=[s for s in stops if s is not None],
                departure=leg.departure.strftime("%H:%M"),
                arrival=leg.arrival.strftime("%H:%M"),
            )
            legs.setdefault((found.route_id, found.trip_id, found.from_stop), found)
    return list(legs.values())


def watch_of(network: Network, itineraries: Sequence[Itinerary]) -> Watch:
    """Routes, stops (with their stations), trips and agencies of the itineraries' rides."""
    routes: set[str] = set()
    stops: set[str] = set()
    trips: set[str] = set()
    agencies: set[str] = set()
    for itinerary in itineraries:
        for leg in itinerary.legs:
            facts = leg_facts(leg, network)
            if facts is None:
                continue
            routes.add(facts.route_id or "")
            stops |= facts.stops | with_stations(network, (p.id for p in leg.intermediate_stops))
            trips |= {facts.trip_id} if facts.trip_id else set()
            agencies |= facts.agencies
    routes.discard("")
    return Watch(
        routes=frozenset(routes),
        stops=frozenset(stops),
        trips=frozenset(trips),
        agencies=frozenset(agencies),
    )


def affected_legs(legs: Sequence[CommuteLeg], alert: ServiceAlert) -> list[CommuteLeg]:
    """The commute legs the alert names.

    A leg is named by an informed entity whose every field it matches, as GTFS-RT means it
    (the trip, the route, a stop among the leg's): "trip 310 at Palo Alto" names the legs
    riding train 310 through Palo Alto, not every leg through Palo Alto. An alert derived for
    a leg (`is_leg_disruption`) names exactly the legs riding its trip from its first stop to
    its second. Agency-wide entities name no leg.
    """
    if is_leg_disruption(alert):
        return [leg for leg in legs if _same_ride(leg, alert.informed_entities)]
    return [leg for leg in legs if any(_names(e, leg) for e in alert.informed_entities)]


def _names(entity: InformedEntity, leg: CommuteLeg) -> bool:
    if entity.trip_id is None and entity.route_id is None and entity.stop_id is None:
        return False
    return (
        (entity.trip_id is None or entity.trip_id == leg.trip_id)
        and (entity.route_id is None or entity.route_id == leg.route_id)
        and (entity.stop_id is None or entity.stop_id in leg.stops)
    )


def _same_ride(leg: CommuteLeg, entities: Sequence[InformedEntity]) -> bool:
    ride = [(e.trip_id, e.stop_id) for e in entities]
    return ride == [(leg.trip_id, leg.from_stop), (leg.trip_id, leg.to_stop)]


def avoiding_overlay(
    network: Network, base: RealtimeOverlay | None, alert: ServiceAlert, day: int
) -> RealtimeOverlay:
    """`base` (or the timetable) for service day `day`, without what the alert disrupts.

    Each informed entity is avoided whole: the trip it names is cancelled (its stops stay
    open to other trips), else its route's trips, else the stop it names (with its platforms)
    is closed; so a plan on the overlay finds a way around. Agency-wide alerts close
    nothing: the realtime times already carry their delays.
    """
    live = base if base is not None and base.day == day else None
    if live is None:
        cancelled = np.zeros(len(network.trip_ids), dtype=np.bool_)
        closed = np.zeros(network.n_stops, dtype=np.bool_)
    else:
        cancelled, closed = live.cancelled.copy(), live.closed_stops.copy()
    for entity in alert.informed_entities:
        trip = None if entity.trip_id is None else network.find_trip(entity.trip_id)
        route = None if entity.route_id is None else network.find_route(entity.route_id)
        stop = None if entity.stop_id is None else network.find_stop(entity.stop_id)
        if trip is not None:
            cancelled[trip] = True
        elif route is not None:
            cancelled |= network.trip_route == route
        elif stop is not None:
            closed[int(stop)] = True
            closed[network.stop_parent == stop] = True
    return RealtimeOverlay(
        network_version=network.version,
        day=day,
        created_at=0.0 if live is None else live.created_at,
        arrival=network.arrival if live is None else live.arrival,
        departure=network.departure if live is None else live.departure,
        cancelled=cancelled,
        skipped=_no_skips(network) if live is None else live.skipped,
        closed_stops=closed,
        delayed_trips=frozenset() if live is None else live.delayed_trips,
    )


def _no_skips(network: Network) -> np.ndarray:
    return np.zeros(network.arrival.shape, dtype=np.bool_)


def alternative(
    planner: Planner,
    network: Network,
    commute: Commute,
    alert: ServiceAlert,
    *,
    now: dt.datetime,
    base: RealtimeOverlay | None,
) -> Itinerary | None:
    """The best itinerary of the commute's next occurrence that avoids what the alert disrupts."""
    day = next_occurrence(commute, now, network.tz)
    overlay = avoiding_overlay(network, base, alert, network.day_index(day))
    found = planner(commute_query(commute, day, network.tz), overlay)
    for itinerary in found.itineraries:
        if not affected_legs(commute_legs([itinerary]), alert):
            return itinerary
    return None


def agencies_of_routes(network: Network, route_ids: Iterable[str]) -> frozenset[str]:
    """The agencies of routes named by feed-scoped id (unknown ids are skipped)."""
    found: set[str] = set()
    for route_id in route_ids:
        route = network.find_route(route_id)
        if route is not None:
            found |= route_agencies(network, route)
    return frozenset(found)


def concerns(subscription: Subscription, alert: ServiceAlert, *, now: float, tz: dt.tzinfo) -> bool:
    """Whether the dispatcher sends `alert` to `subscription`.

    An alert derived for a commute leg (`is_leg_disruption`) concerns the commutes riding
    that very leg on their next occurrence: its period meets the commute's window widened by
    `OCCURRENCE_MARGIN` (an arrive-by window's rides leave before it, a depart one's end after
    it), so train 310's delay today does not reach a commute made tomorrow. Any other alert
    concerns the subscriptions that watch one of its entities.
    """
    if not is_leg_disruption(alert):
        return subscription.watch.concerns(alert)
    commute = subscription.spec.commute
    if commute is None or not affected_legs(subscription.commute_legs, alert):
        return False
    moment = dt.datetime.fromtimestamp(now, tz)
    day = next_occurrence(commute, moment, tz)
    window = commute.window
    start = dt.datetime.combine(day, dt.time(int(window.start[:2]), int(window.start[3:])), tz)
    end = start + dt.timedelta(minutes=window.length_min)
    margin = OCCURRENCE_MARGIN
    return alert.is_active_between((start - margin).timestamp(), (end + margin).timestamp())
