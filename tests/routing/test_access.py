"""Access, egress and direct legs on the tiny world (see `tests.routing.tiny_world`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing.access import (
    CROW_FLY_DETOUR,
    StreetAccess,
    UnknownStop,
    leg_coordinates,
    resolve,
    reversed_streets,
    street_access,
    street_end,
)
from routing.direct import direct_path
from routing.network import Network
from routing.query import Coordinate, StopRef
from routing.snap import snap_point
from routing.streets import CsrGraph, StreetGraph
from tests.routing.tiny_world import m

WALK = 1.3
BIKE = 4.5
ORIGIN = Coordinate(-29.999, -51.2001)  # 9.6 m east of Main street, 111 m north of S1


def offsets(access: StreetAccess, network: Network) -> dict[str, tuple[int, float]]:
    return {network.stop_ids[o.stop]: (o.duration_s, o.distance_m) for o in access.offsets}


def walk_from(
    world: tuple[Network, StreetGraph],
    place: Coordinate | StopRef,
    max_s: float = 900,
    *,
    prune: bool = False,
    reverse: bool = False,
) -> StreetAccess:
    """Every stop reached on foot (unpruned unless asked)."""
    network, streets = world
    end = resolve(network, place)
    return street_access(network, streets, end, "walk", WALK, max_s, prune=prune, reverse=reverse)


def test_walk_access_follows_the_street_to_each_stop(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    found = offsets(walk_from(world, ORIGIN), network)
    # Across to Main street, along it to the node at -30.000, then to the stop itself.
    expected = m(-29.999, -51.2001, -29.999, -51.2) + m(-29.999, -51.2, -30.0, -51.2)
    expected += m(-30.0, -51.2, -30.0, -51.2002)
    seconds, metres = found["tiny:S1"]
    assert metres == pytest.approx(expected, abs=0.2)
    assert seconds == math.ceil(metres / WALK)
    assert metres > m(ORIGIN.lat, ORIGIN.lon, -30.0, -51.2002)
    assert "tiny:ST1" not in found  # a station is not boarded


def test_access_is_bounded_by_the_walking_time(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    short = walk_from(world, ORIGIN, max_s=110)  # S1 takes 108 s, its platform S1B 117 s
    assert {network.stop_ids[o.stop] for o in short.offsets} == {"tiny:S1"}
    long = walk_from(world, ORIGIN, max_s=1000)  # S2 is 1,252 m away: 964 s
    assert {"tiny:S1", "tiny:S1B", "tiny:S2"} <= set(offsets(long, network))
    assert all(o.duration_s <= 1000 for o in long.offsets)
    assert "tiny:S2" not in offsets(walk_from(world, ORIGIN, max_s=950), network)


def test_egress_searches_against_one_way_streets(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    east = resolve(network, Coordinate(-30.0101, -51.192))  # on the one-way, near node 25
    access = street_access(network, streets, east, "bike", BIKE, 1800)
    egress = street_access(network, streets, east, "bike", BIKE, 1800, reverse=True)
    to_s2, from_s2 = offsets(access, network)["tiny:S2"], offsets(egress, network)["tiny:S2"]
    # S2 -> east rides the one-way (about 770 m); east -> S2 must loop back by the south street.
    assert from_s2[1] == pytest.approx(m(-30.01, -51.2, -30.01, -51.192) + 30, abs=25)
    assert to_s2[1] > from_s2[1] + 2 * m(-30.01, -51.2, -30.012, -51.2)
    # Walking ignores one-ways: both directions cost the same.
    walk_there = street_access(network, streets, east, "walk", WALK, 1800)
    walk_back = street_access(network, streets, east, "walk", WALK, 1800, reverse=True)
    assert offsets(walk_there, network)["tiny:S2"] == offsets(walk_back, network)["tiny:S2"]


def test_an_end_on_an_island_joins_the_main_streets(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    near_island = Coordinate(-30.0106, -51.19545)
    edge = snap_point(streets, near_island.lat, near_island.lon, "walk")
    assert edge is not None
    island = {int(i) for i in streets.node_osm_id[[edge.node_a, edge.node_b]]}
    assert island <= {31, 32, 33}  # the plain nearest edge is the footway island
    access = walk_from(world, near_island)
    assert "tiny:S2" in offsets(access, network)
    line = leg_coordinates(access, network, streets, int(network.get_stop("tiny:S2")))
    assert (-51.1956, -30.0107) not in line


def test_a_stop_ref_starts_at_its_stop_and_station(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    at_s1 = offsets(walk_from(world, StopRef("tiny:S1")), network)
    assert at_s1["tiny:S1"] == (0, 0.0)
    # The station's footpath (60 s) or the street between the platforms, whichever is quicker:
    # S1B straight from its nearest node (31 m) beats going along its edge (11 m, then 29 m).
    assert at_s1["tiny:S1B"][0] == math.ceil((19.26 + 30.96) / WALK)
    at_station = offsets(walk_from(world, StopRef("tiny:ST1")), network)
    assert at_station["tiny:S1"][0] == 0 and at_station["tiny:S1B"][0] == 0
    assert "tiny:ST1" not in at_station


def test_unknown_stop_ref_says_which_end(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    with pytest.raises(UnknownStop) as raised:
        resolve(network, StopRef("tiny:NOPE"), "destination")
    assert raised.value.role == "destination"


def test_off_the_streets_stops_are_reached_crow_fly(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    south = Coordinate(-30.052, -51.2002)  # 2.9 km south of the streets, 222 m from FAR
    access = walk_from(world, south)
    far = network.get_stop("tiny:FAR")
    assert access.tree is None and far in access.crow_fly
    seconds, metres = offsets(access, network)["tiny:FAR"]
    assert metres == pytest.approx(m(-30.052, -51.2002, -30.05, -51.2002) * CROW_FLY_DETOUR, 0.01)
    assert seconds == math.ceil(metres / WALK)
    assert leg_coordinates(access, network, streets, int(far)) == [
        (-51.2002, -30.052),
        (-51.2002, -30.05),
    ]


def test_without_streets_every_stop_is_crow_fly(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    access = street_access(network, None, resolve(network, ORIGIN), "walk", WALK, 900)
    seconds, metres = offsets(access, network)["tiny:S1"]
    assert metres == pytest.approx(
        m(ORIGIN.lat, ORIGIN.lon, -30.0, -51.2002) * CROW_FLY_DETOUR, 0.01
    )
    assert access.crow_fly == {o.stop for o in access.offsets}


def test_direct_walk_meets_both_searches(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    a = walk_from(world, ORIGIN)
    b = street_access(
        network, streets, resolve(network, Coordinate(-30.003, -51.2001)), "walk", WALK, 900,
        reverse=True,
    )  # fmt: skip
    walk = direct_path(a, b, streets, 1800)
    assert walk is not None and not walk.crow_fly
    expected = 2 * m(-29.999, -51.2001, -29.999, -51.2) + m(-29.999, -51.2, -30.003, -51.2)
    assert walk.distance_m == pytest.approx(expected, abs=0.5)
    assert walk.duration_s == math.ceil(walk.distance_m / WALK)
    assert walk.coordinates[0] == (ORIGIN.lon, ORIGIN.lat)
    assert walk.coordinates[-1] == (-51.2001, -30.003)
    assert direct_path(a, b, streets, 60) is None


def test_direct_walk_along_one_edge(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    a = walk_from(world, Coordinate(-29.9985, -51.2001))
    b = street_access(
        network, streets, resolve(network, Coordinate(-29.9995, -51.2001)), "walk", WALK, 900,
        reverse=True,
    )  # fmt: skip
    walk = direct_path(a, b, streets, 900)
    assert walk is not None
    expected = 2 * m(-29.9985, -51.2001, -29.9985, -51.2) + m(-29.9985, -51.2, -29.9995, -51.2)
    assert walk.distance_m == pytest.approx(expected, abs=0.5)


def test_direct_ride_reaches_a_target_without_its_own_search(
    world: tuple[Network, StreetGraph],
) -> None:
    network, streets = world
    start = resolve(network, Coordinate(-30.0101, -51.192))
    ride = street_access(network, streets, start, "bike", BIKE, 1800)
    target = street_end(streets, resolve(network, Coordinate(-30.0099, -51.1995)), "bike", BIKE)
    path = direct_path(ride, target, streets, 1800)
    assert path is not None and path.mode == "bike"
    # Against the one-way: east, south, west along the south street, then north on Main.
    assert path.distance_m > m(-30.01, -51.192, -30.01, -51.19) * 2 + 2 * 222


def test_direct_path_is_crow_fly_off_the_streets(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    a = walk_from(world, Coordinate(-30.052, -51.2002))
    b = street_end(streets, resolve(network, Coordinate(-30.051, -51.2002)), "walk", WALK)
    walk = direct_path(a, b, streets, 900)
    assert walk is not None and walk.crow_fly
    expected = m(-30.052, -51.2002, -30.051, -51.2002) * CROW_FLY_DETOUR
    assert walk.distance_m == pytest.approx(expected, abs=0.1)


def test_offsets_that_cannot_help_are_pruned(world: tuple[Network, StreetGraph]) -> None:
    network, _ = world
    everything = walk_from(world, ORIGIN, 1000)
    assert set(offsets(everything, network)) == {"tiny:S1", "tiny:S1B", "tiny:S2"}
    access = walk_from(world, ORIGIN, 1000, prune=True)
    # S2 comes after S1 on its only pattern and the bus gets there first: no use walking on.
    # S1B has no trip at all.
    assert set(offsets(access, network)) == {"tiny:S1"}
    assert access.reached == 3
    by_s2 = Coordinate(-30.0101, -51.2001)  # S2 is 20 m away; S1 and S3 about 1.1 km
    assert {"tiny:S1", "tiny:S3"} <= set(offsets(walk_from(world, by_s2, 1000), network))
    egress = walk_from(world, by_s2, 1000, prune=True, reverse=True)
    # Mirrored: alighting at S1 is never better than riding on to S2. S3 stays (after S2).
    assert set(offsets(egress, network)) == {"tiny:S2", "tiny:S3"}


def test_pruning_keeps_stops_the_query_may_use(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    end = resolve(network, Coordinate(-30.0101, -51.2001))
    closed = np.ones(network.n_stops, dtype=np.bool_)
    closed[network.get_stop("tiny:S2")] = False  # S2 may not be boarded: it dominates nothing
    access = street_access(network, streets, end, "walk", WALK, 1000, usable=closed)
    assert {"tiny:S1", "tiny:S3"} <= set(offsets(access, network))


def test_a_stop_is_reached_along_its_own_edge(world: tuple[Network, StreetGraph]) -> None:
    """S4's nearest node (43) lies 90 m west: from the east the walk stops at S4 on the way."""
    network, streets = world
    east = Coordinate(-30.0121, -51.1905)  # 11 m south of the south street, west of node 45
    s4 = int(network.get_stop("tiny:S4"))
    on_edge = (-30.012, -51.1931)  # S4 projected onto the street between nodes 43 and 44
    to_44 = m(east.lat, east.lon, -30.012, east.lon) + m(-30.012, east.lon, -30.012, -51.192)
    expected = to_44 + m(-30.012, -51.192, *on_edge) + m(*on_edge, -30.0118, -51.1931)
    # The walk before stops had edges: past S4 to node 43, then straight back to the stop.
    through_43 = (
        to_44 + m(-30.012, -51.192, -30.012, -51.194) + m(-30.012, -51.194, -30.0118, -51.1931)
    )
    for reverse in (False, True):
        access = walk_from(world, east, reverse=reverse)
        seconds, metres = offsets(access, network)["tiny:S4"]
        assert metres == pytest.approx(expected, abs=0.5)
        assert seconds == math.ceil(metres / WALK)
        assert metres < through_43 - 150
        line = leg_coordinates(access, network, streets, s4)
        line = line[::-1] if reverse else line
        # Along the street to node 44, to the projected point, then to the stop: not by 43.
        assert line[-3:] == [(-51.192, -30.012), pytest.approx(on_edge[::-1]), (-51.1931, -30.0118)]
        assert (-51.194, -30.012) not in line


