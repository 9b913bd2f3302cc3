"""Commutes on the tiny network: next occurrence, watched legs, an alternative around an alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from alerts.commute import (
    affected_legs,
    alternative,
    avoiding_overlay,
    commute_legs,
    commute_query,
    concerns,
    next_occurrence,
    parse_location,
    watch_of,
)
from alerts.leg_disruptions import leg_disruptions
from alerts.models import InformedEntity, RealtimeUpdate, ServiceAlert, TranslatedText
from alerts.overlay import build_overlay
from alerts.subscriptions import (
    Commute,
    CommuteLeg,
    Subscription,
    SubscriptionSpec,
    TimeWindow,
    Watch,
)
from routing.network import Network
from routing.plan import Plan
from routing.planner import plan
from routing.query import Coordinate, Query, StopRef
from routing.realtime import RealtimeOverlay
from tests.alerts.conftest import TINY_DAY, at
from tests.alerts.test_leg_disruptions import A_TO_B, A_TO_D, derive, update

PARIS = dt.timezone(dt.timedelta(hours=1))
COMMUTE = Commute(
    origin="t:A",
    destination="t:D",
    weekdays=["wed"],
    window=TimeWindow(kind="depart", start="07:50", end="08:10"),
)


def disruption(
    *, route_id: str | None = None, trip_id: str | None = None, stop_id: str | None = None
) -> ServiceAlert:
    return ServiceAlert(
        id="x",
        feed_id="t",
        entity_id="x",
        active_periods=(),
        informed_entities=(InformedEntity(route_id=route_id, trip_id=trip_id, stop_id=stop_id),),
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
    def planner(query: Query, overlay: RealtimeOverlay | None) -> Plan:
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


def commuter(legs: list[CommuteLeg], commute: Commute = COMMUTE, **spec: Any) -> Subscription:
    return Subscription(
        id="s",
        token_hash="h",
        webhook_secret="w",
        created_at=0.0,
        expires_at=1e12,
        spec=SubscriptionSpec(commute=commute, **spec),
        watch=Watch(
            routes=frozenset(leg.route_id for leg in legs),
            trips=frozenset(leg.trip_id for leg in legs if leg.trip_id),
            stops=frozenset(s for leg in legs for s in leg.stops),
        ),
        commute_legs=legs,
    )


def test_a_late_leg_concerns_the_commutes_riding_it_on_their_next_day(tiny: Network) -> None:
    late = update(tiny, delays_s={"t:A": 12 * 60})
    (alert,) = derive(tiny, late, legs=(A_TO_D,))
    wednesday_7am = at(tiny, TINY_DAY, "07:00")
    assert concerns(commuter([A_TO_D]), alert, now=wednesday_7am, tz=tiny.tz)
    # the same train, another ride on it: its own stops say whether it is late
    assert not concerns(commuter([A_TO_B]), alert, now=wednesday_7am, tz=tiny.tz)
    # made on Thursdays: today's delay is not its concern
    thursdays = COMMUTE.model_copy(update={"weekdays": ["thu"]})
    assert not concerns(commuter([A_TO_D], thursdays), alert, now=wednesday_7am, tz=tiny.tz)
    # today's window is over: next Wednesday's ride is not late yet
    after = at(tiny, TINY_DAY, "08:11")
    assert not concerns(commuter([A_TO_D]), alert, now=after, tz=tiny.tz)
    # who watches the line or the stops hears of the line's and the stops' alerts, not of trips
    line_and_stops = commuter([]).model_copy(
        update={
            "spec": SubscriptionSpec(lines=["t:R1"], stops=["t:A", "t:D"]),
            "watch": Watch(routes=frozenset({"t:R1"}), stops=frozenset({"t:A", "t:D"})),
        }
    )
    assert line_and_stops.watch.concerns(alert)  # the watch alone would let it through
    assert not concerns(line_and_stops, alert, now=wednesday_7am, tz=tiny.tz)
    assert concerns(line_and_stops, disruption(stop_id="t:A"), now=wednesday_7am, tz=tiny.tz)


def test_a_trip_at_a_stop_is_avoided_as_a_trip(tiny: Network) -> None:
    at_b = disruption(trip_id="t:T1", stop_id="t:B")
    overlay = avoiding_overlay(tiny, None, at_b, tiny.day_index(TINY_DAY))
    assert overlay.cancelled.sum() == 1 and not overlay.closed_stops.any()
    assert affected_legs([A_TO_D, A_TO_B], at_b) == [A_TO_D, A_TO_B]
    assert affected_legs([A_TO_B], disruption(trip_id="t:T1", stop_id="t:C")) == []
    closed = avoiding_overlay(tiny, None, disruption(stop_id="t:ST"), tiny.day_index(TINY_DAY))
    assert closed.closed_stops[[tiny.get_stop("t:ST"), tiny.get_stop("t:C")]].all()


def test_the_alternative_to_a_late_train_rides_live_times(tiny: Network) -> None:
    def planner(query: Query, overlay: RealtimeOverlay | None) -> Plan:
        return plan(tiny, None, overlay, query)

    updates = (
        update(tiny, delays_s={"t:A": 40 * 60}),
        update(tiny, "t:T2", delays_s={"t:A": 3 * 60}),  # late too, under the threshold
    )
    live = build_overlay(
        tiny, [RealtimeUpdate("t", 0.0, None, trip_updates=updates)], tiny.day_index(TINY_DAY)
    )
    (alert,) = leg_disruptions(tiny, live, updates, [A_TO_D])
    moment = dt.datetime(2024, 1, 10, 7, 0, tzinfo=PARIS)
    instead = alternative(planner, tiny, COMMUTE, alert, now=moment, base=live)
    assert instead is not None
    (ride,) = [leg for leg in instead.legs if leg.transit]
    # not T1 (08:40 live, sooner than T2): T2, at its live 09:03
    assert ride.trip_id == "T2" and ride.departure.strftime("%H:%M") == "09:03"
