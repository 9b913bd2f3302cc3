"""Interpolation kernels on plain arrays: several trips at once, shape or crow-fly distance."""

from __future__ import annotations

import numpy as np

from feeds.interpolation import distance_along, interpolate, trip_starts

NAN = np.nan


def test_trips_are_interpolated_independently() -> None:
    trips = np.array(["a", "a", "a", "b", "b", "b", "b"], dtype=object)
    starts = trip_starts(trips)
    assert starts.tolist() == [True, False, False, True, False, False, False]
    # Trip a by shape distance; trip b has a decreasing distance, so it uses crow-fly hops.
    shape = np.array([0.0, 30.0, 100.0, 0.0, 50.0, 40.0, 90.0])
    lat = np.zeros(7)
    lon = np.array([0.0, 0.5, 1.0, 5.0, 5.001, 5.002, 5.004])
    distance, by_shape = distance_along(starts, lat, lon, shape)
    assert by_shape.tolist() == [True] * 3 + [False] * 4
    assert distance[:3].tolist() == [0.0, 30.0, 100.0]
    assert distance[3] == 0.0
    assert np.allclose(distance[4:] / distance[6], [0.25, 0.5, 1.0])
    arrival = np.array([100.0, NAN, 200.0, 1000.0, NAN, NAN, 1400.0])
    departure = np.array([110.0, NAN, 200.0, 1000.0, NAN, NAN, 1400.0])
    filled = interpolate(starts, arrival, departure, distance, by_shape)
    # a: 30% of the way from its departure at 110 to its arrival at 200.
    assert filled.arrival_s.tolist() == [100, 137, 200, 1000, 1100, 1200, 1400]
    assert filled.departure_s.tolist() == [110, 137, 200, 1000, 1100, 1200, 1400]
    assert filled.interpolated.tolist() == [False, True, False, False, True, True, False]
    assert (filled.trips_with_shape_distance, filled.trips_with_crow_fly_distance) == (1, 1)


def test_nothing_to_fill() -> None:
    starts = trip_starts(np.array(["a", "a"], dtype=object))
    times = np.array([10.0, 20.0])
    distance, by_shape = distance_along(starts, np.zeros(2), np.zeros(2), np.full(2, NAN))
    filled = interpolate(starts, times, times, distance, by_shape)
    assert filled.arrival_s.tolist() == [10, 20]
    assert not filled.interpolated.any()
    assert (filled.trips_with_shape_distance, filled.trips_with_crow_fly_distance) == (0, 0)


def test_empty_input() -> None:
    starts = trip_starts(np.array([], dtype=object))
    empty = np.array([], dtype=np.float64)
    distance, by_shape = distance_along(starts, empty, empty, empty)
    filled = interpolate(starts, empty, empty, distance, by_shape)
    assert len(filled.arrival_s) == 0
