"""Commute legs disrupted by trip updates, on the tiny network (T1: A 08:00 → D 08:30)."""

from __future__ import annotations

from typing import TypedDict

import pytest

from alerts.leg_disruptions import delay_level_min, is_leg_disruption, leg_disruptions
from alerts.models import (
    ActivePeriod,
    InformedEntity,
    RealtimeUpdate,
    ServiceAlert,
    StopRelationship,
    StopTimeUpdate,
    TranslatedText,
    TripRelationship,
    TripUpdate,
)
from alerts.overlay import build_overlay
from alerts.subscriptions import CommuteLeg
from routing.network import Network
from tests.alerts.conftest import TINY_DAY, at

# The leg a commute from A to D rides at 08:00 (what `commute_legs` makes of it).
A_TO_D = CommuteLeg(
    route_id="t:R1",
    trip_id="t:T1",
    from_stop="t:A",
    to_stop="t:D",
    stops=["t:A", "t:B", "t:C", "t:D"],
    departure="08:00",
    arrival="08:30",
)
A_TO_B = A_TO_D.model_copy(update={"to_stop": "t:B", "stops": ["t:A", "t:B"], "arrival": "08:10"})


def update(
    network: Network,
    trip_id: str = "t:T1",
    *,
    delays_s: dict[str, int] | None = None,
    skipped: tuple[str, ...] = (),
    cancelled: bool = False,
    day_offset: int = 0,
) -> TripUpdate:
    """A trip update of `trip_id` on TINY_DAY (+ `day_offset`): departure delays per stop."""
    trip = network.find_trip(trip_id)
    assert trip is not None
    stop_ids = ["t:A", "t:B", "t:C", "t:D"][:: -1 if trip_id == "t:T3" else 1]
    stops = [(position, network.get_stop(s), s) for position, s in enumerate(stop_ids)]
    updates = [
        StopTimeUpdate(position, stop, (delays_s or {}).get(s), (delays_s or {}).get(s))
        for position, stop, s in stops
        if s in (delays_s or {})
    ] + [
        StopTimeUpdate(position, stop, None, None, StopRelationship.SKIPPED)
        for position, stop, s in stops
        if s in skipped
    ]
    return TripUpdate(
        trip=trip,
        day=network.day_index(TINY_DAY) + day_offset,
        trip_id=trip_id,
        relationship=TripRelationship.CANCELED if cancelled else TripRelationship.SCHEDULED,
        stop_time_updates=tuple(sorted(updates, key=lambda u: u.position)),
    )


def derive(
    network: Network,
    *updates: TripUpdate,
    legs: tuple[CommuteLeg, ...] = (A_TO_D,),
    alerts: tuple[ServiceAlert, ...] = (),
    threshold_min: int = 5,
) -> list[ServiceAlert]:
    batch = RealtimeUpdate("t", 0.0, None, trip_updates=updates, alerts=alerts)
    overlay = build_overlay(network, [batch], network.day_index(TINY_DAY))
    return leg_disruptions(network, overlay, updates, legs, threshold_min=threshold_min)


def test_delay_levels() -> None:
    assert delay_level_min(299, 5) is None
    assert [delay_level_min(m * 60, 5) for m in (5, 6, 9, 10, 14, 15, 29, 30, 200)] == [
        5, 5, 5, 10, 10, 15, 20, 30, 120,
    ]  # fmt: skip
    assert [delay_level_min(m * 60, 7) for m in (6, 7, 9, 10)] == [None, 7, 7, 10]


def test_a_late_leg_is_told_once_per_delay_level(tiny: Network) -> None:
    (late,) = derive(tiny, update(tiny, delays_s={"t:A": 6 * 60}))
    assert is_leg_disruption(late) and late.feed_id == "t"
    assert (late.effect, late.cause) == ("SIGNIFICANT_DELAYS", "UNKNOWN_CAUSE")
    assert late.informed_entities == (
        InformedEntity(trip_id="t:T1", stop_id="t:A"),
        InformedEntity(trip_id="t:T1", stop_id="t:D"),
    )
    assert late.header.text("en") == "The 08:00 1 is 6 min late"
    assert late.header.text("fr") == "Le 1 de 08:00 a 6 min de retard"
    assert late.description.text("en") == (
        "It leaves A at 08:06 instead of 08:00 and reaches D at 08:36 instead of 08:30."
    )
    # the run of the leg that day, live end included
    assert late.active_periods == (
        ActivePeriod(at(tiny, TINY_DAY, "08:00"), at(tiny, TINY_DAY, "08:36")),
    )
    (later,) = derive(tiny, update(tiny, delays_s={"t:A": 9 * 60 + 50}))
    assert later.id == late.id and later.header.text("en") == "The 08:00 1 is 9 min late"
    (much_later,) = derive(tiny, update(tiny, delays_s={"t:A": 15 * 60}))
    assert much_later.id != late.id
    again = derive(tiny, update(tiny, delays_s={"t:A": 6 * 60}))
    assert [a.id for a in again] == [late.id]  # the same state: the same alert


