"""Cleaning stop_times.txt: references, times past midnight, order checks and interpolation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feeds.gtfs_fields import (
    FileNotices,
    coded_int,
    first_of_duplicates,
    parse_float,
    parse_int,
    parse_time,
    require_columns,
    require_values,
    text,
)
from feeds.gtfs_stops import STOP
from feeds.gtfs_trip_checks import report_distance_order, usable_trip_rows
from feeds.interpolation import Interpolated, distance_along, interpolate, trip_starts
from feeds.notice import NoticeLog

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


def clean_stop_times(
    frame: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, log: NoticeLog
) -> pd.DataFrame:
    """Usable stop times sorted by trip and sequence, every blank time interpolated.

    Broken rows are dropped; a trip whose timed stops go back in time or lack a time at
    either end loses all its rows (the caller reports such trips as unusable).
    """
    notes = FileNotices(log, "stop_times.txt")
    required = ["trip_id", "stop_id", "stop_sequence"]
    require_columns(frame, notes, required)
    frame = frame.loc[require_values(frame, notes, required)]
    frame = frame.loc[_known_references(frame, trips, stops, notes)]
    frame = first_of_duplicates(frame, notes, ["trip_id", "stop_sequence"])
    table = _complete_half_times(_parsed(frame, notes), notes)
    table = table.sort_values(["trip_id", "stop_sequence"], kind="stable")
    table = table.loc[usable_trip_rows(table, trip_starts(table["trip_id"].to_numpy()), notes)]
    return _interpolated(table, stops, notes)


def _known_references(
    frame: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, notes: FileNotices
) -> pd.Series:
    """Mask of rows naming a known trip and a boarding stop; the others are reported."""
    trip_id, stop_id = text(frame, "trip_id"), text(frame, "stop_id")
    known_trip = trip_id.isin(trips["trip_id"])
    known_stop = stop_id.isin(stops["stop_id"])
    boarding = stop_id.isin(stops.loc[stops["location_type"] == STOP, "stop_id"])
    notes.report(
        "foreign_key_violation",
        "trip_id",
        trip_id[~known_trip],
        "{value!r} is not a usable trip of trips.txt; row dropped",
    )
    notes.report(
        "foreign_key_violation",
        "stop_id",
        stop_id[known_trip & ~known_stop],
        "{value!r} is not a usable stop of stops.txt; row dropped",
    )
    notes.report(
        "location_with_unexpected_stop_time",
        "stop_id",
        stop_id[known_trip & known_stop & ~boarding],
        "{value!r} is a station or another location where no vehicle stops; row dropped",
    )
    return known_trip & boarding


def _parsed(frame: pd.DataFrame, notes: FileNotices) -> pd.DataFrame:
    """Typed columns; rows with a bad sequence or time are dropped and reported."""
    values = text(frame, "stop_sequence")
    sequence, bad = parse_int(values)
    bad |= sequence < 0
    notes.report("invalid_integer", "stop_sequence", values[bad], "{value!r} is no stop_sequence")
    ok = ~bad
    times = {}
    for name in ("arrival_time", "departure_time"):
        values = text(frame, name)
        times[name], bad = parse_time(values)
        notes.report("invalid_time", name, values[bad], "{value!r} is not a time; row dropped")
        ok &= ~bad
    values = text(frame, "shape_dist_traveled")
    distance, bad = parse_float(values)
    notes.report("invalid_float", "shape_dist_traveled", values[bad], "{value!r} is not a number")
    table = pd.DataFrame(
        {
            "trip_id": text(frame, "trip_id"),
            "stop_sequence": np.nan_to_num(sequence).astype(np.int64),
            "stop_id": text(frame, "stop_id"),
            "arrival": times["arrival_time"],
            "departure": times["departure_time"],
            "pickup_type": coded_int(frame, notes, "pickup_type", range(4), 0),
            "drop_off_type": coded_int(frame, notes, "drop_off_type", range(4), 0),
            "timepoint": coded_int(frame, notes, "timepoint", (0, 1), -1),
            "shape_dist": distance,
        },
        index=frame.index,
    )
    return table.loc[ok]


def _complete_half_times(table: pd.DataFrame, notes: FileNotices) -> pd.DataFrame:
    """A time given only as arrival or only as departure serves as both."""
    arrival, departure = table["arrival"], table["departure"]
    half = arrival.isna() != departure.isna()
    notes.report(
        "stop_time_with_only_arrival_or_departure_time",
        "arrival_time",
        table.loc[half, "trip_id"],
        "trip {value!r}: only one of arrival_time and departure_time is given (used for both)",
    )
    return table.assign(arrival=arrival.fillna(departure), departure=departure.fillna(arrival))


def _interpolated(table: pd.DataFrame, stops: pd.DataFrame, notes: FileNotices) -> pd.DataFrame:
    """The contract's columns, blank times interpolated by distance along each trip."""
    located = stops.set_index("stop_id").reindex(table["stop_id"].to_numpy())
    starts = trip_starts(table["trip_id"].to_numpy())
    shape_dist = table["shape_dist"].to_numpy()
    report_distance_order(shape_dist, table, starts, notes)
    distance, by_shape = distance_along(
        starts, located["stop_lat"].to_numpy(), located["stop_lon"].to_numpy(), shape_dist
    )
    arrival, departure = table["arrival"].to_numpy(), table["departure"].to_numpy()
    filled = interpolate(starts, arrival, departure, distance, by_shape)
    _report_interpolation(filled, notes)
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


def _report_interpolation(filled: Interpolated, notes: FileNotices) -> None:
    """One notice per feed, however many times were filled."""
    count = int(filled.interpolated.sum())
    if count:
        notes.log.add(
            "stop_times_interpolated",
            "INFO",
            f"{count} of {len(filled.interpolated)} stop times had no time and were interpolated"
            f" by distance along their trip ({filled.trips_with_shape_distance} trips by"
            f" shape_dist_traveled, {filled.trips_with_crow_fly_distance} by straight lines"
            " between stops)",
            file=notes.file,
            field="arrival_time",
        )
