"""Door-to-door planning on the tiny world: modes, times, limits and the reasons for nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import weakref
from typing import TypedDict, Unpack

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.build import BuildReport
from routing.access import _ENDS, Endpoint, UnknownStop, street_access
from routing.network import Network
from routing.network_index import network_index
from routing.offset_pruning import useful
from routing.plan import Itinerary, Plan
from routing.planner import WHEELCHAIR_NOTE, journeys, plan, service_time, warm_up
from routing.query import Coordinate, Location, Query, QueryMode, StopRef
from routing.realtime import RealtimeOverlay
from routing.streets import StreetGraph
from tests.routing.tiny import tiny_network, trip
from tests.routing.tiny_world import DAY, at

ORIGIN = Coordinate(-29.999, -51.2001)
DESTINATION = Coordinate(-30.021, -51.2001)  # 2.4 km south: too far for a direct walk


def network_and_streets(report: BuildReport) -> tuple[Network, StreetGraph]:
    """The report's network and streets (the tiny world builds both)."""
    assert report.network is not None and report.streets is not None
    return report.network, report.streets


@pytest.fixture
def world(tiny_world: BuildReport) -> tuple[Network, StreetGraph]:
    return network_and_streets(tiny_world)


class QueryFields(TypedDict, total=False):
    """`Query` fields a test sets, instead of those of `run`'s usual query."""

    origin: Location
    destination: Location
    time: dt.datetime
    arrive_by: bool
    window_min: int
    modes: frozenset[QueryMode]
    wheelchair: bool


def run(world: tuple[Network, StreetGraph], **fields: Unpack[QueryFields]) -> Plan:
    query = dataclasses.replace(Query(ORIGIN, DESTINATION, at("07:55")), **fields)
    return plan(world[0], world[1], None, query)


def trips(it: Itinerary) -> list[str | None]:
    return [leg.trip_id for leg in it.legs if leg.transit]


def test_walk_ride_walk(world: tuple[Network, StreetGraph]) -> None:
    found = run(world)
    assert found.no_result_reason is None and found.realtime_status == "none"
    first = found.itineraries[0]
    assert [leg.mode for leg in first.legs] == ["walk", "bus", "walk"]
    assert trips(first) == ["T1"] and "fastest" in first.tags
    assert first.legs[0].from_.name == "origin" and first.legs[-1].to.name == "destination"
    assert first.departure >= at("07:55")


def test_arrive_by_arrives_no_later_than_asked(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, time=at("08:45"), arrive_by=True)
    assert found.itineraries and all(it.arrival <= at("08:45") for it in found.itineraries)
    assert trips(found.itineraries[-1]) == ["T2"]  # the latest departure that makes it
    # T1 reaches S3 at 08:10 but the walk on takes 108 s: the latest way is Monday's T2.
    early = run(world, time=at("08:11"), arrive_by=True)
    assert [trips(it) for it in early.itineraries] == [["T2"]]
    assert early.itineraries[0].departure.date() == dt.date(2019, 5, 13)
    assert [trips(it) for it in run(world, time=at("08:12"), arrive_by=True).itineraries] == [
        ["T1"]
    ]


def test_window_gives_each_departure(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, window_min=40)
    assert [trips(it) for it in found.itineraries] == [["T1"], ["T2"]]
    assert len(run(world).itineraries) == 1


def test_leaving_later_never_arrives_earlier(world: tuple[Network, StreetGraph]) -> None:
    arrivals = []
    for minute in range(0, 60, 5):
        found = run(world, time=at("07:30") + dt.timedelta(minutes=minute))
        arrivals.append(min(it.arrival for it in found.itineraries))
    assert arrivals == sorted(arrivals)


@pytest.mark.parametrize("day", [dt.date(2019, 5, 19), dt.date(2020, 5, 14)])
def test_no_service_that_day(world: tuple[Network, StreetGraph], day: dt.date) -> None:
    found = run(world, time=at("07:55", day))
    assert found.itineraries == [] and found.no_result_reason == "no_service_that_day"


def test_outside_network(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, origin=Coordinate(-30.15, -51.2))
    assert found.itineraries == [] and found.no_result_reason == "outside_network"


def test_nothing_within_limits(world: tuple[Network, StreetGraph]) -> None:
    friday_night = at("22:00", dt.date(2019, 5, 17))  # no trip after, none on Saturday
    found = run(world, time=friday_night)
    assert found.itineraries == [] and found.no_result_reason == "nothing_within_limits"


def test_same_origin_and_destination(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, destination=ORIGIN)
    assert found.no_result_reason == "same_origin_destination"


def test_wheelchair_keeps_accessible_trips_and_says_how(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, wheelchair=True, window_min=40)
    assert WHEELCHAIR_NOTE in found.notes
    assert [trips(it) for it in found.itineraries] == [["T1"]]  # T2's accessibility is unknown
    assert all("wheelchair" in it.tags for it in found.itineraries)


def test_short_trip_is_walked(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, destination=Coordinate(-30.004, -51.2001))
    walks = [it for it in found.itineraries if "walk_only" in it.tags]
    assert len(walks) == 1 and [leg.mode for leg in walks[0].legs] == ["walk"]
    # The bus to S2 would take longer than walking: it is not offered.
    assert all(it.duration_s < walks[0].duration_s for it in found.itineraries if trips(it))


def test_walk_only_mode_walks_far(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, modes=frozenset({"walk"}))
    assert len(found.itineraries) == 1
    only = found.itineraries[0]
    assert only.tags[:1] == ["fastest"] and "walk_only" in only.tags
    assert only.walk_distance_m > 2400


