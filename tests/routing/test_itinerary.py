"""Journeys turned into itineraries on the tiny world: legs, times, shapes, routes, realtime."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from feeds.build import BuildReport
from routing.access import StreetAccess, resolve, street_access
from routing.direct import direct_path
from routing.emissions import G_PER_KM
from routing.geo import haversine_m
from routing.itinerary import LegContext, street_itinerary, transfer_leg, transit_itinerary
from routing.journey import TransferLeg
from routing.network import TRANSFER_STREET, Network
from routing.plan import Itinerary, Place
from routing.query import Coordinate
from routing.raptor import search
from routing.realtime import RealtimeOverlay
from routing.streets import StreetGraph
from tests.routing.tiny_world import DAY, TZ

ORIGIN = Coordinate(-29.999, -51.2001)
DESTINATION = Coordinate(-30.021, -51.2001)
FAR_AWAY = Coordinate(-30.051, -51.2002)


@pytest.fixture
def world(tiny_world: BuildReport) -> tuple[Network, StreetGraph]:
    assert tiny_world.network is not None and tiny_world.streets is not None
    return tiny_world.network, tiny_world.streets


def ends(
    network: Network, streets: StreetGraph, a: Coordinate, b: Coordinate, max_s: float = 900
) -> tuple[StreetAccess, StreetAccess]:
    access = street_access(network, streets, resolve(network, a), "walk", 1.3, max_s)
    egress = street_access(network, streets, resolve(network, b), "walk", 1.3, max_s, reverse=True)
    return access, egress


def context(
    network: Network, streets: StreetGraph, overlay: RealtimeOverlay | None = None
) -> LegContext:
    places = (Place(name="origin", lat=0, lon=0), Place(name="destination", lat=0, lon=0))
    return LegContext.create(network, streets, overlay, network.day_index(DAY), places, 1.3)


def itineraries(
    world: tuple[Network, StreetGraph],
    a: Coordinate,
    b: Coordinate,
    hhmm: str,
    overlay: RealtimeOverlay | None = None,
) -> list[Itinerary]:
    network, streets = world
    access, egress = ends(network, streets, a, b)
    day = network.day_index(DAY)
    h, mi = (int(x) for x in hhmm.split(":"))
    found = search(
        network, access.offsets, egress.offsets, day, h * 3600 + mi * 60, overlay=overlay
    )
    ctx = context(network, streets, overlay)
    return [transit_itinerary(ctx, j, access, egress) for j in found]


def test_legs_chain_from_door_to_door(world: tuple[Network, StreetGraph]) -> None:
    it = itineraries(world, ORIGIN, DESTINATION, "07:55")[0]
    assert [leg.mode for leg in it.legs] == ["walk", "bus", "walk"]
    for before, after in zip(it.legs, it.legs[1:], strict=False):
        assert before.arrival == after.departure
        assert before.to == after.from_
    assert it.departure == it.legs[0].departure and it.arrival == it.legs[-1].arrival
    assert it.duration_s == (it.arrival - it.departure).total_seconds()
    assert it.walk_distance_m == pytest.approx(it.legs[0].distance_m + it.legs[2].distance_m)
    assert it.transfers == 0


def test_times_are_iso_with_the_local_offset(world: tuple[Network, StreetGraph]) -> None:
    it = itineraries(world, ORIGIN, DESTINATION, "07:55")[0]
    body = it.model_dump(by_alias=True, mode="json")
    ride = body["legs"][1]
    assert ride["departure"] == "2019-05-14T08:00:00-03:00"
    assert ride["arrival"] == "2019-05-14T08:10:00-03:00"
    assert "from" in ride and "from_" not in ride
    assert dt.datetime.fromisoformat(body["departure"]).utcoffset() == dt.timedelta(hours=-3)
    json.dumps(body)  # serialisable as it is


def test_ride_leg_names_its_trip_route_and_stops(world: tuple[Network, StreetGraph]) -> None:
    ride = itineraries(world, ORIGIN, DESTINATION, "07:55")[0].legs[1]
    assert ride.transit and ride.trip_id == "T1" and ride.headsign == "Three"
    assert ride.route is not None
    assert (ride.route.id, ride.route.feed, ride.route.route_id) == ("tiny:R", "tiny", "R")
    assert (ride.route.short_name, ride.route.color, ride.route.text_color) == (
        "R1",
        "#FF0000",
        None,
    )
    assert ride.route.agency == "Tiny Transit"
    assert (ride.from_.id, ride.from_.stop_id, ride.from_.feed) == ("tiny:S1", "S1", "tiny")
    assert [p.id for p in ride.intermediate_stops] == ["tiny:S2"]
    s2 = ride.intermediate_stops[0]
    assert s2.arrival == s2.departure == dt.datetime(2019, 5, 14, 8, 5, tzinfo=TZ)
    assert (ride.delay_s, ride.realtime) == (0, False)


def test_ride_geometry_follows_the_shape(world: tuple[Network, StreetGraph]) -> None:
    ride = itineraries(world, ORIGIN, DESTINATION, "07:55")[0].legs[1]
    assert ride.geometry is not None
    line = ride.geometry.coordinates
    assert all(lon == pytest.approx(-51.2001) for lon, _ in line)  # SH1 runs at -51.2001
    lats = [lat for _, lat in line]
    assert lats == sorted(lats, reverse=True) and len(line) >= 10
    assert lats[0] == pytest.approx(-30.0, abs=0.0008) and lats[-1] == pytest.approx(
        -30.02, abs=0.0008
    )
    lat = np.array(lats)
    along = float(np.sum(haversine_m(lat[:-1], -51.2001, lat[1:], -51.2001)))
    assert ride.distance_m == pytest.approx(along, rel=1e-3)


def test_interpolated_stop_times_are_shown(world: tuple[Network, StreetGraph]) -> None:
    later = itineraries(world, ORIGIN, DESTINATION, "08:10")[0].legs[1]
    assert later.trip_id == "T2"
    s2 = later.intermediate_stops[0]
    # S2 lies halfway between S1 (08:30) and S3 (08:40).
    assert s2.arrival is not None
    assert abs((s2.arrival - dt.datetime(2019, 5, 14, 8, 35, tzinfo=TZ)).total_seconds()) <= 1


def test_ride_without_shape_is_drawn_through_its_stops(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    found = itineraries(world, Coordinate(-30.0201, -51.2001), FAR_AWAY, "08:12")
    rail = next(leg for it in found for leg in it.legs if leg.trip_id == "T3")
    assert rail.mode == "rail" and rail.route is not None and rail.route.color is None
    assert rail.geometry is not None
    assert rail.geometry.coordinates == [(-51.2002, -30.02), (-51.2002, -30.05)]
    assert rail.distance_m == pytest.approx(
        float(haversine_m(-30.02, -51.2002, -30.05, -51.2002)), abs=0.2
    )


def test_co2_uses_the_mode_factor(world: tuple[Network, StreetGraph]) -> None:
    it = itineraries(world, ORIGIN, DESTINATION, "07:55")[0]
    bus = it.legs[1]
    assert it.co2_g == pytest.approx(G_PER_KM["bus"] * bus.distance_m / 1000, abs=0.2)


def test_realtime_delay_is_shown_with_the_schedule(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    overlay = delayed(network, "tiny:T1", 120)
    ride = itineraries(world, ORIGIN, DESTINATION, "07:55", overlay)[0].legs[1]
    assert ride.trip_id == "T1" and ride.realtime and ride.delay_s == 120
    assert ride.departure == dt.datetime(2019, 5, 14, 8, 2, tzinfo=TZ)
    assert ride.scheduled_departure == dt.datetime(2019, 5, 14, 8, 0, tzinfo=TZ)
    assert ride.scheduled_arrival == dt.datetime(2019, 5, 14, 8, 10, tzinfo=TZ)
    assert ride.intermediate_stops[0].arrival == dt.datetime(2019, 5, 14, 8, 7, tzinfo=TZ)


def test_direct_walk_itinerary(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    access, egress = ends(network, streets, ORIGIN, Coordinate(-30.003, -51.2001))
    walk = direct_path(access, egress, streets, 1800)
    assert walk is not None
    it = street_itinerary(context(network, streets), walk, 8 * 3600)
    assert [leg.mode for leg in it.legs] == ["walk"] and not it.legs[0].transit
    assert it.departure == dt.datetime(2019, 5, 14, 8, 0, tzinfo=TZ)
    assert it.duration_s == walk.duration_s and it.walk_distance_m == walk.distance_m
    assert it.co2_g == 0 and it.legs[0].geometry is not None


def test_clock_follows_daylight_saving_changes(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    # Brazil moved its clocks from -03:00 to -02:00 at midnight starting 2018-11-04.
    shifted = dataclasses.replace(network, first_date=dt.date(2018, 11, 3))
    places = (Place(name="a", lat=0, lon=0), Place(name="b", lat=0, lon=0))
    ctx = LegContext.create(shifted, streets, None, 1, places, 1.3)
    assert ctx.fixed_origin is None
    assert ctx.at(12 * 3600).isoformat() == "2018-11-04T12:00:00-02:00"
    assert ctx.at(3600).isoformat() == "2018-11-04T01:00:00-02:00"
    assert ctx.at(0).isoformat() == "2018-11-03T23:00:00-03:00"
    normal = context(network, streets)
    assert normal.fixed_origin is not None
    assert normal.at(8 * 3600) == dt.datetime(2019, 5, 14, 8, 0, tzinfo=TZ)


def delayed(
    network: Network, trip_id: str, delay_s: int, skipped_stops: tuple[str, ...] = ()
) -> RealtimeOverlay:
    """An overlay delaying every stop time of one trip, not serving `skipped_stops`.

    The trip's stop times are located independently of the router.
    """
    t = network.find_trip(trip_id)
    assert t is not None
    p = int(network.trip_pattern[t])
    trips = network.pattern_trips[network.pattern_trip_ptr[p] : network.pattern_trip_ptr[p + 1]]
    j = int(np.flatnonzero(trips == t)[0])
    n_stops = int(network.pattern_stop_ptr[p + 1] - network.pattern_stop_ptr[p])
    cells = network.pattern_time_ptr[p] + np.arange(n_stops) * trips.size + j
    arrival, departure = network.arrival.copy(), network.departure.copy()
    arrival[cells] += delay_s
    departure[cells] += delay_s
    skipped = np.zeros(arrival.size, dtype=np.bool_)
    stops = network.pattern_stops[network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]]
    skipped[cells[np.isin(stops, [network.get_stop(s) for s in skipped_stops])]] = True
    return RealtimeOverlay(
        network_version=network.version,
        day=network.day_index(DAY),
        created_at=0.0,
        arrival=arrival,
        departure=departure,
        cancelled=np.zeros(len(network.trip_ids), dtype=np.bool_),
        skipped=skipped,
        closed_stops=np.zeros(network.n_stops, dtype=np.bool_),
        delayed_trips=frozenset({t}),
    )


def test_a_skipped_stop_is_not_shown_between(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    overlay = delayed(network, "tiny:T1", 60, skipped_stops=("tiny:S2",))
    ride = itineraries(world, ORIGIN, DESTINATION, "07:55", overlay)[0].legs[1]
    assert ride.trip_id == "T1" and ride.realtime and ride.delay_s == 60
    assert ride.intermediate_stops == []


def test_a_street_transfer_is_drawn_along_the_streets_each_time(
    world: tuple[Network, StreetGraph],
) -> None:
    network, streets = world
    s2, s3 = network.get_stop("tiny:S2"), network.get_stop("tiny:S3")
    walk = TransferLeg(s2, s3, 8 * 3600, 8 * 3600 + 600, TRANSFER_STREET)
    first, again = (transfer_leg(context(network, streets), walk) for _ in range(2))
    assert first.geometry is not None and again.geometry is not None
    assert len(first.geometry.coordinates) > 2 and not first.crow_fly
    assert first == again, "the same leg when its path comes from the cache"
    first.geometry.coordinates.clear()
    assert transfer_leg(context(network, streets), walk) == again, "the cache is not shared"
