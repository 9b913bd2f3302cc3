"""Combining, filtering and tagging itineraries (hand-made itineraries, times in minutes)."""

from __future__ import annotations

import datetime as dt

from routing.itinerary_filters import select
from routing.plan import Itinerary, Leg, LegMode, Place

BASE = dt.datetime(2019, 5, 14, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
HERE, THERE = Place(name="a", lat=0, lon=0), Place(name="b", lat=0, lon=1)


def leg(mode: LegMode, start: int, end: int, metres: float, trip: str | None = None) -> Leg:
    return Leg(
        mode=mode, transit=trip is not None, from_=HERE, to=THERE,
        departure=BASE + dt.timedelta(minutes=start), arrival=BASE + dt.timedelta(minutes=end),
        scheduled_departure=BASE + dt.timedelta(minutes=start),
        scheduled_arrival=BASE + dt.timedelta(minutes=end),
        distance_m=metres, duration_s=(end - start) * 60, trip_id=trip,
    )  # fmt: skip


def trip(
    start: int, end: int, transfers: int = 0, walk_m: float = 200, name: str = "T"
) -> Itinerary:
    """Walk 1 min, ride, walk 1 min; `transfers` extra rides split the ride."""
    rides, step = [], (end - start - 2) / (transfers + 1)
    for k in range(transfers + 1):
        a = start + 1 + round(k * step)
        rides.append(leg("bus", a, start + 1 + round((k + 1) * step), 1000, f"{name}{k}"))
    legs = [
        leg("walk", start, start + 1, walk_m / 2),
        *rides,
        leg("walk", end - 1, end, walk_m / 2),
    ]
    return itinerary(legs, transfers)


def alone(mode: LegMode, start: int, end: int, metres: float) -> Itinerary:
    return itinerary([leg(mode, start, end, metres)], 0)


def itinerary(legs: list[Leg], transfers: int) -> Itinerary:
    walk = sum(x.distance_m for x in legs if x.mode == "walk")
    bike = sum(x.distance_m for x in legs if x.mode == "bike")
    return Itinerary(
        departure=legs[0].departure, arrival=legs[-1].arrival,
        duration_s=int((legs[-1].arrival - legs[0].departure).total_seconds()),
        transfers=transfers, walk_distance_m=walk, bike_distance_m=bike, co2_g=0, legs=legs,
    )  # fmt: skip


def minutes(found: list[Itinerary]) -> list[tuple[int, int]]:
    return [
        (
            int((it.departure - BASE).total_seconds() // 60),
            int((it.arrival - BASE).total_seconds() // 60),
        )
        for it in found
    ]


def test_duplicates_are_merged() -> None:
    assert len(select([trip(0, 30), trip(0, 30)])) == 1


def test_transit_no_faster_than_walking_is_dropped() -> None:
    found = select([trip(0, 40), trip(0, 20, name="Q"), alone("walk", 0, 35, 2700)])
    assert minutes(found) == [(0, 20), (0, 35)]
    assert "walk_only" in found[1].tags


def test_far_slower_transit_is_dropped() -> None:
    # 15 min + 1.5 x the quickest (20 min) = 45 min at most.
    found = select([trip(0, 20), trip(5, 60, walk_m=10, name="S")])
    assert minutes(found) == [(0, 20)]


def test_dominated_transit_goes_but_street_only_stays() -> None:
    beaten = trip(0, 30, transfers=1, walk_m=400, name="B")
    best = trip(2, 25, transfers=0, walk_m=300)
    ride = alone("bike", 0, 28, 7000)
    found = select([beaten, best, ride])
    assert minutes(found) == [(0, 28), (2, 25)]
    assert found[0].tags == ["bike_only"]


def test_tags_name_the_best_of_each_kind() -> None:
    quick = trip(0, 20, transfers=2, walk_m=600)
    direct = trip(0, 26, transfers=0, walk_m=500, name="D")
    gentle = trip(0, 28, transfers=1, walk_m=100, name="G")
    found = {minutes([it])[0]: it.tags for it in select([quick, direct, gentle])}
    assert found == {
        (0, 20): ["fastest"],
        (0, 26): ["fewest_transfers"],
        (0, 28): ["least_walking"],
    }


def test_arrive_by_prefers_the_latest_departure() -> None:
    early = trip(0, 30, walk_m=100)
    late = trip(10, 30, walk_m=300, name="L")
    tags = {minutes([it])[0]: it.tags for it in select([early, late], arrive_by=True)}
    assert "fastest" in tags[(10, 30)] and "least_walking" in tags[(0, 30)]


def test_wheelchair_tags_all_and_limit_keeps_the_labelled() -> None:
    window = [trip(10 * k, 10 * k + 20, name=f"W{k}") for k in range(8)]
    found = select(window, wheelchair=True, limit=3)
    assert len(found) == 3 and all("wheelchair" in it.tags for it in found)
    assert minutes(found) == [(0, 20), (10, 30), (20, 40)]
    assert found == sorted(found, key=lambda it: it.departure)
