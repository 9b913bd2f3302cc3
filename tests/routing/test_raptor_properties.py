"""Properties of the transit search on random tiny timetables, checked against the oracle."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.ids import StopIdx
from routing.journey import Journey
from routing.network import Network
from routing.query import Offset
from routing.raptor import search
from tests.routing import oracle
from tests.routing.feasible import check_journey
from tests.routing.tiny import DRAWN_FLAGS, QUERY_DAY, Trip, tiny_network

STOPS = "ABCDEF"
MAX_RIDES = 4
MINUTE = 60


@st.composite
def trips(draw: st.DrawFn, number: int) -> Trip:
    """A trip over 2 to 4 distinct stops, some starting before or running past midnight."""
    stops = draw(st.lists(st.sampled_from(STOPS), min_size=2, max_size=4, unique=True))
    t = draw(st.integers(5 * 60, 27 * 60)) * MINUTE
    arrival, departure = [], []
    for i in range(len(stops)):
        t += draw(st.integers(1, 20)) * MINUTE if i else 0
        arrival.append(t)
        t += draw(st.sampled_from([0, 0, MINUTE]))
        departure.append(t)
    n = len(stops)
    flags = draw(st.lists(st.sampled_from(DRAWN_FLAGS), min_size=n, max_size=n))
    days = draw(st.sampled_from([(0, 1, 2), (0, 1, 2), (1,), (0,), (2,)]))
    route = draw(st.sampled_from(["r1", "r2"]))
    return Trip(
        f"t{number}", tuple(stops), tuple(arrival), tuple(departure), route, days, tuple(flags)
    )


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """A few trips over six stops, with footpaths and minimum transfer times."""
    n = draw(st.integers(1, 9))
    pairs = st.tuples(st.sampled_from(STOPS), st.sampled_from(STOPS))
    walks = st.integers(1, 10).map(lambda m: m * MINUTE)
    return tiny_network(
        [draw(trips(i)) for i in range(n)],
        stops=STOPS,
        footpaths=draw(st.dictionaries(pairs, walks, max_size=6)),
        min_transfer_s=draw(st.dictionaries(st.sampled_from(STOPS), walks, max_size=6)),
    )


queries = st.tuples(st.sampled_from(STOPS), st.sampled_from(STOPS), st.integers(0, 26 * 60))
offsets = st.integers(0, 5).map(lambda m: m * MINUTE)
fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan(
    net: Network, a: str, b: str, time_s: int, *, arrive_by: bool = False, window_s: int = 0
) -> list[Journey]:
    access = [Offset(StopIdx(net.get_stop(a)), 0, "walk")]
    egress = [Offset(StopIdx(net.get_stop(b)), 0, "walk")]
    found = search(
        net, access, egress, QUERY_DAY, time_s,
        arrive_by=arrive_by, window_s=window_s, max_transfers=MAX_RIDES - 1,
    )  # fmt: skip
    for journey in found:
        check_journey(net, journey, QUERY_DAY)
    return found


def reference(net: Network, a: str, b: str, time_s: int) -> dict[int, int]:
    conns = oracle.connections(net, QUERY_DAY)
    return oracle.pareto(conns, {net.get_stop(a): 0}, {net.get_stop(b): 0}, time_s, MAX_RIDES)


@fuzz
@given(networks(), queries)
def test_pareto_set_equals_the_oracles(net: Network, query: tuple[str, str, int]) -> None:
    a, b, minute = query
    found = plan(net, a, b, minute * MINUTE)
    assert {j.transfers + 1: j.arrival_s for j in found} == reference(net, a, b, minute * MINUTE)


@fuzz
@given(networks(), st.sampled_from(STOPS), st.sampled_from(STOPS), offsets, offsets, queries)
def test_offsets_shift_departure_and_arrival(
    net: Network, a: str, b: str, access_s: int, egress_s: int, query: tuple[str, str, int]
) -> None:
    _, _, minute = query
    access = [Offset(StopIdx(net.get_stop(a)), access_s, "walk")]
    egress = [Offset(StopIdx(net.get_stop(b)), egress_s, "walk")]
    found = search(net, access, egress, QUERY_DAY, minute * MINUTE, max_transfers=MAX_RIDES - 1)
    conns = oracle.connections(net, QUERY_DAY)
    expected = oracle.pareto(
        conns, {access[0].stop: access_s}, {egress[0].stop: egress_s}, minute * MINUTE, MAX_RIDES
    )
    assert {j.transfers + 1: j.arrival_s for j in found} == expected
    for journey in found:
        check_journey(net, journey, QUERY_DAY)
        assert journey.departure_s >= minute * MINUTE


@fuzz
@given(networks(), queries, st.integers(1, 120))
def test_leaving_later_never_arrives_earlier(
    net: Network, query: tuple[str, str, int], later_min: int
) -> None:
    a, b, minute = query
    first = plan(net, a, b, minute * MINUTE)
    second = plan(net, a, b, (minute + later_min) * MINUTE)
    if second:
        assert first and min(j.arrival_s for j in first) <= min(j.arrival_s for j in second)


@fuzz
@given(networks(), queries)
def test_arrive_by_arrives_in_time_and_leaves_as_late_as_possible(
    net: Network, query: tuple[str, str, int]
) -> None:
    a, b, minute = query
    deadline = minute * MINUTE
    for journey in plan(net, a, b, deadline, arrive_by=True):
        assert journey.arrival_s <= deadline
        rides = journey.transfers + 1
        # Leaving at its departure arrives in time with as few rides; a second later does not.
        on_time = reference(net, a, b, journey.departure_s)
        assert min(t for r, t in on_time.items() if r <= rides) <= deadline
        late = reference(net, a, b, journey.departure_s + 1)
        assert all(t > deadline for r, t in late.items() if r <= rides)


@fuzz
@given(networks(), queries)
def test_arrive_by_at_a_found_arrival_departs_no_earlier(
    net: Network, query: tuple[str, str, int]
) -> None:
    a, b, minute = query
    for journey in plan(net, a, b, minute * MINUTE):
        back = plan(net, a, b, journey.arrival_s, arrive_by=True)
        assert back and max(j.departure_s for j in back) >= journey.departure_s


@fuzz
@given(networks(), queries, st.integers(1, 90), st.integers(0, 90))
def test_a_window_holds_the_best_journey_of_every_departure(
    net: Network, query: tuple[str, str, int], window_min: int, at_min: int
) -> None:
    a, b, minute = query
    found = plan(net, a, b, minute * MINUTE, window_s=window_min * MINUTE)
    for journey in found:  # each is the best with its rides, leaving when it leaves
        best = reference(net, a, b, journey.departure_s)
        assert min(t for r, t in best.items() if r <= journey.transfers + 1) == journey.arrival_s
    leave = (minute + min(at_min, window_min)) * MINUTE
    for rides, arrival in reference(net, a, b, leave).items():  # and none is missing
        assert any(
            j.departure_s >= leave and j.arrival_s <= arrival and j.transfers < rides for j in found
        )
