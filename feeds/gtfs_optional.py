"""Cleaning the optional files the compiler reads: frequencies.txt, transfers.txt, shapes.txt."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import (
    FileNotices,
    coded_int,
    parse_float,
    parse_int,
    parse_time,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

FREQUENCY_COLUMNS = ["trip_id", "start_s", "end_s", "headway_s", "exact_times"]
TRANSFER_COLUMNS = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]
SHAPE_COLUMNS = ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]

Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]


def empty_table(columns: dict[str, str]) -> pd.DataFrame:
    """A table with no rows and the given column dtypes."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


def clean_frequencies(
    frame: pd.DataFrame | None, trips: pd.DataFrame, log: NoticeLog
) -> pd.DataFrame:
    """Headway periods of known trips, in service-day seconds; broken rows dropped."""
    if frame is None:
        return empty_table({c: "str" if c == "trip_id" else "int64" for c in FREQUENCY_COLUMNS})
    notes = FileNotices(log, "frequencies.txt")
    required = ["trip_id", "start_time", "end_time", "headway_secs"]
    require_columns(frame, notes, required)
    frame = frame.loc[require_values(frame, notes, required)]
    trip_id = text(frame, "trip_id")
    known = trip_id.isin(trips["trip_id"]).to_numpy()
    notes.report(
        "foreign_key_violation", "trip_id", trip_id[~known], "{value!r} is not a trip; row dropped"
    )
    start, end, headway, ok = _periods(frame, notes)
    ok &= known
    return pd.DataFrame(
        {
            "trip_id": trip_id.to_numpy()[ok],
            "start_s": start[ok].astype(np.int64),
            "end_s": end[ok].astype(np.int64),
            "headway_s": headway[ok].astype(np.int64),
            "exact_times": coded_int(frame, notes, "exact_times", (0, 1), 0)[ok],
        }
    ).astype({"trip_id": "str"})


def _periods(frame: pd.DataFrame, notes: FileNotices) -> tuple[Floats, Floats, Floats, Bools]:
    """Start, end and headway of each period, and the mask of rows where they make sense."""
    bounds = []
    ok = np.ones(len(frame), dtype=bool)
    for name in ("start_time", "end_time"):
        values = text(frame, name)
        seconds, bad = parse_time(values)
        notes.report("invalid_time", name, values[bad], "{value!r} is not a time; row dropped")
        ok &= ~bad
        bounds.append(seconds)
    values = text(frame, "headway_secs")
    headway, bad = parse_int(values)
    bad |= ~(headway > 0)
    notes.report(
        "number_out_of_range", "headway_secs", values[bad], "{value!r} is not > 0; row dropped"
    )
    reversed_ = ok & ~bad & (bounds[1] <= bounds[0])
    notes.report(
        "start_and_end_range_out_of_order",
        "end_time",
        text(frame, "end_time")[reversed_],
        "the period ends ({value}) before it starts; row dropped",
    )
    return bounds[0], bounds[1], headway, ok & ~bad & ~reversed_


def clean_transfers(
    frame: pd.DataFrame | None, stops: pd.DataFrame, log: NoticeLog
) -> pd.DataFrame:
    """Stop-to-stop transfers between known stops (trip- or route-only rows are skipped)."""
    if frame is None:
        ids, numbers = TRANSFER_COLUMNS[:2], TRANSFER_COLUMNS[2:]
        return empty_table(dict.fromkeys(ids, "str") | dict.fromkeys(numbers, "int64"))
    notes = FileNotices(log, "transfers.txt")
    require_columns(frame, notes, ["from_stop_id", "to_stop_id"])
    from_stop, to_stop = text(frame, "from_stop_id"), text(frame, "to_stop_id")
    ok = ((from_stop != "") & (to_stop != "")).to_numpy(copy=True)
    for name, values in (("from_stop_id", from_stop), ("to_stop_id", to_stop)):
        unknown = ok & ~values.isin(stops["stop_id"]).to_numpy()
        notes.report(
            "foreign_key_violation", name, values[unknown], "{value!r} is not a stop; row dropped"
        )
        ok &= ~unknown
    wait_text = text(frame, "min_transfer_time")
    wait, bad = parse_int(wait_text)
    bad |= wait < 0
    notes.report(
        "invalid_integer", "min_transfer_time", wait_text[bad], "{value!r} is not seconds; ignored"
    )
    wait[bad | np.isnan(wait)] = -1
    return pd.DataFrame(
        {
            "from_stop_id": from_stop.to_numpy()[ok],
            "to_stop_id": to_stop.to_numpy()[ok],
            "transfer_type": coded_int(frame, notes, "transfer_type", range(6), 0)[ok],
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
    notes = FileNotices(log, "shapes.txt")
    require_columns(frame, notes, SHAPE_COLUMNS)
    frame = frame.loc[require_values(frame, notes, SHAPE_COLUMNS)]
    columns: dict[str, npt.NDArray[np.generic]] = {"shape_id": text(frame, "shape_id").to_numpy()}
    ok = np.ones(len(frame), dtype=bool)
    for name, limit in (("shape_pt_lat", 90), ("shape_pt_lon", 180), ("shape_pt_sequence", 0)):
        values = text(frame, name)
        numbers, bad = parse_float(values) if limit else parse_int(values)
        outside = np.abs(numbers) > limit if limit else numbers < 0
        kind = "invalid_float" if limit else "invalid_integer"
        notes.report(kind, name, values[bad], "{value!r} is not a number; point dropped")
        notes.report(
            "number_out_of_range", name, values[outside], "{value} is out of range; dropped"
        )
        ok &= ~bad & ~outside & ~np.isnan(numbers)
        columns[name] = numbers
    shapes = pd.DataFrame({name: values[ok] for name, values in columns.items()})
    shapes = shapes.astype({"shape_id": "str", "shape_pt_sequence": "int64"})
    return shapes.sort_values(["shape_id", "shape_pt_sequence"], ignore_index=True, kind="stable")
