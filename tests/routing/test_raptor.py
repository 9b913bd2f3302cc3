"""Behaviour of the transit search on tiny hand-written timetables."""

from __future__ import annotations

import dataclasses
from typing import TypedDict

import numpy as np
import numpy.typing as npt
import pytest

from routing.ids import StopIdx
from routing.journey import Journey, RideLeg, TransferLeg
from routing.network import NO_DROP_OFF, NO_PICKUP, Network
from routing.query import Offset
from routing.raptor import search
from routing.realtime import RealtimeOverlay
from tests.routing.feasible import check_journey
from tests.routing.tiny import QUERY_DAY, hms, tiny_network, trip


class PlanOptions(TypedDict, total=False):
    """Keywords of `plan` beyond the stops and time."""

    arrive_by: bool
    window_s: int
    max_transfers: int


def offset(net: Network, stop: str, seconds: int = 0) -> Offset:
    return Offset(StopIdx(net.get_stop(stop)), seconds, "walk")


def plan(
    net: Network,
    origin: str,
    destination: str,
    at: str,
    *,
    arrive_by: bool = False,
    window_s: int = 0,
    max_transfers: int = 6,
    wheelchair: bool = False,
    bikes: bool = False,
    overlay: RealtimeOverlay | None = None,
) -> list[Journey]:
    """Stop to stop at `at` (HH:MM) on the query day, every journey checked feasible."""
    found = search(
        net, [offset(net, origin)], [offset(net, destination)], QUERY_DAY, hms(at),
        arrive_by=arrive_by, window_s=window_s, max_transfers=max_transfers,
        wheelchair=wheelchair, bikes=bikes, overlay=overlay,
    )  # fmt: skip
    for journey in found:
        check_journey(net, journey, QUERY_DAY, wheelchair=wheelchair, overlay=overlay)
    return found


def clock(seconds: int) -> str:
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def brief(journeys: list[Journey]) -> list[tuple[str, str, int]]:
    """(departure, arrival, transfers) of each journey, as HH:MM."""
    return [(clock(j.departure_s), clock(j.arrival_s), j.transfers) for j in journeys]


def trips_of(journey: Journey, net: Network) -> list[str]:
    return [net.trip_ids[leg.trip] for leg in journey.legs if isinstance(leg, RideLeg)]


def test_direct_ride_departs_as_late_as_the_boarding_allows() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20")])
    assert brief(plan(net, "A", "C", "07:30")) == [("08:00", "08:20", 0)]
    assert brief(plan(net, "B", "C", "07:30")) == [("08:10", "08:20", 0)]
    assert plan(net, "A", "C", "08:01") != []  # tomorrow's trip
    assert plan(net, "C", "A", "07:30") == []  # trips run one way


def test_pareto_set_keeps_a_slower_journey_with_fewer_transfers() -> None:
    net = tiny_network(
        [
            trip("slow", "A 08:05, D 09:00"),
            trip("t1", "A 08:00, B 08:10, C 08:20"),
            trip("t2", "C 08:25, D 08:30"),
        ]
    )
    found = plan(net, "A", "D", "07:50")
    assert brief(found) == [("08:00", "08:30", 1), ("08:05", "09:00", 0)]
    assert [trips_of(j, net) for j in found] == [["t1", "t2"], ["slow"]]


def test_changing_at_a_stop_takes_its_minimum_transfer_time() -> None:
    trips = [
        trip("t1", "A 08:00, B 08:10"),
        trip("t2", "B 08:11, C 08:20"),
        trip("t3", "B 08:20, C 08:30"),
    ]
    assert brief(plan(tiny_network(trips), "A", "C", "07:55")) == [("08:00", "08:20", 1)]
    slow_change = tiny_network(trips, min_transfer_s={"B": 120})
    assert brief(plan(slow_change, "A", "C", "07:55")) == [("08:00", "08:30", 1)]


