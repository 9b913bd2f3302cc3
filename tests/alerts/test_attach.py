"""Alerts attached to planned itineraries on the tiny inline network (route, stop, trip, agency)."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.attach import attach_alerts
from alerts.models import ActivePeriod, InformedEntity, ServiceAlert, TranslatedText
from routing.network import Network
from routing.plan import Plan
from routing.planner import plan
from routing.query import Query, StopRef
from tests.alerts.conftest import TINY_DAY, at


def alert(
    alert_id: str, *entities: InformedEntity, periods: tuple[ActivePeriod, ...] = ()
) -> ServiceAlert:
    return ServiceAlert(
        id=alert_id,
        feed_id="t",
        entity_id=alert_id,
        active_periods=periods,
        informed_entities=entities,
        cause="CONSTRUCTION",
        effect="DETOUR",
        header=TranslatedText(
            (("en", f"{alert_id} in English"), ("fr", f"{alert_id} en français"))
        ),
        description=TranslatedText(),
        url=TranslatedText(),
    )


@pytest.fixture(scope="module")
def a_to_c(tiny: Network) -> Plan:
    """A to C at 07:55: trip T1 (route R1) from 08:00 to 08:20."""
    moment = dt.datetime.fromtimestamp(at(tiny, TINY_DAY, "07:55"), tiny.tz)
    found = plan(tiny, None, None, Query(StopRef("t:A"), StopRef("t:C"), moment))
    assert found.itineraries and found.itineraries[0].legs[0].trip_id == "T1"
    return found


def leg_alert_ids(found: Plan) -> list[list[str]]:
    return [[a.id for a in leg.alerts] for leg in found.itineraries[0].legs]


def test_route_stop_and_trip_alerts_go_on_the_leg(tiny: Network, a_to_c: Plan) -> None:
    alerts = [
        alert("route", InformedEntity(route_id="t:R1")),
        alert("station", InformedEntity(stop_id="t:ST")),  # C is a platform of ST
        alert("trip", InformedEntity(trip_id="t:T1")),
        alert("route at stop", InformedEntity(route_id="t:R1", stop_id="t:A")),
        alert("other trip", InformedEntity(trip_id="t:T2")),
        alert("other route", InformedEntity(route_id="t:R2")),
        alert("other stop", InformedEntity(stop_id="t:D")),
        alert("R2 at A", InformedEntity(route_id="t:R2", stop_id="t:A")),
    ]
    found = attach_alerts(a_to_c, alerts, tiny, "en")
    assert leg_alert_ids(found) == [["route", "station", "trip", "route at stop"]]
    assert found.itineraries[0].alerts == []


def test_agency_alert_once_per_itinerary_not_on_legs(tiny: Network, a_to_c: Plan) -> None:
    found = attach_alerts(a_to_c, [alert("agency", InformedEntity(agency_id="t:AG"))], tiny, "fr")
    (wide,) = found.itineraries[0].alerts
    assert wide.id == "agency" and wide.header == "agency en français"
    assert leg_alert_ids(found) == [[]]


def test_only_alerts_active_during_the_leg(tiny: Network, a_to_c: Plan) -> None:
    def period(start: str, end: str) -> tuple[ActivePeriod, ...]:
        return (ActivePeriod(at(tiny, TINY_DAY, start), at(tiny, TINY_DAY, end)),)

    alerts = [
        alert("before", InformedEntity(route_id="t:R1"), periods=period("06:00", "07:59")),
        alert("during", InformedEntity(route_id="t:R1"), periods=period("08:10", "08:15")),
        alert("after", InformedEntity(route_id="t:R1"), periods=period("08:21", "09:00")),
    ]
    assert leg_alert_ids(attach_alerts(a_to_c, alerts, tiny, None)) == [["during"]]


def test_nothing_to_attach_returns_the_plan(tiny: Network, a_to_c: Plan) -> None:
    assert attach_alerts(a_to_c, [], tiny, "en") is a_to_c
