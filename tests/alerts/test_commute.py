"""Commutes on the tiny network: next occurrence, watched legs, an alternative around an alert."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.commute import (
    affected_legs,
    alternative,
    avoiding_overlay,
    commute_legs,
    commute_query,
    next_occurrence,
    parse_location,
    watch_of,
)
from alerts.models import InformedEntity, ServiceAlert, TranslatedText
from alerts.subscriptions import Commute, TimeWindow
from routing.network import Network
from routing.planner import plan
from routing.query import Coordinate, StopRef
from tests.alerts.conftest import TINY_DAY

PARIS = dt.timezone(dt.timedelta(hours=1))
COMMUTE = Commute(
    origin="t:A",
    destination="t:D",
    weekdays=["wed"],
    window=TimeWindow(kind="depart", start="07:50", end="08:10"),
)


def disruption(**entity: str) -> ServiceAlert:
    return ServiceAlert(
        id="x",
        feed_id="t",
        entity_id="x",
        active_periods=(),
        informed_entities=(InformedEntity(**entity),),
        cause="TECHNICAL_PROBLEM",
        effect="NO_SERVICE",
        header=TranslatedText((("en", "Breakdown"),)),
        description=TranslatedText(),
        url=TranslatedText(),
    )


def test_locations_and_next_occurrence() -> None:
    assert parse_location("48.8,2.3") == Coordinate(48.8, 2.3)
    assert parse_location("t:A") == StopRef("t:A")
    with pytest.raises(ValueError):
        parse_location("nowhere")
    wednesday = dt.datetime(2024, 1, 10, 7, 0, tzinfo=PARIS)  # TINY_DAY is a Wednesday
    assert next_occurrence(COMMUTE, wednesday, PARIS) == TINY_DAY
    after_window = wednesday.replace(hour=9)
    assert next_occurrence(COMMUTE, after_window, PARIS) == TINY_DAY + dt.timedelta(days=7)
    query = commute_query(COMMUTE, TINY_DAY, PARIS)
    assert (query.time.hour, query.time.minute, query.window_min, query.arrive_by) == (
        7,
        50,
        20,
        False,
    )


def test_usual_legs_watch_and_alternative(tiny: Network) -> None:
    def planner(query, overlay):  # type: ignore[no-untyped-def]
        return plan(tiny, None, overlay, query)

    usual = planner(commute_query(COMMUTE, TINY_DAY, tiny.tz), None)
    legs = commute_legs(usual.itineraries)
    assert [(leg.route_id, leg.trip_id, leg.from_stop, leg.to_stop) for leg in legs] == [
        ("t:R1", "t:T1", "t:A", "t:D")
    ]
    assert legs[0].stops == ["t:A", "t:B", "t:C", "t:D"] and legs[0].departure == "08:00"
    watch = watch_of(tiny, usual.itineraries)
    assert watch.routes == {"t:R1"} and watch.trips == {"t:T1"} and watch.agencies == {"t:AG"}
    assert {"t:A", "t:C", "t:ST", "t:D"} <= watch.stops
    broken = disruption(trip_id="t:T1")
    assert affected_legs(legs, broken) == legs and watch.concerns(broken)
    assert affected_legs(legs, disruption(route_id="t:R2")) == []
    overlay = avoiding_overlay(tiny, None, broken, tiny.day_index(TINY_DAY))
    assert overlay.cancelled.sum() == 1
    moment = dt.datetime(2024, 1, 10, 7, 0, tzinfo=PARIS)
    instead = alternative(planner, tiny, COMMUTE, broken, now=moment, base=None)
    assert instead is not None
    assert [leg.trip_id for leg in instead.legs if leg.transit] == ["T2"]
    without_r1 = alternative(
        planner, tiny, COMMUTE, disruption(route_id="t:R1"), now=moment, base=None
    )
    # line 1 is out all day: only the night trip N1 of line 2 goes from A to D
    assert without_r1 is not None
    assert [(leg.route.id, leg.trip_id) for leg in without_r1.legs if leg.route] == [("t:R2", "N1")]
