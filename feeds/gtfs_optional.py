"""Cleaning the optional files the compiler reads: frequencies.txt, transfers.txt, shapes.txt."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feeds.gtfs_fields import (
    coded_int,
    parse_float,
    parse_int,
    parse_time,
    report_rows,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

FREQUENCY_COLUMNS = ["trip_id", "start_s", "end_s", "headway_s", "exact_times"]
TRANSFER_COLUMNS = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]
SHAPE_COLUMNS = ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]


def empty_table(columns: dict[str, str]) -> pd.DataFrame:
    """A table with no rows and the given column dtypes."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


def clean_frequencies(
    frame: pd.DataFrame | None, trips: pd.DataFrame, log: NoticeLog
) -> pd.DataFrame:
    """Headway periods of known trips, in service-day seconds; broken rows dropped."""
    if frame is None:
        return empty_table({c: "str" if c == "trip_id" else "int64" for c in FREQUENCY_COLUMNS})
    file = "frequencies.txt"
    required = ["trip_id", "start_time", "end_time", "headway_secs"]
    require_columns(frame, file, required, log)
    frame = frame.loc[require_values(frame, file, required, log)]
    trip_id = text(frame, "trip_id")
    ok = trip_id.isin(trips["trip_id"]).to_numpy(copy=True)
    report_rows(
        log,
        "foreign_key_violation",
        "ERROR",
        file,
        "trip_id",
        trip_id[~ok],
        "trip_id {value!r} is not a usable trip; row dropped",
    )
    bounds = []
    for name in ("start_time", "end_time"):
        values = text(frame, name)
        seconds, bad = parse_time(values)
        report_rows(
            log,
            "invalid_time",
            "ERROR",
            file,
            name,
            values[bad],
            "{value!r} is not a H:MM:SS time; row dropped",
        )
        ok &= ~bad
        bounds.append(seconds)
    headway_text = text(frame, "headway_secs")
    headway, bad = parse_int(headway_text)
    bad |= ~(headway > 0)
    report_rows(
        log,
        "number_out_of_range",
        "ERROR",
        file,
        "headway_secs",
        headway_text[bad],
        "headway {value!r} is not a positive integer; row dropped",
    )
    reversed_ = ok & ~bad & (bounds[1] <= bounds[0])
    report_rows(
        log,
        "start_and_end_range_out_of_order",
        "ERROR",
        file,
        "end_time",
        text(frame, "end_time")[reversed_],
        "period ends ({value}) before it starts; row dropped",
    )
    ok &= ~bad & ~reversed_
    return pd.DataFrame(
        {
            "trip_id": trip_id.to_numpy()[ok],
            "start_s": bounds[0][ok].astype(np.int64),
            "end_s": bounds[1][ok].astype(np.int64),
            "headway_s": headway[ok].astype(np.int64),
            "exact_times": coded_int(frame, file, "exact_times", (0, 1), 0, log)[ok],
        }
    ).astype({"trip_id": "str"})


def clean_transfers(
    frame: pd.DataFrame | None, stops: pd.DataFrame, log: NoticeLog
) -> pd.DataFrame:
    """Stop-to-stop transfers between known stops (trip- or route-only rows are skipped)."""
    if frame is None:
        return empty_table(
            dict.fromkeys(TRANSFER_COLUMNS[:2], "str")
            | dict.fromkeys(TRANSFER_COLUMNS[2:], "int64")
        )
    file = "transfers.txt"
    require_columns(frame, file, ["from_stop_id", "to_stop_id"], log)
    from_stop, to_stop = text(frame, "from_stop_id"), text(frame, "to_stop_id")
    ok = ((from_stop != "") & (to_stop != "")).to_numpy(copy=True)
    for name, values in (("from_stop_id", from_stop), ("to_stop_id", to_stop)):
        unknown = ok & ~values.isin(stops["stop_id"]).to_numpy()
        report_rows(
            log,
            "foreign_key_violation",
            "ERROR",
            file,
            name,
            values[unknown],
            f"{name} {{value!r}} is not a usable stop; row dropped",
        )
        ok &= ~unknown
    wait_text = text(frame, "min_transfer_time")
    wait, bad = parse_int(wait_text)
    bad |= wait < 0
    report_rows(
        log,
        "invalid_integer",
        "ERROR",
        file,
        "min_transfer_time",
        wait_text[bad],
        "{value!r} is not a number of seconds; ignored",
    )
    wait[bad | np.isnan(wait)] = -1
    return pd.DataFrame(
        {
            "from_stop_id": from_stop.to_numpy()[ok],
            "to_stop_id": to_stop.to_numpy()[ok],
            "transfer_type": coded_int(frame, file, "transfer_type", range(6), 0, log)[ok],
            "min_transfer_time": wait[ok].astype(np.int64),
        }
    ).astype({"from_stop_id": "str", "to_stop_id": "str"})


def clean_shapes(frame: pd.DataFrame | None, log: NoticeLog) -> pd.DataFrame:
    """Shape points with valid coordinates and sequence, sorted by shape then sequence."""
    if frame is None:
        return empty_table(
            {
                "shape_id": "str",
                "shape_pt_lat": "float64",
                "shape_pt_lon": "float64",
                "shape_pt_sequence": "int64",
            }
        )
    file = "shapes.txt"
    require_columns(frame, file, SHAPE_COLUMNS, log)
    frame = frame.loc[require_values(frame, file, SHAPE_COLUMNS, log)]
    columns: dict[str, np.ndarray] = {"shape_id": text(frame, "shape_id").to_numpy()}
    ok = np.ones(len(frame), dtype=bool)
    for name, limit in (
        ("shape_pt_lat", 90.0),
        ("shape_pt_lon", 180.0),
        ("shape_pt_sequence", None),
    ):
        values = text(frame, name)
        numbers, bad = parse_int(values) if limit is None else parse_float(values)
        outside = np.abs(numbers) > limit if limit is not None else numbers < 0
        report_rows(
            log,
            "invalid_float" if limit else "invalid_integer",
            "ERROR",
            file,
            name,
            values[bad],
            "{value!r} is not a number; point dropped",
        )
        report_rows(
            log,
            "number_out_of_range",
            "ERROR",
            file,
            name,
            values[outside],
            "{value!r} is out of range; point dropped",
        )
        ok &= ~bad & ~outside & ~np.isnan(numbers)
        columns[name] = numbers
    shapes = pd.DataFrame({name: values[ok] for name, values in columns.items()})
    shapes = shapes.astype({"shape_id": "str", "shape_pt_sequence": "int64"})
    return shapes.sort_values(["shape_id", "shape_pt_sequence"], ignore_index=True, kind="stable")
