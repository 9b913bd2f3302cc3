"""The transit search on the real Porto Alegre and Bay Area networks, against the oracle.

Seeded random stop-to-stop queries: the router's Pareto set over (arrival, rides) must equal
the connection scan's (`tests.routing.oracle`, same transfer rules), so its earliest arrival
does, and every journey must be feasible on the raw arrays. In Porto Alegre the comparison is
limited to journeys arriving within six hours, which keeps the pure-Python oracle quick (what
it finds before that horizon is exact; the router's later journeys are left out of the check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TypedDict, Unpack

import numpy as np
import pytest

from routing.connection_scan import earliest_arrival
from routing.ids import StopIdx
from routing.journey import Journey
from routing.network import Network
from routing.query import Offset
from routing.raptor import search
from tests.routing import oracle
from tests.routing.feasible import check_journey

pytestmark = pytest.mark.slow

MAX_RIDES = 7  # the default max_transfers=6
PORTO_ALEGRE_DAY = dt.date(2019, 5, 14)
BAY_AREA_DAY = dt.date(2019, 8, 7)
HORIZON_S = 6 * 3600


class Needs(TypedDict, total=False):
    """The traveller's needs: keywords of the search and of the oracle's connections."""

    wheelchair: bool
    bikes: bool


class Options(Needs, total=False):
    """Keywords of `plan`: the needs, and the search's direction and window."""

    arrive_by: bool
    window_s: int


def queries(
    network: Network, n: int, seed: int, hours: tuple[float, float]
) -> Iterator[tuple[int, int, int]]:
    """`n` seeded (origin, destination, time) between served stops, times within `hours`."""
    rng = np.random.default_rng(seed)
    served = np.flatnonzero(np.diff(network.stop_pattern_ptr) > 0)
    for _ in range(n):
        a, b = (int(s) for s in rng.choice(served, 2, replace=False))
        yield a, b, int(rng.integers(int(hours[0] * 3600), int(hours[1] * 3600)))


def plan(
    network: Network, day: int, a: int, b: int, time_s: int, **options: Unpack[Options]
) -> list[Journey]:
    access, egress = [Offset(StopIdx(a), 0, "walk")], [Offset(StopIdx(b), 0, "walk")]
    found = search(network, access, egress, day, time_s, **options)
    for journey in found:
        check_journey(network, journey, day, wheelchair=bool(options.get("wheelchair")))
    return found


def pareto(found: list[Journey], horizon_s: float = oracle.INF) -> dict[int, int]:
    return {j.transfers + 1: j.arrival_s for j in found if j.arrival_s < horizon_s}


def check_against_oracle(
    network: Network,
    day: int,
    conns: oracle.Connections,
    query: tuple[int, int, int],
    **options: Unpack[Needs],
) -> None:
    a, b, t = query
    horizon = t + HORIZON_S
    expected = oracle.pareto(conns, {a: 0}, {b: 0}, t, MAX_RIDES, horizon)
    assert pareto(plan(network, day, a, b, t, **options), horizon) == expected, query
    # The connection scan's earliest arrival: the same, unless it took more rides than allowed.
    access, egress = [Offset(StopIdx(a), 0, "walk")], [Offset(StopIdx(b), 0, "walk")]
    fastest = earliest_arrival(network, access, egress, day, t, **options)
    assert fastest or not expected, query
    for journey in fastest:
        check_journey(network, journey, day, wheelchair=bool(options.get("wheelchair")))
        best = min(expected.values(), default=horizon)
        faster = journey.arrival_s < best and journey.transfers + 1 > MAX_RIDES
        assert journey.arrival_s == best or faster or journey.arrival_s >= horizon == best, query


@pytest.fixture(scope="module")
def porto_alegre(porto_alegre_network: Network) -> tuple[Network, int, oracle.Connections]:
    day = porto_alegre_network.day_index(PORTO_ALEGRE_DAY)
    return porto_alegre_network, day, oracle.connections(porto_alegre_network, day)


@pytest.fixture(scope="module")
def bay_area(bay_area_network: Network) -> tuple[Network, int, oracle.Connections]:
    day = bay_area_network.day_index(BAY_AREA_DAY)
    return bay_area_network, day, oracle.connections(bay_area_network, day)


def test_porto_alegre_pareto_sets_equal_the_oracles(
    porto_alegre: tuple[Network, int, oracle.Connections],
) -> None:
    network, day, conns = porto_alegre
    for query in queries(network, 500, seed=1, hours=(12, 16)):
        check_against_oracle(network, day, conns, query)


def test_bay_area_pareto_sets_equal_the_oracles(
    bay_area: tuple[Network, int, oracle.Connections],
) -> None:
    network, day, conns = bay_area
    # From midnight: BART's trips of the day before still run then.
    for query in queries(network, 500, seed=2, hours=(0, 24)):
        check_against_oracle(network, day, conns, query)


def test_bay_area_wheelchair_and_bikes(bay_area_network: Network) -> None:
    day = bay_area_network.day_index(BAY_AREA_DAY)
    for options in (Needs(wheelchair=True), Needs(bikes=True)):
        conns = oracle.connections(bay_area_network, day, **options)
        usable = bay_area_network.stop_wheelchair == 1 if "wheelchair" in options else None
        for a, b, t in queries(bay_area_network, 150, seed=3, hours=(5, 22)):
            if usable is not None and not (usable[a] and usable[b]):
                assert plan(bay_area_network, day, a, b, t, **options) == []
                continue
            check_against_oracle(bay_area_network, day, conns, (a, b, t), **options)


@pytest.mark.parametrize("region", ["porto_alegre", "bay_area"])
def test_arrive_by_leaves_as_late_as_possible(region: str, request: pytest.FixtureRequest) -> None:
    network, day, conns = request.getfixturevalue(region)
    hours = (13, 17) if region == "porto_alegre" else (6, 23)
    for a, b, deadline in queries(network, 60, seed=4, hours=hours):
        for journey in plan(network, day, a, b, deadline, arrive_by=True):
            rides = journey.transfers + 1
            assert journey.arrival_s <= deadline
            leaving = oracle.pareto(conns, {a: 0}, {b: 0}, journey.departure_s, rides, deadline + 1)
            assert leaving, "leaving then arrives in time"
            later = oracle.pareto(
                conns, {a: 0}, {b: 0}, journey.departure_s + 1, rides, deadline + 1
            )
            assert not later, "leaving a second later does not"


@pytest.mark.parametrize("region", ["porto_alegre", "bay_area"])
def test_window_journeys_are_each_the_best_of_their_departure(
    region: str, request: pytest.FixtureRequest
) -> None:
    network, day, conns = request.getfixturevalue(region)
    hours = (12, 15) if region == "porto_alegre" else (6, 21)
    rng = np.random.default_rng(5)
    for a, b, t in queries(network, 30, seed=5, hours=hours):
        found = plan(network, day, a, b, t, window_s=3600)
        horizon = t + 3600 + HORIZON_S
        for journey in found:
            best = oracle.pareto(conns, {a: 0}, {b: 0}, journey.departure_s, MAX_RIDES, horizon)
            fewer = [arr for rides, arr in best.items() if rides <= journey.transfers + 1]
            assert journey.arrival_s >= horizon or min(fewer) == journey.arrival_s
        leave = t + int(rng.integers(0, 3601))
        for rides, arrival in oracle.pareto(
            conns, {a: 0}, {b: 0}, leave, MAX_RIDES, horizon
        ).items():
            assert any(
                j.departure_s >= leave and j.arrival_s <= arrival and j.transfers < rides
                for j in found
            ), (a, b, t, leave)
