"""Per-trip checks of sorted stop times: times at both ends, order in time and in distance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import FileNotices

Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]


def usable_trip_rows(table: pd.DataFrame, starts: Bools, notes: FileNotices) -> Bools:
    """Mask of the rows of trips whose timing can be used and that have two stops or more.

    `table` holds trip_id, arrival, departure (seconds, NaN blank) and timepoint, sorted by
    trip and stop_sequence; `starts` flags each trip's first row. A trip without a time at
    either end, or whose timed stops go back in time, is reported once and loses its rows.
    """
    ends = np.append(starts[1:], True)
    arrival = table["arrival"].to_numpy()
    departure = table["departure"].to_numpy()
    timed = ~np.isnan(arrival)
    edge = (starts | ends) & ~timed
    backwards = _backwards(starts, timed, arrival, departure)
    inverted = timed & (departure < arrival)
    for rows, code, field, problem in (
        (edge, "missing_trip_edge", "arrival_time", "has no time at its first or last stop"),
        (
            backwards,
            "stop_time_with_arrival_before_previous_departure_time",
            "arrival_time",
            "arrives here before it left the previous timed stop",
        ),
        (
            inverted,
            "stop_time_with_departure_before_arrival_time",
            "departure_time",
            "leaves this stop before arriving",
        ),
    ):
        _report_trips(table, rows, notes, code, field, f"trip {{value!r}} {problem}")
    notes.report(
        "stop_time_timepoint_without_times",
        "arrival_time",
        table.loc[(table["timepoint"].to_numpy() == 1) & ~timed, "trip_id"],
        "trip {value!r}: a stop marked as timepoint has no time (interpolated)",
    )
    trip = np.cumsum(starts) - 1
    bad_trip: Bools = np.bincount(trip, weights=edge | backwards | inverted) > 0
    size = np.bincount(trip)
    usable: Bools = ~bad_trip[trip] & (size[trip] >= 2)
    return usable


def _backwards(starts: Bools, timed: Bools, arrival: Floats, departure: Floats) -> Bools:
    """Timed rows arriving before the previous timed row of the same trip departed."""
    rows = np.flatnonzero(timed)
    trip = np.cumsum(starts)[rows]
    same_trip = trip[1:] == trip[:-1]
    earlier = arrival[rows[1:]] < departure[rows[:-1]]
    flagged = np.zeros(len(timed), dtype=bool)
    flagged[rows[1:][same_trip & earlier]] = True
    return flagged


def _report_trips(
    table: pd.DataFrame, rows: Bools, notes: FileNotices, code: str, field: str, template: str
) -> None:
    """One notice per trip, at its first offending row."""
    offending = table.loc[rows, "trip_id"]
    notes.report(code, field, offending[~offending.duplicated()], template)


def report_distance_order(
    distance: Floats, table: pd.DataFrame, starts: Bools, notes: FileNotices
) -> None:
    """Report stops whose shape_dist_traveled does not exceed the previous stop's."""
    both = ~np.isnan(distance)
    both[1:] &= ~np.isnan(distance[:-1])
    both[starts] = False
    not_increasing = np.zeros(len(distance), dtype=bool)
    not_increasing[1:] = both[1:] & (distance[1:] <= distance[:-1])
    notes.report(
        "decreasing_or_equal_stop_time_distance",
        "shape_dist_traveled",
        table.loc[not_increasing, "trip_id"],
        "trip {value!r}: shape_dist_traveled does not increase from the previous stop",
    )