def test_bike_modes(world: tuple[Network, StreetGraph]) -> None:
    modes: frozenset[QueryMode] = frozenset({"walk", "bike", "transit"})
    found = run(world, modes=modes, window_min=40)
    rides = [it for it in found.itineraries if "bike_only" in it.tags]
    assert len(rides) == 1 and rides[0].bike_distance_m > 2400
    for it in found.itineraries:
        if it.legs[-1].mode == "bike" and trips(it):  # the bike came on board
            assert trips(it) == ["T1"]  # T2 does not carry bikes


def test_stop_to_stop(world: tuple[Network, StreetGraph]) -> None:
    found = run(world, origin=StopRef("tiny:S1"), destination=StopRef("tiny:S3"))
    ride, walk = (
        next(it for it in found.itineraries if trips(it)),
        next(it for it in found.itineraries if not trips(it)),
    )
    # The 2.2 km between the stops can be walked within twice the walking limit, so the
    # walk is offered beside the bus: it answers "what if I skip the bus?".
    assert walk.tags == ["walk_only"] and walk.duration_s <= 2 * 15 * 60
    first = ride
    assert [leg.mode for leg in first.legs] == ["bus"]
    assert first.legs[0].from_.id == "tiny:S1" and first.legs[0].to.id == "tiny:S3"
    assert first.departure == at("08:00") and first.arrival == at("08:10")


def test_without_streets_legs_are_crow_fly(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    query = Query(ORIGIN, DESTINATION, at("07:55"))
    found = plan(network, None, None, query)
    first = found.itineraries[0]
    assert first.legs[0].crow_fly and first.legs[-1].crow_fly and trips(first) == ["T1"]


def test_unknown_stop_and_naive_time_are_refused(world: tuple[Network, StreetGraph]) -> None:
    with pytest.raises(UnknownStop):
        run(world, destination=StopRef("tiny:NOPE"))
    with pytest.raises(ValueError, match="aware"):
        run(world, time=dt.datetime(2019, 5, 14, 8, 0))


def test_realtime_status(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    overlay = RealtimeOverlay(
        network_version=network.version,
        day=network.day_index(DAY),
        created_at=0.0,
        arrival=network.arrival.copy(),
        departure=network.departure.copy(),
        cancelled=np.zeros(len(network.trip_ids), dtype=np.bool_),
        skipped=np.zeros(network.arrival.size, dtype=np.bool_),
        closed_stops=np.zeros(network.n_stops, dtype=np.bool_),
    )
    query = Query(ORIGIN, DESTINATION, at("07:55"))
    assert plan(network, streets, overlay, query).realtime_status == "applied"
    off = dataclasses.replace(query, realtime=False)
    assert plan(network, streets, overlay, off).realtime_status == "disabled"
    other = dataclasses.replace(overlay, network_version="another")
    assert plan(network, streets, other, query).realtime_status == "none"


def test_journeys_are_the_plans_transit_part(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    query = Query(ORIGIN, DESTINATION, at("07:55"), window_min=40)
    found = journeys(network, streets, None, query)
    planned = run(world, window_min=40).itineraries
    day, _ = service_time(network, query.time)
    origin = dt.datetime.combine(DAY, dt.time(0), tzinfo=at("00:00").tzinfo)
    assert day == network.day_index(DAY)
    assert sorted(origin + dt.timedelta(seconds=j.arrival_s) for j in found) == [
        it.arrival for it in planned
    ]
    assert all(j.access.mode == "walk" and j.egress.mode == "walk" for j in found)


# Properties over random ends along Main street and random times of the morning.
places = st.builds(Coordinate, st.floats(-30.021, -29.999), st.floats(-51.2003, -51.1999))
minutes = st.integers(7 * 60, 9 * 60)


def _at_minute(minute: int) -> dt.datetime:
    return at("00:00") + dt.timedelta(minutes=minute)


@settings(max_examples=30, deadline=None)
@given(a=places, b=places, first=minutes, later=st.integers(0, 60))
def test_leaving_later_never_arrives_earlier_anywhere(
    tiny_world: BuildReport, a: Coordinate, b: Coordinate, first: int, later: int
) -> None:
    world = network_and_streets(tiny_world)
    early = run(world, origin=a, destination=b, time=_at_minute(first)).itineraries
    late = run(world, origin=a, destination=b, time=_at_minute(first + later)).itineraries
    if early and late:
        assert min(it.arrival for it in early) <= min(it.arrival for it in late)


@settings(max_examples=30, deadline=None)
@given(a=places, b=places, minute=minutes)
def test_arrive_by_round_trip(
    tiny_world: BuildReport, a: Coordinate, b: Coordinate, minute: int
) -> None:
    world = network_and_streets(tiny_world)
    forward = run(world, origin=a, destination=b, time=_at_minute(minute)).itineraries
    for it in forward:
        back = run(world, origin=a, destination=b, time=it.arrival, arrive_by=True).itineraries
        assert back and all(other.arrival <= it.arrival for other in back)
        assert max(other.departure for other in back) >= it.departure


def test_planner_caches_do_not_keep_a_network_alive() -> None:
    network = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20")])
    network_index(network).place(0)
    street_access(network, None, Endpoint(0.0, 0.0), "walk", 1.3, 900)
    useful(network, np.array([0, 1], np.int32), np.array([0.0, 60.0]), egress=False)
    alive = weakref.ref(network)
    del network
    gc.collect()
    assert alive() is None


def test_warm_up_builds_what_a_first_plan_needs(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    warm_up(network, streets)
    assert set(_ENDS[streets]) == {("walk", False), ("walk", True), ("bike", False), ("bike", True)}
    warm_up(network, None)  # without streets, every access is crow-fly: still fine


def test_warm_up_of_a_network_with_one_served_stop_plans_nothing() -> None:
    network = tiny_network([trip("t1", "A 08:00, A 08:10")])
    warm_up(network, None)
