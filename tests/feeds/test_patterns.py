"""Pattern building as a property: any trips go in, every trip comes back out exactly, FIFO."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.patterns import PatternTable, StopTimes, build_patterns

SEQUENCES = ([0, 1, 2], [0, 1, 2, 3], [3, 2, 1, 0], [4, 0, 4])
N_STOPS = 5


@st.composite
def timetables(
    draw: st.DrawFn,
) -> tuple[list[int], list[list[int]], list[list[int]], list[list[int]]]:
    """Trips as (route, stop sequence, arrivals, departures), times increasing along each."""
    n = draw(st.integers(1, 25))
    routes, stops, arrivals, departures = [], [], [], []
    for _ in range(n):
        sequence = SEQUENCES[draw(st.integers(0, len(SEQUENCES) - 1))]
        t = draw(st.integers(0, 2000))
        arrival, departure = [], []
        for _ in sequence:
            t += draw(st.integers(0, 300))
            arrival.append(t)
            t += draw(st.integers(0, 60))
            departure.append(t)
        routes.append(draw(st.integers(0, 1)))
        stops.append(sequence)
        arrivals.append(arrival)
        departures.append(departure)
    return routes, stops, arrivals, departures


def read_back(table: PatternTable, trip: int) -> tuple[list[int], list[int], list[int]]:
    p = int(table.trip_pattern[trip])
    trips = table.trips[table.trip_ptr[p] : table.trip_ptr[p + 1]].tolist()
    j, k = trips.index(trip), len(trips)
    stops = table.stops[table.stop_ptr[p] : table.stop_ptr[p + 1]].tolist()
    at = [int(table.time_ptr[p]) + i * k + j for i in range(len(stops))]
    return stops, table.arrival[at].tolist(), table.departure[at].tolist()


@settings(max_examples=60, deadline=None)
@given(timetables())
def test_every_trip_is_read_back_from_a_fifo_pattern_of_its_route(
    timetable: tuple[list[int], list[list[int]], list[list[int]], list[list[int]]],
) -> None:
    routes, stops, arrivals, departures = timetable
    trip = np.concatenate([np.full(len(s), t) for t, s in enumerate(stops)]).astype(np.int32)
    order = np.random.default_rng(0).permutation(trip.size)  # the input order must not matter
    sequence = np.concatenate([np.arange(len(s)) * 10 + 1 for s in stops]).astype(np.int32)
    times = StopTimes(
        trip=trip[order],
        stop_sequence=sequence[order],
        stop=np.concatenate(stops).astype(np.int32)[order],
        arrival=np.concatenate(arrivals).astype(np.int32)[order],
        departure=np.concatenate(departures).astype(np.int32)[order],
        flags=np.zeros(trip.size, dtype=np.uint8),
    )
    table = build_patterns(times, np.asarray(routes, dtype=np.int32), N_STOPS)

    assert sorted(table.trips.tolist()) == list(range(len(routes)))
    for t in range(len(routes)):
        assert read_back(table, t) == (stops[t], arrivals[t], departures[t])
        assert table.route[table.trip_pattern[t]] == routes[t]
    for p in range(table.n_patterns):
        n = int(table.stop_ptr[p + 1] - table.stop_ptr[p])
        k = int(table.trip_ptr[p + 1] - table.trip_ptr[p])
        for values in (table.arrival, table.departure):
            block = values[table.time_ptr[p] : table.time_ptr[p] + n * k].reshape(n, k)
            assert np.all(np.diff(block, axis=1) >= 0)
    visits = sorted(zip(table.stop_patterns.tolist(), table.stop_pattern_pos.tolist(), strict=True))
    expected = [(p, i) for p in range(table.n_patterns)
                for i in range(int(table.stop_ptr[p + 1] - table.stop_ptr[p]))]  # fmt: skip
    assert visits == sorted(expected)


def test_trips_without_overtaking_share_one_pattern() -> None:
    times = StopTimes(
        trip=np.array([0, 0, 1, 1, 2, 2], dtype=np.int32),
        stop_sequence=np.array([1, 2, 1, 2, 1, 2], dtype=np.int32),
        stop=np.array([0, 1, 0, 1, 0, 1], dtype=np.int32),
        arrival=np.array([600, 900, 0, 300, 1200, 1500], dtype=np.int32),
        departure=np.array([600, 900, 0, 300, 1200, 1500], dtype=np.int32),
        flags=np.zeros(6, dtype=np.uint8),
    )
    table = build_patterns(times, np.zeros(3, dtype=np.int32), 2)

    assert table.n_patterns == 1
    assert table.trips.tolist() == [1, 0, 2]
    assert table.departure.tolist() == [0, 600, 1200, 300, 900, 1500]