def test_lateness_counts_at_the_legs_own_stops_only(tiny: Network) -> None:
    assert derive(tiny, update(tiny, delays_s={"t:A": 4 * 60})) == []
    (told,) = derive(tiny, update(tiny, delays_s={"t:A": 4 * 60}), threshold_min=3)
    assert told.header.text("en") == "The 08:00 1 is 4 min late"
    # late from C on: reaching D late is enough; a leg alighting at B before it is on time
    catching_up = update(tiny, delays_s={"t:C": 8 * 60})
    (arriving_late,) = derive(tiny, catching_up, legs=(A_TO_D, A_TO_B))
    assert arriving_late.informed_entities[1].stop_id == "t:D"
    assert "reaches D at 08:38 instead of 08:30" in (arriving_late.description.text("en") or "")


def test_a_cancelled_trip_and_a_skipped_stop(tiny: Network) -> None:
    cancelled, short = derive(tiny, update(tiny, cancelled=True), legs=(A_TO_D, A_TO_B))
    assert cancelled.effect == short.effect == "NO_SERVICE"
    assert cancelled.header.text("en") == "The 08:00 1 is cancelled"
    assert cancelled.header.text("fr") == "Le 1 de 08:00 est supprimé"
    assert short.description.text("en") == "It was to leave A at 08:00 and reach B at 08:10."
    (skipping,) = derive(tiny, update(tiny, skipped=("t:D",)))
    assert skipping.effect == "MODIFIED_SERVICE"
    assert skipping.header.text("en") == "The 08:00 1 does not stop at D"
    assert skipping.header.text("fr") == "Le 1 de 08:00 ne s'arrête pas à D"
    assert derive(tiny, update(tiny, skipped=("t:B",))) == []  # it passes B: nothing to tell
    both = derive(tiny, update(tiny, skipped=("t:A", "t:D")))
    assert [a.header.text("en") for a in both] == ["The 08:00 1 does not stop at A / D"]
    assert both[0].id != skipping.id


def test_what_an_alert_already_says_is_not_derived_again(tiny: Network) -> None:
    """A NO_SERVICE alert cancels T1 in the overlay, but it reaches the commute itself."""
    no_service = ServiceAlert(
        id="ns",
        feed_id="t",
        entity_id="ns",
        active_periods=(),
        informed_entities=(InformedEntity(route_id="t:R1"),),
        cause="STRIKE",
        effect="NO_SERVICE",
        header=TranslatedText((("en", "Strike"),)),
        description=TranslatedText(),
        url=TranslatedText(),
    )
    assert derive(tiny, alerts=(no_service,)) == []


class Changes(TypedDict, total=False):
    """Keywords of `update` other than the delays."""

    trip_id: str
    day_offset: int


@pytest.mark.parametrize(
    "changes",
    [
        {"day_offset": 1},  # tomorrow's run of T1: not the overlay's day
        {"trip_id": "t:T2"},  # a trip no commute rides
        {"trip_id": "t:T3"},  # the other way
    ],
)
def test_other_days_and_unwatched_trips_are_ignored(tiny: Network, changes: Changes) -> None:
    late = update(tiny, delays_s={"t:A": 20 * 60, "t:D": 20 * 60}, **changes)
    assert derive(tiny, late) == []


def test_legs_the_network_does_not_know_are_skipped(tiny: Network) -> None:
    gone = A_TO_D.model_copy(update={"trip_id": "t:GONE"})
    backwards = A_TO_D.model_copy(update={"from_stop": "t:D", "to_stop": "t:A"})
    late = update(tiny, delays_s={"t:A": 20 * 60})
    assert derive(tiny, late, legs=(gone, backwards)) == []
