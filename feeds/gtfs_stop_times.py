"""Cleaning stop_times.txt: references, times past midnight, order checks and interpolation."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import (
    coded_int,
    first_of_duplicates,
    parse_float,
    parse_int,
    parse_time,
    report_rows,
    require_columns,
    require_values,
    text,
)
from feeds.gtfs_stops import STOP
from feeds.interpolation import distance_along, interpolate, trip_starts
from feeds.notice import NoticeLog

FILE = "stop_times.txt"
STOP_TIME_COLUMNS = [
    "trip_id",
    "stop_sequence",
    "stop_id",
    "arrival_s",
    "departure_s",
    "pickup_type",
    "drop_off_type",
    "timepoint_interpolated",
]
Bools = npt.NDArray[np.bool_]


def clean_stop_times(
    frame: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, log: NoticeLog
) -> pd.DataFrame:
    """Usable stop times sorted by trip and sequence, every blank time interpolated.

    Broken rows are dropped; a trip whose timed stops go back in time or lack a time at
    either end loses all its rows (the caller reports such trips as unusable).
    """
    required = ["trip_id", "stop_id", "stop_sequence"]
    require_columns(frame, FILE, required, log)
    frame = frame.loc[require_values(frame, FILE, required, log)]
    frame = frame.loc[_known_references(frame, trips, stops, log)]
    frame = first_of_duplicates(frame, FILE, ["trip_id", "stop_sequence"], log)
    table = _complete_half_times(_parsed(frame, log), log)
    table = table.sort_values(["trip_id", "stop_sequence"], kind="stable")
    table = table.loc[_usable_trips(table, log)]
    return _interpolated(table, stops, log)


def _known_references(
    frame: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, log: NoticeLog
) -> pd.Series:
    trip_id, stop_id = text(frame, "trip_id"), text(frame, "stop_id")
    known_trip = trip_id.isin(trips["trip_id"])
    known_stop = stop_id.isin(stops["stop_id"])
    boarding = stop_id.isin(stops.loc[stops["location_type"] == STOP, "stop_id"])
    report_rows(
        log,
        "foreign_key_violation",
        "ERROR",
        FILE,
        "trip_id",
        trip_id[~known_trip],
        "trip_id {value!r} is not a usable trip of trips.txt; row dropped",
    )
    report_rows(
        log,
        "foreign_key_violation",
        "ERROR",
        FILE,
        "stop_id",
        stop_id[known_trip & ~known_stop],
        "stop_id {value!r} is not a usable stop of stops.txt; row dropped",
    )
    report_rows(
        log,
        "location_with_unexpected_stop_time",
        "ERROR",
        FILE,
        "stop_id",
        stop_id[known_trip & known_stop & ~boarding],
        "stop_id {value!r} is a station or another non-stop location; row dropped",
    )
    return known_trip & boarding


def _parsed(frame: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """Typed columns; rows with a bad sequence or time are dropped and reported."""
    sequence_text = text(frame, "stop_sequence")
    sequence, bad_sequence = parse_int(sequence_text)
    bad_sequence |= sequence < 0
    report_rows(
        log,
        "invalid_integer",
        "ERROR",
        FILE,
        "stop_sequence",
        sequence_text[bad_sequence],
        "{value!r} is not a stop_sequence; row dropped",
    )
    ok = ~bad_sequence
    times = {}
    for name in ("arrival_time", "departure_time"):
        values = text(frame, name)
        seconds, bad = parse_time(values)
        report_rows(
            log,
            "invalid_time",
            "ERROR",
            FILE,
            name,
            values[bad],
            "{value!r} is not a H:MM:SS time; row dropped",
        )
        ok &= ~bad
        times[name] = seconds
    distance, bad_distance = parse_float(text(frame, "shape_dist_traveled"))
    report_rows(
        log,
        "invalid_float",
        "ERROR",
        FILE,
        "shape_dist_traveled",
        text(frame, "shape_dist_traveled")[bad_distance],
        "{value!r} is not a number; ignored",
    )
    table = pd.DataFrame(
        {
            "trip_id": text(frame, "trip_id"),
            "stop_sequence": np.nan_to_num(sequence).astype(np.int64),
            "stop_id": text(frame, "stop_id"),
            "arrival": times["arrival_time"],
            "departure": times["departure_time"],
            "pickup_type": coded_int(frame, FILE, "pickup_type", range(4), 0, log),
            "drop_off_type": coded_int(frame, FILE, "drop_off_type", range(4), 0, log),
            "timepoint": coded_int(frame, FILE, "timepoint", (0, 1), -1, log),
            "shape_dist": distance,
        },
        index=frame.index,
    )
    return table.loc[ok]


def _usable_trips(table: pd.DataFrame, log: NoticeLog) -> Bools:
    """Mask out the rows of trips whose timing cannot be used, or with fewer than two stops."""
    starts = trip_starts(table["trip_id"].to_numpy())
    ends = np.append(starts[1:], True)
    arrival = table["arrival"].to_numpy()
    departure = table["departure"].to_numpy()
    timed = ~np.isnan(arrival)
    edge = (starts | ends) & ~timed
    backwards = _backwards(starts, timed, arrival, departure)
    inverted = timed & (departure < arrival)
    _report_trips(
        table,
        edge,
        "missing_trip_edge",
        "arrival_time",
        "trip {value!r} has no time at its first or last stop",
        log,
    )
    _report_trips(
        table,
        backwards,
        "stop_time_with_arrival_before_previous_departure_time",
        "arrival_time",
        "trip {value!r} arrives here before it left the previous timed stop",
        log,
    )
    _report_trips(
        table,
        inverted,
        "stop_time_with_departure_before_arrival_time",
        "departure_time",
        "trip {value!r} leaves this stop before arriving",
        log,
    )
    report_rows(
        log,
        "stop_time_timepoint_without_times",
        "ERROR",
        FILE,
        "arrival_time",
        table.loc[(table["timepoint"].to_numpy() == 1) & ~timed, "trip_id"],
        "trip {value!r}: a stop marked as timepoint has no time (interpolated)",
    )
    bad_trip = (
        pd.Series(edge | backwards | inverted).groupby(table["trip_id"].to_numpy()).transform("any")
    )
    sizes = table.groupby("trip_id", sort=False)["trip_id"].transform("size").to_numpy()
    return ~bad_trip.to_numpy(dtype=bool) & (sizes >= 2)


def _complete_half_times(table: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """A time given only as arrival or only as departure serves as both."""
    arrival, departure = table["arrival"], table["departure"]
    half = arrival.isna() != departure.isna()
    report_rows(
        log,
        "stop_time_with_only_arrival_or_departure_time",
        "ERROR",
        FILE,
        "arrival_time",
        table.loc[half, "trip_id"],
        "trip {value!r}: only one of arrival_time and departure_time is given (used for both)",
    )
    return table.assign(arrival=arrival.fillna(departure), departure=departure.fillna(arrival))


def _backwards(
    starts: Bools,
    timed: Bools,
    arrival: npt.NDArray[np.float64],
    departure: npt.NDArray[np.float64],
) -> Bools:
    """Timed rows arriving before the previous timed row of the same trip departed."""
    rows = np.flatnonzero(timed)
    trip = np.cumsum(starts)[rows]
    same_trip = trip[1:] == trip[:-1]
    earlier = arrival[rows[1:]] < departure[rows[:-1]]
    flagged = np.zeros(len(timed), dtype=bool)
    flagged[rows[1:][same_trip & earlier]] = True
    return flagged


def _report_trips(
    table: pd.DataFrame, rows: Bools, code: str, field: str, template: str, log: NoticeLog
) -> None:
    """One notice per trip, at its first offending row."""
    offending = table.loc[rows, "trip_id"]
    offending = offending[~offending.duplicated()]
    report_rows(log, code, "ERROR", FILE, field, offending, template)


def _interpolated(table: pd.DataFrame, stops: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """The contract's columns, blank times interpolated by distance along each trip."""
    position = stops.set_index("stop_id")[["stop_lat", "stop_lon"]]
    located = position.reindex(table["stop_id"].to_numpy())
    starts = trip_starts(table["trip_id"].to_numpy())
    distance, by_shape = distance_along(
        starts,
        located["stop_lat"].to_numpy(),
        located["stop_lon"].to_numpy(),
        table["shape_dist"].to_numpy(),
    )
    _report_distance_order(table, starts, log)
    filled = interpolate(
        starts, table["arrival"].to_numpy(), table["departure"].to_numpy(), distance, by_shape
    )
    count = int(filled.interpolated.sum())
    if count:
        log.add(
            "stop_times_interpolated",
            "INFO",
            f"{count} of {len(table)} stop times had no time and were interpolated by distance"
            f" along their trip ({filled.trips_with_shape_distance} trips by shape_dist_traveled,"
            f" {filled.trips_with_crow_fly_distance} by straight lines between stops)",
            file=FILE,
            field="arrival_time",
        )
    return pd.DataFrame(
        {
            "trip_id": table["trip_id"].to_numpy(),
            "stop_sequence": table["stop_sequence"].to_numpy(),
            "stop_id": table["stop_id"].to_numpy(),
            "arrival_s": filled.arrival_s.astype(np.int32),
            "departure_s": filled.departure_s.astype(np.int32),
            "pickup_type": table["pickup_type"].to_numpy(),
            "drop_off_type": table["drop_off_type"].to_numpy(),
            "timepoint_interpolated": filled.interpolated,
        }
    ).astype({"trip_id": "str", "stop_id": "str"})


def _report_distance_order(table: pd.DataFrame, starts: Bools, log: NoticeLog) -> None:
    distance = table["shape_dist"].to_numpy()
    both = ~np.isnan(distance)
    both[1:] &= ~np.isnan(distance[:-1])
    both[starts] = False
    not_increasing = np.zeros(len(distance), dtype=bool)
    not_increasing[1:] = both[1:] & (distance[1:] <= distance[:-1])
    report_rows(
        log,
        "decreasing_or_equal_stop_time_distance",
        "ERROR",
        FILE,
        "shape_dist_traveled",
        table.loc[not_increasing, "trip_id"],
        "trip {value!r}: shape_dist_traveled does not increase from the previous stop",
    )