def test_a_footpath_links_two_rides() -> None:
    net = tiny_network(
        [trip("t1", "A 08:00, B 08:10"), trip("t2", "X 08:13, C 08:20")],
        footpaths={("B", "X"): 120},
        min_transfer_s={"B": 600},  # the stop's own change time does not apply to a walk
    )
    (journey,) = plan(net, "A", "C", "07:55")
    ride1, walk, ride2 = journey.legs
    b, x = net.get_stop("B"), net.get_stop("X")
    assert walk == TransferLeg(b, x, hms("08:10"), hms("08:12"), 0)
    assert isinstance(ride2, RideLeg) and ride2.departure_s == hms("08:13")


def test_footpaths_are_walked_one_at_a_time_and_only_between_rides() -> None:
    net = tiny_network(
        [trip("t1", "A 08:00, B 08:10"), trip("t2", "Y 08:30, C 08:40")],
        footpaths={("B", "X"): 60, ("X", "Y"): 60, ("O", "A"): 60, ("B", "D"): 60},
    )
    assert plan(net, "A", "C", "07:55") == []  # B -> X -> Y would chain two footpaths
    assert plan(net, "O", "B", "07:55") == []  # access offsets are the only way in
    assert plan(net, "A", "D", "07:55") == []  # egress offsets the only way out
    assert brief(plan(net, "A", "B", "07:55")) == [("08:00", "08:10", 0)]


def test_access_and_egress_offsets_add_their_durations() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20")])
    access = [offset(net, "A", 300), offset(net, "B", 60)]
    egress = [offset(net, "B", 900), offset(net, "C", 120)]
    found = search(net, access, egress, QUERY_DAY, hms("07:50"))
    # Boarding at A leaves earlier; from B the same ride is caught leaving later.
    assert brief(found) == [("08:09", "08:22", 0)]
    assert found[0].access == access[1] and found[0].egress == egress[1]


def test_trips_of_yesterday_running_past_midnight_are_caught() -> None:
    net = tiny_network([trip("night", "A 23:50, B 24:30, C 25:10", days=(0,))])
    (journey,) = plan(net, "B", "C", "00:10")
    assert brief([journey]) == [("00:30", "01:10", 0)]
    (ride,) = journey.legs
    assert isinstance(ride, RideLeg) and ride.day == QUERY_DAY - 1


def test_a_late_search_rides_tomorrow_morning() -> None:
    net = tiny_network([trip("early", "A 06:00, B 06:30")])
    (journey,) = plan(net, "A", "B", "23:00")
    assert (journey.departure_s, journey.arrival_s) == (hms("30:00"), hms("30:30"))
    assert isinstance(journey.legs[0], RideLeg) and journey.legs[0].day == QUERY_DAY + 1


def test_only_trips_running_that_day_are_used() -> None:
    net = tiny_network([trip("monday", "A 08:00, B 08:30", days=(0,))])
    assert plan(net, "A", "B", "07:00") == []


def test_pickup_and_drop_off_types_are_honoured() -> None:
    flags = (0, NO_DROP_OFF, NO_PICKUP, 0)
    net = tiny_network([trip("t1", "A 08:00, B 08:10, C 08:20, D 08:30", flags=flags)])
    assert plan(net, "A", "B", "07:00") == []
    assert plan(net, "C", "D", "07:00") == []
    assert brief(plan(net, "A", "C", "07:00")) == [("08:00", "08:20", 0)]
    assert brief(plan(net, "B", "D", "07:00")) == [("08:10", "08:30", 0)]


