"""Frequency-based trips (frequencies.txt) expanded into one concrete trip per departure."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEPARATOR = "#"


def expand_frequencies(
    trips: pd.DataFrame, stop_times: pd.DataFrame, frequencies: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace each trip named in `frequencies` by its runs, `headway_s` apart.

    Runs start at ``start_s, start_s + headway_s, ...`` while before ``end_s``, whether
    ``exact_times`` is 1 or 0 (a journey planner needs concrete departures either way). A run
    keeps the template's stop-to-stop times, shifted so its first departure is the run's start,
    and is named ``<trip_id>#HH:MM:SS`` after that start. Runs repeated by overlapping rows
    are kept once. Returns the new trips and stop_times tables (same columns as given).
    """
    runs = _runs(frequencies)
    templates = stop_times[stop_times["trip_id"].isin(runs["template"])]
    if runs.empty or templates.empty:
        return trips, stop_times
    first_departure = templates.groupby("trip_id", sort=False)["departure_s"].transform("first")
    shape = templates.assign(
        arrival_s=templates["arrival_s"] - first_departure,
        departure_s=templates["departure_s"] - first_departure,
    )
    expanded = runs.merge(shape, left_on="template", right_on="trip_id", sort=False)
    expanded["arrival_s"] = (expanded["start_s"] + expanded["arrival_s"]).astype(np.int32)
    expanded["departure_s"] = (expanded["start_s"] + expanded["departure_s"]).astype(np.int32)
    expanded["trip_id"] = expanded["run_id"]
    new_times = pd.concat(
        [stop_times[~stop_times["trip_id"].isin(runs["template"])], expanded[stop_times.columns]],
        ignore_index=True,
    )
    with_times = runs[runs["template"].isin(templates["trip_id"])]
    run_trips = with_times[["template", "run_id"]].merge(
        trips, left_on="template", right_on="trip_id", sort=False
    )
    run_trips["trip_id"] = run_trips["run_id"]
    new_trips = pd.concat(
        [trips[~trips["trip_id"].isin(with_times["template"])], run_trips[trips.columns]],
        ignore_index=True,
    )
    return new_trips, new_times


def _runs(frequencies: pd.DataFrame) -> pd.DataFrame:
    """One row per run: template trip id, start second and run id."""
    usable = frequencies[
        (frequencies["headway_s"] > 0) & (frequencies["end_s"] > frequencies["start_s"])
    ]
    start = usable["start_s"].to_numpy(np.int64)
    headway = usable["headway_s"].to_numpy(np.int64)
    count = -(-(usable["end_s"].to_numpy(np.int64) - start) // headway)
    row = np.repeat(np.arange(len(usable)), count)
    within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    runs = pd.DataFrame(
        {
            "template": usable["trip_id"].to_numpy()[row],
            "start_s": start[row] + within * headway[row],
        }
    ).drop_duplicates(ignore_index=True)
    runs["run_id"] = runs["template"].astype(str) + SEPARATOR + _clock(runs["start_s"])
    return runs


def _clock(seconds: pd.Series) -> pd.Series:
    """`HH:MM:SS` of service-day seconds (hours may pass 24)."""
    hours = (seconds // 3600).astype(str).str.zfill(2)
    minutes = (seconds // 60 % 60).astype(str).str.zfill(2)
    secs = (seconds % 60).astype(str).str.zfill(2)
    return hours + ":" + minutes + ":" + secs
