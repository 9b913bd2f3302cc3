"""Cleaning stops.txt: ids, coordinates, location types and the parent-station hierarchy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import (
    FileNotices,
    coded_int,
    first_of_duplicates,
    parse_float,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

STOP, STATION, ENTRANCE, NODE, BOARDING_AREA = range(5)
# What each location type may hang under (GTFS "parent_station" rules).
_PARENT_TYPE = {STOP: STATION, ENTRANCE: STATION, NODE: STATION, BOARDING_AREA: STOP}

Floats = npt.NDArray[np.float64]


def clean_stops(frame: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """The usable stops: unique ids, coordinates in range, parents that exist.

    Rows without id or with bad coordinates are dropped and reported; generic nodes and
    boarding areas without coordinates (allowed by GTFS) are dropped quietly, as nothing
    routable refers to them. The index keeps the 1-based row of stops.txt.
    """
    notes = FileNotices(log, "stops.txt")
    require_columns(frame, notes, ["stop_id"])
    frame = frame.loc[require_values(frame, notes, ["stop_id"])]
    frame = first_of_duplicates(frame, notes, ["stop_id"])
    location_type = coded_int(frame, notes, "location_type", range(5), STOP)
    lat, lon = (_coordinate(frame, notes, name, location_type) for name in ("stop_lat", "stop_lon"))
    stops = pd.DataFrame(
        {
            "stop_id": text(frame, "stop_id"),
            "stop_name": text(frame, "stop_name"),
            "stop_lat": lat,
            "stop_lon": lon,
            "location_type": location_type,
            "parent_station": text(frame, "parent_station"),
            "wheelchair_boarding": coded_int(frame, notes, "wheelchair_boarding", range(3), 0),
        },
        index=frame.index,
    )
    stops = stops.loc[stops["stop_lat"].notna() & stops["stop_lon"].notna()]
    _report_names_and_origin(stops, notes)
    return stops.assign(parent_station=_checked_parents(stops, notes))


def _coordinate(
    frame: pd.DataFrame, notes: FileNotices, name: str, location_type: npt.NDArray[np.int64]
) -> Floats:
    """Latitude or longitude, NaN (and reported) where missing, not a number or out of range."""
    limit = 90.0 if name == "stop_lat" else 180.0
    values = text(frame, name)
    numbers, bad = parse_float(values)
    outside = np.abs(numbers) > limit
    # Only stops, stations and entrances must be located.
    blank = (values == "").to_numpy() & (location_type <= ENTRANCE)
    notes.report("invalid_float", name, values[bad], "{value!r} is not a number; stop dropped")
    notes.report(
        "number_out_of_range",
        name,
        values[outside],
        f"{{value}} is outside [-{limit:g}, {limit:g}]; stop dropped",
    )
    notes.report(
        "missing_required_field",
        name,
        values[blank],
        f"{name} is required for stops, stations and entrances; stop dropped",
    )
    numbers[outside] = np.nan
    return numbers


def _report_names_and_origin(stops: pd.DataFrame, notes: FileNotices) -> None:
    unnamed = (stops["stop_name"] == "") & (stops["location_type"] <= ENTRANCE)
    notes.report(
        "missing_required_field",
        "stop_name",
        stops.loc[unnamed, "stop_id"],
        "stop {value!r} has no stop_name (kept)",
    )
    near_origin = (stops["stop_lat"].abs() < 1) & (stops["stop_lon"].abs() < 1)
    notes.report(
        "point_near_origin",
        "stop_lat",
        stops.loc[near_origin, "stop_id"],
        "stop {value!r} lies near (0, 0): its coordinates are probably missing",
        severity="WARNING",
    )


def _checked_parents(stops: pd.DataFrame, notes: FileNotices) -> pd.Series:
    """parent_station, blanked (and reported) where it is unknown or of the wrong type."""
    parent = stops["parent_station"]
    has_parent = parent != ""
    types = pd.Series(stops["location_type"].to_numpy(), index=stops["stop_id"].to_numpy())
    parent_type = parent.map(types)
    unknown = has_parent & parent_type.isna()
    of_station = has_parent & (stops["location_type"] == STATION)
    wrong = ~unknown & ~of_station & (parent_type != stops["location_type"].map(_PARENT_TYPE))
    wrong &= has_parent
    notes.report(
        "foreign_key_violation",
        "parent_station",
        parent[unknown],
        "{value!r} is not a usable stop of stops.txt; parent ignored",
    )
    notes.report(
        "station_with_parent_station",
        "parent_station",
        parent[of_station],
        "a station cannot have a parent_station ({value!r}); ignored",
    )
    notes.report(
        "wrong_parent_location_type",
        "parent_station",
        parent[wrong],
        "{value!r} has the wrong location_type to be this location's parent; ignored",
    )
    orphan = ~has_parent & stops["location_type"].isin([ENTRANCE, NODE, BOARDING_AREA])
    notes.report(
        "location_without_parent_station",
        "parent_station",
        stops.loc[orphan, "stop_id"],
        "location {value!r} of this location_type needs a parent_station",
    )
    return parent.where(~(unknown | of_station | wrong), "")