@pytest.mark.parametrize("arrive_by", [False, True])
def test_pickup_and_drop_off_types_are_honoured_in_both_directions(arrive_by: bool) -> None:
    """The arrive-by search reads the flags backwards (no pickup there is no drop-off here)."""
    flags = (0, NO_DROP_OFF, NO_PICKUP, 0)
    regular = [trip("t1", "A 08:00, B 08:10, C 08:20, D 08:30", flags=flags)]
    mixed = [*regular, trip("t2", "A 08:30, B 08:40, C 08:50, D 09:00")]  # ridden trip by trip
    at = "09:30" if arrive_by else "07:00"
    net = tiny_network(regular)
    assert plan(net, "A", "B", at, arrive_by=arrive_by) == []
    assert plan(net, "C", "D", at, arrive_by=arrive_by) == []
    assert brief(plan(net, "B", "D", at, arrive_by=arrive_by)) == [("08:10", "08:30", 0)]
    net = tiny_network(mixed)
    assert brief(plan(net, "A", "B", at, arrive_by=arrive_by)) == [("08:30", "08:40", 0)]
    assert brief(plan(net, "C", "D", at, arrive_by=arrive_by)) == [("08:50", "09:00", 0)]
    first = ("08:30", "08:50", 0) if arrive_by else ("08:00", "08:20", 0)
    assert brief(plan(net, "A", "C", at, arrive_by=arrive_by)) == [first]


def test_wheelchair_uses_accessible_stops_and_trips_only() -> None:
    net = tiny_network(
        [
            trip("step", "A 08:00, C 08:20", wheelchair=2),
            trip("lift", "A 08:10, C 08:40"),
            trip("via", "A 08:05, B 08:15, C 08:25"),
        ],
        inaccessible_stops=["B"],
    )
    assert brief(plan(net, "A", "C", "07:55")) == [("08:00", "08:20", 0)]
    assert brief(plan(net, "A", "C", "07:55", wheelchair=True)) == [("08:05", "08:25", 0)]
    assert plan(net, "A", "B", "07:55", wheelchair=True) == []


def test_bikes_use_trips_allowing_them_only() -> None:
    net = tiny_network([trip("no", "A 08:00, B 08:20", bikes=2), trip("yes", "A 08:30, B 08:50")])
    assert brief(plan(net, "A", "B", "07:55", bikes=True)) == [("08:30", "08:50", 0)]


def test_arrive_by_finds_the_latest_departures() -> None:
    net = tiny_network(
        [trip(f"t{h}", f"A {h}:00, B {h}:20, C {h}:40") for h in ("07", "08", "09")]
        + [trip("late", "A 08:30, B 08:40"), trip("fast", "B 08:45, C 08:50")]
    )
    found = plan(net, "A", "C", "08:55", arrive_by=True)
    assert brief(found) == [("08:00", "08:40", 0), ("08:30", "08:50", 1)]
    assert brief(plan(net, "A", "C", "08:45", arrive_by=True)) == [("08:00", "08:40", 0)]


def test_arrive_by_pareto_over_departure_and_transfers() -> None:
    net = tiny_network(
        [
            trip("direct", "A 07:00, C 08:00"),
            trip("t1", "A 07:30, B 07:40"),
            trip("t2", "B 07:45, C 07:55"),
        ]
    )
    found = plan(net, "A", "C", "08:00", arrive_by=True)
    assert brief(found) == [("07:00", "08:00", 0), ("07:30", "07:55", 1)]


def test_a_window_returns_the_journeys_of_each_departure_time() -> None:
    net = tiny_network(
        [trip(f"t{m}", f"A 08:{m}, B 08:{int(m) + 20}") for m in ("00", "15", "30", "45")]
    )
    found = plan(net, "A", "B", "07:55", window_s=40 * 60)
    # Leaving at the window's end, 08:35, one takes the 08:45.
    assert brief(found) == [
        ("08:00", "08:20", 0),
        ("08:15", "08:35", 0),
        ("08:30", "08:50", 0),
        ("08:45", "09:05", 0),
    ]


def test_a_window_drops_journeys_beaten_by_a_later_departure() -> None:
    net = tiny_network(
        [
            trip("slow", "A 08:00, B 09:00"),
            trip("fast", "A 08:10, B 08:30"),
            trip("next", "A 08:20, B 08:40"),
        ]
    )
    assert brief(plan(net, "A", "B", "07:55", window_s=20 * 60)) == [
        ("08:10", "08:30", 0),
        ("08:20", "08:40", 0),
    ]


