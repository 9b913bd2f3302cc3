"""The transit search with realtime overlays on random timetables, checked against the oracle.

Lines run several trips over one stop sequence, so that delays make trips overtake each other
within a pattern (the route scan then rides the trips out of order one by one), and skipped
stops give one trip other pickup and drop-off types than the rest.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.ids import StopIdx
from routing.journey import Journey, RideLeg
from routing.network import Network
from routing.query import Offset
from routing.raptor import search
from routing.raptor_frame import day_arrays, frame_for
from routing.realtime import RealtimeOverlay
from tests.routing import oracle
from tests.routing.feasible import check_journey
from tests.routing.tiny import DRAWN_FLAGS, QUERY_DAY, Flags, Trip, hms, tiny_network, trip

STOPS = "ABCDEF"
MAX_RIDES = 4
MINUTE = 60


@st.composite
def lines(draw: st.DrawFn, number: int) -> list[Trip]:
    """Trips of one line: one stop sequence and running times, leaving every few minutes."""
    stops = draw(st.lists(st.sampled_from(STOPS), min_size=2, max_size=4, unique=True))
    hops = [draw(st.integers(1, 15)) * MINUTE for _ in stops[1:]]
    first = draw(st.integers(5 * 60, 26 * 60)) * MINUTE
    trips = []
    for k in range(draw(st.integers(1, 6))):
        t = first + k * draw(st.integers(2, 20)) * MINUTE
        times = [t + sum(hops[:i]) for i in range(len(stops))]
        # Now and then a trip not stopping somewhere: its pattern is then irregular.
        flags: list[Flags] = [0] * len(stops)
        flags[draw(st.integers(0, len(stops) - 1))] = draw(st.sampled_from(DRAWN_FLAGS))
        days = draw(st.sampled_from([(0, 1, 2), (0, 1, 2), (1,), (0,), (2,)]))
        trips.append(
            Trip(
                f"l{number}t{k}", tuple(stops), tuple(times), tuple(times), f"r{number}", days,
                tuple(flags), wheelchair=draw(st.sampled_from([1, 1, 2])),
            )
        )  # fmt: skip
    return trips


@st.composite
def networks(draw: st.DrawFn) -> Network:
    """One to three lines over six stops, with footpaths and minimum transfer times."""
    trips = [t for n in range(draw(st.integers(1, 3))) for t in draw(lines(n))]
    pairs = st.tuples(st.sampled_from(STOPS), st.sampled_from(STOPS))
    walks = st.integers(1, 10).map(lambda m: m * MINUTE)
    return tiny_network(
        trips,
        stops=STOPS,
        footpaths=draw(st.dictionaries(pairs, walks, max_size=4)),
        min_transfer_s=draw(st.dictionaries(st.sampled_from(STOPS), walks, max_size=4)),
    )


@st.composite
def overlays(draw: st.DrawFn, net: Network) -> RealtimeOverlay:
    """Delays growing or shrinking along each trip, cancellations, skipped and closed stops."""
    arrival, departure = net.arrival.copy(), net.departure.copy()
    skipped = np.zeros(net.arrival.size, dtype=np.bool_)
    cancelled = np.zeros(len(net.trip_ids), dtype=np.bool_)
    for t in range(len(net.trip_ids)):
        cells = _cells(net, t)
        kind = draw(st.sampled_from(["on time", "late", "late", "early", "cancelled"]))
        cancelled[t] = kind == "cancelled"
        if kind in ("late", "early"):
            # Each hop (at least a minute: the oracle's order of connections needs it) and
            # stop may take longer or shorter than scheduled.
            sign = 1 if kind == "late" else -1
            times = [int(departure[cells[0]]) + sign * draw(st.integers(0, 40)) * MINUTE]
            for x, y in zip(cells, cells[1:], strict=False):
                hop = max(
                    MINUTE, int(arrival[y] - departure[x]) + draw(st.integers(-5, 10)) * MINUTE
                )
                times += [times[-1] + hop, times[-1] + hop + draw(st.sampled_from([0, 0, MINUTE]))]
            arrival[cells] = [times[0], *times[1::2]]
            departure[cells] = times[0::2]
        for x in cells:
            skipped[x] = draw(st.integers(0, 9)) == 0
    closed = np.array([draw(st.integers(0, 11)) == 0 for _ in range(net.n_stops)])
    day = QUERY_DAY + draw(st.sampled_from([0, 0, 0, -1, 1]))
    return RealtimeOverlay(net.version, day, 0.0, arrival, departure, cancelled, skipped, closed)


def _cells(net: Network, t: int) -> npt.NDArray[np.intp]:
    """Stop-time indices of trip `t`, in stop order."""
    p = int(net.trip_pattern[t])
    trips = list(net.pattern_trips[net.pattern_trip_ptr[p] : net.pattern_trip_ptr[p + 1]])
    n_pos = int(net.pattern_stop_ptr[p + 1] - net.pattern_stop_ptr[p])
    return int(net.pattern_time_ptr[p]) + np.arange(n_pos) * len(trips) + trips.index(t)


def plan(
    net: Network,
    overlay: RealtimeOverlay,
    a: str,
    b: str,
    time_s: int,
    *,
    wheelchair: bool = False,
    arrive_by: bool = False,
    window_s: int = 0,
) -> list[Journey]:
    access = [Offset(StopIdx(net.get_stop(a)), 0, "walk")]
    egress = [Offset(StopIdx(net.get_stop(b)), 0, "walk")]
    found = search(
        net, access, egress, QUERY_DAY, time_s, max_transfers=MAX_RIDES - 1, overlay=overlay,
        wheelchair=wheelchair, arrive_by=arrive_by, window_s=window_s,
    )  # fmt: skip
    for journey in found:
        check_journey(net, journey, QUERY_DAY, wheelchair=wheelchair, overlay=overlay)
    return found


def reference(
    net: Network, overlay: RealtimeOverlay, a: str, b: str, time_s: int, wheelchair: bool = False
) -> dict[int, int]:
    conns = oracle.connections(net, QUERY_DAY, wheelchair=wheelchair, overlay=overlay)
    return oracle.pareto(conns, {net.get_stop(a): 0}, {net.get_stop(b): 0}, time_s, MAX_RIDES)


fuzz = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
queries = st.tuples(st.sampled_from(STOPS), st.sampled_from(STOPS), st.integers(0, 27 * 60))


@fuzz
@given(st.data(), networks(), queries, st.booleans())
def test_pareto_set_with_realtime_equals_the_oracles(
    data: st.DataObject, net: Network, query: tuple[str, str, int], wheelchair: bool
) -> None:
    overlay = data.draw(overlays(net))
    a, b, minute = query
    found = plan(net, overlay, a, b, minute * MINUTE, wheelchair=wheelchair)
    expected = reference(net, overlay, a, b, minute * MINUTE, wheelchair)
    assert {j.transfers + 1: j.arrival_s for j in found} == expected


@fuzz
@given(st.data(), networks(), queries)
def test_arrive_by_with_realtime_leaves_as_late_as_possible(
    data: st.DataObject, net: Network, query: tuple[str, str, int]
) -> None:
    overlay = data.draw(overlays(net))
    a, b, minute = query
    deadline = minute * MINUTE
    for journey in plan(net, overlay, a, b, deadline, arrive_by=True):
        assert journey.arrival_s <= deadline
        rides = journey.transfers + 1
        on_time = reference(net, overlay, a, b, journey.departure_s)
        assert min(t for r, t in on_time.items() if r <= rides) <= deadline
        late = reference(net, overlay, a, b, journey.departure_s + 1)
        assert all(t > deadline for r, t in late.items() if r <= rides)


@fuzz
@given(st.data(), networks(), queries, st.integers(1, 90), st.integers(0, 90))
def test_a_window_with_realtime_holds_the_best_journey_of_every_departure(
    data: st.DataObject, net: Network, query: tuple[str, str, int], window_min: int, at_min: int
) -> None:
    overlay = data.draw(overlays(net))
    a, b, minute = query
    found = plan(net, overlay, a, b, minute * MINUTE, window_s=window_min * MINUTE)
    for journey in found:
        best = reference(net, overlay, a, b, journey.departure_s)
        assert min(t for r, t in best.items() if r <= journey.transfers + 1) == journey.arrival_s
    leave = (minute + min(at_min, window_min)) * MINUTE
    for rides, arrival in reference(net, overlay, a, b, leave).items():
        assert any(
            j.departure_s >= leave and j.arrival_s <= arrival and j.transfers < rides for j in found
        )


def delayed(net: Network, delays: dict[str, int]) -> RealtimeOverlay:
    """An overlay for the query day delaying whole trips by the given seconds."""
    arrival, departure = net.arrival.copy(), net.departure.copy()
    for trip_id, seconds in delays.items():
        cells = _cells(net, net.get_trip(trip_id))
        arrival[cells] += seconds
        departure[cells] += seconds
    nothing = np.zeros(net.arrival.size, dtype=np.bool_)
    return RealtimeOverlay(
        net.version, QUERY_DAY, 0.0, arrival, departure,
        np.zeros(len(net.trip_ids), dtype=np.bool_), nothing, np.zeros(net.n_stops, np.bool_),
    )  # fmt: skip


def rides(net: Network, overlay: RealtimeOverlay, at: str) -> list[tuple[str, str, str]]:
    """(trip, departure, arrival) of each ride from A to B leaving at `at`."""
    found = plan(net, overlay, "A", "B", hms(at))
    legs = [leg for j in found for leg in j.legs if isinstance(leg, RideLeg)]
    return [(net.trip_ids[leg.trip], clock(leg.departure_s), clock(leg.arrival_s)) for leg in legs]


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def ridden_apart(net: Network, overlay: RealtimeOverlay) -> list[str]:
    """The trips the route scans ride one by one, the same in both directions."""
    found = []
    for arrive_by in (False, True):
        frame = frame_for(net, arrive_by)
        days = day_arrays(net, frame, QUERY_DAY, wheelchair=False, bikes=False, overlay=overlay)
        # One pattern: its trips' slots start at 0.
        slots = frame.trip_order[days.ov_unordered]
        found.append(sorted(net.trip_ids[t] for t in net.pattern_trips[slots]))
    assert found[0] == found[1]
    return found[0]


def test_only_the_trips_out_of_order_are_ridden_one_by_one() -> None:
    net = tiny_network(
        [trip(f"t{k}", f"A 08:{10 * k:02d}, B 08:{10 * k + 5:02d}") for k in range(5)]
    )
    # t1 is 25 minutes late (after t2 and t3); t3 two minutes, still before t4.
    overlay = delayed(net, {"t1": 25 * MINUTE, "t3": 2 * MINUTE})
    assert ridden_apart(net, overlay) == ["t1"]
    assert rides(net, overlay, "08:05") == [("t2", "08:20", "08:25")]
    assert rides(net, overlay, "08:31") == [("t3", "08:32", "08:37")]
    assert rides(net, overlay, "08:33") == [("t1", "08:35", "08:40")]


def test_a_trip_passing_only_trips_not_running_that_day_stays_in_order() -> None:
    trips = [trip(f"t{k}", f"A 08:{10 * k:02d}, B 08:{10 * k + 5:02d}") for k in range(4)]
    trips[2] = trip("t2", "A 08:20, B 08:25", days=(0,))
    net = tiny_network(trips)
    overlay = delayed(net, {"t1": 15 * MINUTE})
    assert ridden_apart(net, overlay) == []
    assert rides(net, overlay, "08:21") == [("t1", "08:25", "08:30")]
    assert ridden_apart(net, delayed(net, {"t1": 25 * MINUTE})) == ["t1"]
