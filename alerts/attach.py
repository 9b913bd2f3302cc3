"""Alerts attached to a plan: on each transit leg they concern, agency-wide ones once per itinerary.

An alert concerns a leg when one of its informed entities matches the leg (every field the
entity sets must match: agency, route, route type, trip, stop — the boarding or alighting stop
or its station) and one of its active periods meets the leg's time window. An entity naming
only an agency concerns the whole itinerary, so such an alert is listed once in
`Itinerary.alerts` rather than on every leg of that agency. Direction is not known per leg
and is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from alerts.models import InformedEntity, ServiceAlert
from routing.ids import SEPARATOR
from routing.network import Network
from routing.plan import AlertRef, Itinerary, Leg, Plan


@dataclass(frozen=True, slots=True)
class LegFacts:
    """What an informed entity is compared with, for one transit leg."""

    agencies: frozenset[str]
    route_id: str | None
    route_type: int | None
    trip_id: str | None
    stops: frozenset[str]
    start: float
    end: float


def alert_ref(alert: ServiceAlert, lang: str | None) -> AlertRef:
    """The alert as legs and itineraries carry it, texts in `lang` when the feed has it."""
    header = alert.header.text(lang) or alert.description.text(lang) or alert.effect
    return AlertRef(
        id=alert.id,
        header=header,
        description=alert.description.text(lang),
        cause=alert.cause,
        effect=alert.effect,
        url=alert.url.text(lang),
    )


def attach_alerts(
    plan: Plan, alerts: Sequence[ServiceAlert], network: Network, lang: str | None
) -> Plan:
    """`plan` with the `alerts` that concern its legs attached (pure: a new `Plan`)."""
    if not alerts or not plan.itineraries:
        return plan
    itineraries = [_attach(it, alerts, network, lang) for it in plan.itineraries]
    return plan.model_copy(update={"itineraries": itineraries})


def _attach(
    itinerary: Itinerary, alerts: Sequence[ServiceAlert], network: Network, lang: str | None
) -> Itinerary:
    legs: list[Leg] = []
    wide: dict[str, AlertRef] = {a.id: a for a in itinerary.alerts}
    for leg in itinerary.legs:
        facts = leg_facts(leg, network)
        if facts is None:
            legs.append(leg)
            continue
        on_leg = {a.id: a for a in leg.alerts}
        for alert in alerts:
            if not alert.is_active_between(facts.start, facts.end):
                continue
            if any(_agency_only(e) and _matches(e, facts) for e in alert.informed_entities):
                wide.setdefault(alert.id, alert_ref(alert, lang))
            elif any(not _agency_only(e) and _matches(e, facts) for e in alert.informed_entities):
                on_leg.setdefault(alert.id, alert_ref(alert, lang))
        legs.append(leg.model_copy(update={"alerts": list(on_leg.values())}))
    return itinerary.model_copy(update={"legs": legs, "alerts": list(wide.values())})


def leg_facts(leg: Leg, network: Network) -> LegFacts | None:
    """The leg's route, trip, stops and agencies as feed-scoped ids; None for a street leg."""
    if not leg.transit or leg.route is None:
        return None
    route = network.find_route(leg.route.id)
    feed = leg.route.feed
    stops = with_stations(network, (leg.from_.id, leg.to.id))
    return LegFacts(
        agencies=route_agencies(network, route) if route is not None else frozenset(),
        route_id=leg.route.id,
        route_type=None if route is None else int(network.route_type[route]),
        trip_id=None if leg.trip_id is None else f"{feed}{SEPARATOR}{leg.trip_id}",
        stops=stops,
        start=leg.departure.timestamp(),
        end=leg.arrival.timestamp(),
    )


def route_agencies(network: Network, route: int) -> frozenset[str]:
    """The feed-scoped agency ids a route belongs to.

    The network keeps agency names per route, not ids: a one-agency feed's routes all belong
    to its agency; in a feed of several, a route belongs to the agency whose label (its id,
    or its name when the id is blank) is the route's agency name, else to none known.
    """
    feed = network.feeds[int(network.route_feed[route])]
    if len(feed.agencies) == 1:
        return frozenset({f"{feed.id}{SEPARATOR}{feed.agencies[0]}"})
    name = network.route_agency_names[route]
    return frozenset({f"{feed.id}{SEPARATOR}{name}"}) if name in feed.agencies else frozenset()


def with_stations(network: Network, stop_ids: Iterable[str | None]) -> frozenset[str]:
    """The stops and the stations they belong to."""
    found: set[str] = set()
    for stop_id in stop_ids:
        if stop_id is None:
            continue
        found.add(stop_id)
        stop = network.find_stop(stop_id)
        if stop is not None and int(network.stop_parent[stop]) >= 0:
            found.add(network.stop_ids[int(network.stop_parent[stop])])
    return frozenset(found)


def _agency_only(entity: InformedEntity) -> bool:
    return entity.agency_id is not None and (
        entity.route_id is None
        and entity.trip_id is None
        and entity.stop_id is None
        and entity.route_type is None
    )


def _matches(entity: InformedEntity, leg: LegFacts) -> bool:
    """Whether every field the entity sets matches the leg."""
    return (
        (entity.agency_id is None or entity.agency_id in leg.agencies)
        and (entity.route_id is None or entity.route_id == leg.route_id)
        and (entity.route_type is None or entity.route_type == leg.route_type)
        and (entity.trip_id is None or entity.trip_id == leg.trip_id)
        and (entity.stop_id is None or entity.stop_id in leg.stops)
    )