def test_arrive_by_window_spans_arrival_times() -> None:
    net = tiny_network([trip(f"t{m}", f"A 08:{m}, B 08:{int(m) + 20}") for m in ("00", "15", "30")])
    found = plan(net, "A", "B", "08:50", arrive_by=True, window_s=20 * 60)
    # Arriving by the window's start, 08:30, one takes the 08:00.
    assert brief(found) == [("08:00", "08:20", 0), ("08:15", "08:35", 0), ("08:30", "08:50", 0)]


def test_searches_in_turn_each_find_what_they_find_alone() -> None:
    # One thread's searches share their labels' workspace whatever their direction.
    def network() -> Network:
        return tiny_network(
            [
                trip("direct", "A 07:00, C 08:00"),
                trip("t1", "A 07:30, B 07:40"),
                trip("t2", "B 07:45, C 07:55"),
                trip("t3", "X 07:50, C 08:05"),
            ],
            footpaths={("B", "X"): 120},
        )

    queries: list[tuple[str, str, str, PlanOptions]] = [
        ("A", "C", "08:10", {"arrive_by": True}),
        ("A", "C", "06:50", {}),
        ("A", "C", "08:10", {"arrive_by": True, "window_s": 1800}),
        ("B", "C", "07:30", {"window_s": 1800, "max_transfers": 0}),
        ("A", "C", "06:50", {"max_transfers": 0}),
    ]
    alone = [brief(plan(network(), a, b, at, **options)) for a, b, at, options in queries]
    shared = network()
    in_turn = [brief(plan(shared, a, b, at, **options)) for a, b, at, options in queries]
    assert in_turn == alone
    assert all(alone)


def test_max_transfers_limits_the_rides() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10"), trip("t2", "B 08:20, C 08:30")])
    assert brief(plan(net, "A", "C", "07:55")) == [("08:00", "08:30", 1)]
    assert plan(net, "A", "C", "07:55", max_transfers=0) == []


def test_no_journey_without_usable_offsets() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10")])
    assert search(net, [], [offset(net, "B")], QUERY_DAY, hms("07:00")) == []
    assert plan(net, "A", "A", "07:00") == []


def test_bad_arguments_are_refused() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10")])
    with pytest.raises(ValueError, match="window_s"):
        plan(net, "A", "B", "07:00", window_s=-1)
    stale = realtime(net)
    object.__setattr__(stale, "network_version", "older")
    with pytest.raises(ValueError, match="overlay"):
        plan(net, "A", "B", "07:00", overlay=stale)


# Realtime ------------------------------------------------------------------------------------


def realtime(
    net: Network,
    *,
    delays: dict[str, int] | None = None,
    cancelled: tuple[str, ...] = (),
    skipped: tuple[tuple[str, str], ...] = (),
    closed: tuple[str, ...] = (),
    day: int = QUERY_DAY,
) -> RealtimeOverlay:
    """An overlay delaying whole trips, cancelling trips, skipping (trip, stop), closing stops."""
    arrival, departure = net.arrival.copy(), net.departure.copy()
    skip = np.zeros(net.arrival.size, dtype=np.bool_)
    for trip_id, seconds in (delays or {}).items():
        cells = _cells(net, trip_id)
        arrival[cells] += seconds
        departure[cells] += seconds
    for trip_id, stop in skipped:
        p = net.trip_pattern[net.get_trip(trip_id)]
        stops = list(net.pattern_stops[net.pattern_stop_ptr[p] : net.pattern_stop_ptr[p + 1]])
        skip[_cells(net, trip_id)[stops.index(net.get_stop(stop))]] = True
    trips = np.zeros(len(net.trip_ids), dtype=np.bool_)
    trips[[net.get_trip(t) for t in cancelled]] = True
    stops_closed = np.zeros(net.n_stops, dtype=np.bool_)
    stops_closed[[net.get_stop(s) for s in closed]] = True
    return RealtimeOverlay(net.version, day, 0.0, arrival, departure, trips, skip, stops_closed)


