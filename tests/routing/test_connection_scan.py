"""The earliest-arrival connection scan: tiny timetables, and random ones against the oracle."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from routing.connection_scan import earliest_arrival
from routing.ids import StopIdx
from routing.journey import Journey, RideLeg, TransferLeg
from routing.network import NO_DROP_OFF, NO_PICKUP, Network
from routing.query import Offset
from routing.realtime import RealtimeOverlay
from tests.routing import oracle
from tests.routing.feasible import check_journey
from tests.routing.test_raptor import brief, realtime
from tests.routing.test_raptor_properties import MINUTE, STOPS, fuzz, networks, queries
from tests.routing.test_raptor_realtime import networks as lines_networks
from tests.routing.test_raptor_realtime import overlays
from tests.routing.test_raptor_realtime import queries as realtime_queries
from tests.routing.tiny import QUERY_DAY, hms, tiny_network, trip


def fastest(
    net: Network,
    origin: str,
    destination: str,
    at: str | int,
    *,
    arrive_by: bool = False,
    wheelchair: bool = False,
    overlay: RealtimeOverlay | None = None,
) -> list[Journey]:
    time_s = hms(at) if isinstance(at, str) else at
    access = [Offset(StopIdx(net.get_stop(origin)), 0, "walk")]
    egress = [Offset(StopIdx(net.get_stop(destination)), 0, "walk")]
    found = earliest_arrival(
        net, access, egress, QUERY_DAY, time_s,
        arrive_by=arrive_by, wheelchair=wheelchair, overlay=overlay,
    )  # fmt: skip
    assert len(found) <= 1
    for journey in found:
        check_journey(net, journey, QUERY_DAY, wheelchair=wheelchair, overlay=overlay)
    return found


def test_the_fastest_journey_may_take_more_transfers() -> None:
    net = tiny_network(
        [
            trip("slow", "A 08:05, D 09:00"),
            trip("t1", "A 08:00, B 08:10, C 08:20"),
            trip("t2", "C 08:25, D 08:30"),
        ]
    )
    assert brief(fastest(net, "A", "D", "07:50")) == [("08:00", "08:30", 1)]
    assert brief(fastest(net, "A", "D", "08:01")) == [("08:05", "09:00", 0)]


def test_transfer_rules_are_the_searchs() -> None:
    net = tiny_network(
        [
            trip("t1", "A 08:00, B 08:10"),
            trip("t2", "B 08:11, C 08:20"),
            trip("t3", "X 08:13, C 08:18"),
            trip("t4", "Y 08:20, C 08:25"),
        ],
        footpaths={("B", "X"): 120, ("X", "Y"): 60},
        min_transfer_s={"B": 120},
    )
    (journey,) = fastest(net, "A", "C", "07:55")
    ride, walk, ride2 = journey.legs
    assert isinstance(walk, TransferLeg) and isinstance(ride2, RideLeg)
    assert (walk.departure_s, walk.arrival_s, ride2.arrival_s) == (
        hms("08:10"),
        hms("08:12"),
        hms("08:18"),
    )
    assert fastest(net, "A", "Y", "07:55") == []  # one footpath, only between rides


def test_days_flags_and_accessibility() -> None:
    night = tiny_network([trip("night", "A 23:50, B 24:30, C 25:10", days=(0,))])
    assert brief(fastest(night, "B", "C", "00:10")) == [("00:30", "01:10", 0)]
    early = tiny_network([trip("early", "A 06:00, B 06:30")])
    assert brief(fastest(early, "A", "B", "23:00")) == [("30:00", "30:30", 0)]
    flags = (0, NO_DROP_OFF, NO_PICKUP, 0)
    net = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20, D 08:30", flags=flags)])
    assert fastest(net, "A", "B", "07:00") == [] and fastest(net, "C", "D", "07:00") == []
    step = tiny_network(
        [trip("step", "A 08:00, C 08:20", wheelchair=2), trip("lift", "A 08:10, C 08:40")]
    )
    assert brief(fastest(step, "A", "C", "07:55", wheelchair=True)) == [("08:10", "08:40", 0)]


def test_an_access_stop_further_along_lets_the_journey_leave_later() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20")])
    access = [Offset(StopIdx(net.get_stop("A")), 300, "walk")]
    access.append(Offset(StopIdx(net.get_stop("B")), 60, "walk"))
    egress = [Offset(StopIdx(net.get_stop("C")), 0, "walk")]
    (journey,) = earliest_arrival(net, access, egress, QUERY_DAY, hms("07:50"))
    assert brief([journey]) == [("08:09", "08:20", 0)] and journey.access == access[1]


def test_a_later_ride_passing_an_access_stop_drops_the_rides_before_it() -> None:
    rides = [trip("t1", "A 08:00, B 08:10"), trip("t2", "B 08:15, C 08:25, D 08:35")]
    net = tiny_network(rides)
    access = [Offset(StopIdx(net.get_stop("A")), 0, "walk")]
    access.append(Offset(StopIdx(net.get_stop("C")), 600, "walk"))
    egress = [Offset(StopIdx(net.get_stop("D")), 0, "walk")]
    (journey,) = earliest_arrival(net, access, egress, QUERY_DAY, hms("07:55"))
    check_journey(net, journey, QUERY_DAY)
    assert brief([journey]) == [("08:15", "08:35", 0)] and journey.access == access[1]
    # Where C may not be boarded at, the journey keeps both rides.
    rides[1] = trip("t2", "B 08:15, C 08:25, D 08:35", flags=(0, NO_PICKUP, 0))
    (journey,) = earliest_arrival(tiny_network(rides), access, egress, QUERY_DAY, hms("07:55"))
    assert brief([journey]) == [("08:00", "08:35", 1)] and journey.access == access[0]


def test_the_scan_starts_at_the_first_boardable_departure() -> None:
    net = tiny_network(
        [
            trip("early elsewhere", "X 07:00, Y 07:10"),
            trip("no pickup", "A 08:00, B 08:10", flags=(NO_PICKUP, 0)),
            trip("t2", "A 08:20, B 08:30"),
            trip("slow", "C 08:00, D 09:00"),
            trip("overtaking", "C 08:10, D 08:30"),
        ]
    )
    assert brief(fastest(net, "A", "B", "06:00")) == [("08:20", "08:30", 0)]
    assert brief(fastest(net, "C", "D", "06:00")) == [("08:10", "08:30", 0)]
    assert brief(fastest(net, "C", "D", "08:05")) == [("08:10", "08:30", 0)]
    assert fastest(net, "B", "A", "06:00") == []  # nothing leaves B


def test_arrive_by_leaves_last() -> None:
    net = tiny_network(
        [trip(f"t{h}", f"A {h}:00, B {h}:20, C {h}:40") for h in ("07", "08", "09")]
        + [trip("late", "A 08:30, B 08:40"), trip("fast", "B 08:45, C 08:50")]
    )
    assert brief(fastest(net, "A", "C", "08:55", arrive_by=True)) == [("08:30", "08:50", 1)]
    assert brief(fastest(net, "A", "C", "08:45", arrive_by=True)) == [("08:00", "08:40", 0)]


def test_realtime_is_applied() -> None:
    net = tiny_network(
        [trip("t1", "A 08:00, B 08:10, C 08:20"), trip("t2", "A 08:30, B 08:40, C 08:50")]
    )
    cancelled = realtime(net, cancelled=("t1",))
    assert brief(fastest(net, "A", "C", "07:55", overlay=cancelled)) == [("08:30", "08:50", 0)]
    skipped = realtime(net, skipped=(("t1", "B"),))
    assert brief(fastest(net, "A", "B", "07:55", overlay=skipped)) == [("08:30", "08:40", 0)]
    late = realtime(net, delays={"t1": 40 * 60})  # now overtaken by t2
    assert brief(fastest(net, "A", "C", "07:55", overlay=late)) == [("08:30", "08:50", 0)]
    assert brief(fastest(net, "A", "C", "08:55", arrive_by=True, overlay=late)) == [
        ("08:30", "08:50", 0)
    ]


def check_latest_departure(
    net: Network, query: tuple[str, str, int], overlay: RealtimeOverlay | None
) -> None:
    """The latest departure arriving by the query's minute is the oracle's."""
    a, b, minute = query
    deadline = minute * MINUTE
    conns = oracle.connections(net, QUERY_DAY, overlay=overlay)
    origin: dict[int, int] = {net.get_stop(a): 0}
    destination: dict[int, int] = {net.get_stop(b): 0}
    found = fastest(net, a, b, deadline, arrive_by=True, overlay=overlay)
    if not found:  # then even leaving as early as the day before's first trip is too late
        assert not oracle.pareto(conns, origin, destination, -86_400, 99, deadline + 1)
    for journey in found:
        assert journey.arrival_s <= deadline
        assert oracle.pareto(conns, origin, destination, journey.departure_s, 99, deadline + 1)
        assert not oracle.pareto(
            conns, origin, destination, journey.departure_s + 1, 99, deadline + 1
        )


@fuzz
@given(networks(), queries)
def test_earliest_arrival_is_the_oracles(net: Network, query: tuple[str, str, int]) -> None:
    a, b, minute = query
    found = fastest(net, a, b, minute * MINUTE)
    conns = oracle.connections(net, QUERY_DAY)
    arrivals = oracle.pareto(conns, {net.get_stop(a): 0}, {net.get_stop(b): 0}, minute * MINUTE, 99)
    assert [j.arrival_s for j in found] == ([min(arrivals.values())] if arrivals else [])


@fuzz
@given(networks(), st.sampled_from(STOPS), st.sampled_from(STOPS), st.integers(0, 26 * 60))
def test_latest_departure_is_the_oracles(net: Network, a: str, b: str, minute: int) -> None:
    check_latest_departure(net, (a, b, minute), None)


@fuzz
@given(st.data(), lines_networks(), realtime_queries, st.booleans())
def test_earliest_arrival_with_realtime_is_the_oracles(
    data: st.DataObject, net: Network, query: tuple[str, str, int], wheelchair: bool
) -> None:
    overlay = data.draw(overlays(net))
    a, b, minute = query
    found = fastest(net, a, b, minute * MINUTE, wheelchair=wheelchair, overlay=overlay)
    conns = oracle.connections(net, QUERY_DAY, wheelchair=wheelchair, overlay=overlay)
    origin: dict[int, int] = {net.get_stop(a): 0}
    destination: dict[int, int] = {net.get_stop(b): 0}
    arrivals = oracle.pareto(conns, origin, destination, minute * MINUTE, 99)
    assert [j.arrival_s for j in found] == ([min(arrivals.values())] if arrivals else [])


@fuzz
@given(st.data(), lines_networks(), realtime_queries)
def test_latest_departure_with_realtime_is_the_oracles(
    data: st.DataObject, net: Network, query: tuple[str, str, int]
) -> None:
    overlay = data.draw(overlays(net))
    check_latest_departure(net, query, overlay)