def test_a_named_stop_joins_the_streets_on_its_edge(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    east = resolve(network, Coordinate(-30.0121, -51.1905))
    s4 = resolve(network, StopRef("tiny:S4"))
    walk = street_access(network, streets, east, "walk", WALK, 900, prune=False)
    target = street_end(streets, s4, "walk", WALK)
    assert target.snap is not None and target.snap.offset_m == pytest.approx(22.2, abs=0.1)
    path = direct_path(walk, target, streets, 900)
    assert path is not None and not path.crow_fly
    assert path.distance_m == pytest.approx(offsets(walk, network)["tiny:S4"][1], abs=0.2)


def test_reversed_streets_turn_only_the_mode_asked(world: tuple[Network, StreetGraph]) -> None:
    """Egress by bike turns the bike graph round; the others are the graph's own, shared."""
    _, streets = world
    turned = reversed_streets(streets, "bike")
    forward, back = streets.bike, turned.bike

    def edges(graph: CsrGraph, flip: bool) -> set[tuple[int, int, float]]:
        tail = np.repeat(np.arange(streets.n_nodes), np.diff(graph.indptr)).tolist()
        head, length = graph.indices.tolist(), graph.length_m.tolist()
        rows = zip(tail, head, length, strict=True)
        return {(v, u, x) if flip else (u, v, x) for u, v, x in rows}

    assert edges(back, flip=True) == edges(forward, flip=False)
    assert turned.walk is streets.walk and turned.car is streets.car
    assert reversed_streets(streets, "bike") is turned  # made once