def _cells(net: Network, trip_id: str) -> npt.NDArray[np.intp]:
    t = net.get_trip(trip_id)
    p = int(net.trip_pattern[t])
    trips = list(net.pattern_trips[net.pattern_trip_ptr[p] : net.pattern_trip_ptr[p + 1]])
    n_pos = int(net.pattern_stop_ptr[p + 1] - net.pattern_stop_ptr[p])
    return int(net.pattern_time_ptr[p]) + np.arange(n_pos) * len(trips) + trips.index(t)


def test_realtime_delays_move_the_journey() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10"), trip("t2", "B 08:20, C 08:30")])
    late = realtime(net, delays={"t1": 15 * 60})
    assert brief(plan(net, "A", "B", "07:55", overlay=late)) == [("08:15", "08:25", 0)]
    # The change at B is missed today: the next t2 is tomorrow's (the overlay is for today).
    (journey,) = plan(net, "A", "C", "07:55", overlay=late)
    assert clock(journey.arrival_s) == "32:30"


def test_realtime_cancellations_skips_and_closures() -> None:
    net = tiny_network(
        [trip("t1", "A 08:00, B 08:10, C 08:20"), trip("t2", "A 08:30, B 08:40, C 08:50")]
    )
    assert brief(plan(net, "A", "C", "07:55", overlay=realtime(net, cancelled=("t1",)))) == [
        ("08:30", "08:50", 0)
    ]
    skip = realtime(net, skipped=(("t1", "B"),))
    assert brief(plan(net, "A", "B", "07:55", overlay=skip)) == [("08:30", "08:40", 0)]
    assert brief(plan(net, "B", "C", "07:55", overlay=skip)) == [("08:40", "08:50", 0)]
    closed = realtime(net, closed=("B",))
    assert plan(net, "A", "B", "07:55", overlay=closed) == []
    assert brief(plan(net, "A", "C", "07:55", overlay=closed)) == [("08:00", "08:20", 0)]


def test_realtime_overtaking_trips_are_searched_in_order_of_their_times() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10"), trip("t2", "A 08:05, B 08:15")])
    overtaken = realtime(net, delays={"t1": 10 * 60})
    (journey,) = plan(net, "A", "B", "08:01", overlay=overtaken)
    assert trips_of(journey, net) == ["t2"]
    (journey,) = plan(net, "A", "B", "07:55", overlay=overtaken)
    assert trips_of(journey, net) == ["t2"] and brief([journey]) == [("08:05", "08:15", 0)]


def test_realtime_applies_to_an_arrive_by_search() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10"), trip("t2", "A 08:30, B 08:40")])
    late = realtime(net, delays={"t1": 5 * 60})
    # Arriving by 08:12 now means yesterday's trip; by 08:15, today's late t1.
    assert brief(plan(net, "A", "B", "08:12", arrive_by=True, overlay=late)) == [
        ("-15:30", "-15:20", 0)
    ]
    assert brief(plan(net, "A", "B", "08:15", arrive_by=True, overlay=late)) == [
        ("08:05", "08:15", 0)
    ]


def test_a_new_overlay_is_never_mistaken_for_a_dropped_one() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10"), trip("t2", "A 08:30, B 08:40")])
    template = realtime(net, cancelled=("t1",))
    for cancelled in (template.cancelled, ~template.cancelled) * 3:
        # Made right after the previous one is freed, it usually gets the same id.
        overlay = dataclasses.replace(template, cancelled=cancelled)
        expected = "08:30" if cancelled[net.get_trip("t1")] else "08:00"
        assert [clock(j.departure_s) for j in plan(net, "A", "B", "07:55", overlay=overlay)] == [
            expected
        ]
        del overlay
