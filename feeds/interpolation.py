"""Blank intermediate stop times filled in proportion to the distance travelled along the trip."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.geo import haversine_m

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Interpolated:
    """Stop times with every blank filled, and how that was done."""

    arrival_s: Ints
    departure_s: Ints
    interpolated: Bools
    trips_with_shape_distance: int
    trips_with_crow_fly_distance: int


def trip_starts(trip_ids: npt.NDArray[np.object_]) -> Bools:
    """Mask of the first row of each trip, for rows sorted by trip."""
    starts = np.ones(len(trip_ids), dtype=bool)
    starts[1:] = trip_ids[1:] != trip_ids[:-1]
    return starts


def distance_along(
    starts: Bools, lat: Floats, lon: Floats, shape_dist: Floats
) -> tuple[Floats, Bools]:
    """Distance from each trip's first stop, and the per-row mask of trips measured by shape.

    A trip uses its shape_dist_traveled when every row has one and they never decrease;
    otherwise the sum of great-circle hops between consecutive stops.
    """
    hop = np.zeros(len(starts), dtype=np.float64)
    hop[1:] = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    hop[starts] = 0.0
    crow = _per_trip_cumsum(starts, hop)
    step_ok = np.isfinite(shape_dist)
    step_ok[1:] &= starts[1:] | (shape_dist[1:] >= shape_dist[:-1])
    first = np.flatnonzero(starts)
    trip_ok = np.minimum.reduceat(step_ok.astype(np.int8), first) == 1 if len(first) else step_ok
    by_shape = np.repeat(trip_ok, np.diff(np.append(first, len(starts))))
    shape_from_first = shape_dist - np.repeat(
        shape_dist[first], np.diff(np.append(first, len(starts)))
    )
    return np.where(by_shape, shape_from_first, crow), by_shape


def _per_trip_cumsum(starts: Bools, step: Floats) -> Floats:
    total = np.cumsum(step)
    first = np.flatnonzero(starts)
    return total - np.repeat(total[first], np.diff(np.append(first, len(starts))))


def interpolate(
    starts: Bools, arrival: Floats, departure: Floats, distance: Floats, by_shape: Bools
) -> Interpolated:
    """Fill NaN times between the timed stops around them, in proportion to distance.

    Every trip's first and last rows must be timed, and timed rows in order; where two timed
    stops are at the same distance, the blanks between them are spread evenly by position.
    """
    count = len(arrival)
    timed = ~np.isnan(arrival)
    position = np.arange(count)
    before = np.maximum.accumulate(np.where(timed, position, -1))
    after = np.minimum.accumulate(np.where(timed, position, count)[::-1])[::-1]
    blank = np.flatnonzero(~timed)
    b, a = before[blank], after[blank]
    span = distance[a] - distance[b]
    by_distance = (distance[blank] - distance[b]) / np.where(span > 0, span, 1.0)
    by_position = (blank - b) / (a - b)
    fraction = np.clip(np.where(span > 0, by_distance, by_position), 0.0, 1.0)
    filled = departure[b] + fraction * (arrival[a] - departure[b])
    arrival_s = arrival.copy()
    departure_s = departure.copy()
    arrival_s[blank] = filled
    departure_s[blank] = filled
    touched = np.zeros(count, dtype=bool)
    touched[blank] = True
    first = np.flatnonzero(starts)
    trip_touched = np.logical_or.reduceat(touched, first) if len(first) else touched
    return Interpolated(
        arrival_s=np.rint(arrival_s).astype(np.int64),
        departure_s=np.rint(departure_s).astype(np.int64),
        interpolated=touched,
        trips_with_shape_distance=int((trip_touched & by_shape[first]).sum()),
        trips_with_crow_fly_distance=int((trip_touched & ~by_shape[first]).sum()),
    )
