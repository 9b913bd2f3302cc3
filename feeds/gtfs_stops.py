"""Cleaning stops.txt: ids, coordinates, location types and the parent-station hierarchy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import (
    coded_int,
    first_of_duplicates,
    parse_float,
    report_rows,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

FILE = "stops.txt"
STOP, STATION, ENTRANCE, NODE, BOARDING_AREA = range(5)
STOP_COLUMNS = [
    "stop_id",
    "stop_name",
    "stop_lat",
    "stop_lon",
    "location_type",
    "parent_station",
    "wheelchair_boarding",
]
# What each location type may hang under (GTFS "parent_station" rules).
_PARENT_TYPE = {STOP: STATION, ENTRANCE: STATION, NODE: STATION, BOARDING_AREA: STOP}


def clean_stops(frame: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """The usable stops: unique ids, coordinates in range, parents that exist.

    Rows without id or with bad coordinates are dropped and reported; generic nodes and
    boarding areas without coordinates (allowed by GTFS) are dropped quietly, as nothing
    routable refers to them.
    """
    require_columns(frame, FILE, ["stop_id"], log)
    frame = frame.loc[require_values(frame, FILE, ["stop_id"], log)]
    frame = first_of_duplicates(frame, FILE, ["stop_id"], log)
    location_type = coded_int(frame, FILE, "location_type", range(5), STOP, log)
    lat, lon, usable = _coordinates(frame, location_type, log)
    stops = pd.DataFrame(
        {
            "stop_id": text(frame, "stop_id"),
            "stop_name": text(frame, "stop_name"),
            "stop_lat": lat,
            "stop_lon": lon,
            "location_type": location_type,
            "parent_station": text(frame, "parent_station"),
            "wheelchair_boarding": coded_int(frame, FILE, "wheelchair_boarding", range(3), 0, log),
        },
        index=frame.index,
    ).loc[usable]
    _report_unnamed(stops, log)
    stops["parent_station"] = _checked_parents(stops, log)
    return stops


def _coordinates(
    frame: pd.DataFrame, location_type: npt.NDArray[np.int64], log: NoticeLog
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Latitude, longitude and the mask of rows whose position is usable."""
    usable = np.ones(len(frame), dtype=bool)
    parsed: list[npt.NDArray[np.float64]] = []
    for name, limit in (("stop_lat", 90.0), ("stop_lon", 180.0)):
        values = text(frame, name)
        numbers, bad = parse_float(values)
        outside = np.abs(numbers) > limit
        blank = (values == "").to_numpy() & (location_type <= ENTRANCE)
        report_rows(
            log,
            "invalid_float",
            "ERROR",
            FILE,
            name,
            values[bad],
            "{value!r} is not a number; stop dropped",
        )
        report_rows(
            log,
            "number_out_of_range",
            "ERROR",
            FILE,
            name,
            values[outside],
            f"{{value}} is outside [-{limit:g}, {limit:g}]; stop dropped",
        )
        report_rows(
            log,
            "missing_required_field",
            "ERROR",
            FILE,
            name,
            values[blank],
            f"{name} is required for stops, stations and entrances; stop dropped",
        )
        usable &= ~(bad | outside | np.isnan(numbers))
        parsed.append(numbers)
    near_origin = usable & (np.abs(parsed[0]) < 1) & (np.abs(parsed[1]) < 1)
    report_rows(
        log,
        "point_near_origin",
        "WARNING",
        FILE,
        "stop_lat",
        text(frame, "stop_id")[near_origin],
        "stop {value!r} lies near (0, 0): coordinates probably missing",
    )
    return parsed[0], parsed[1], usable


def _report_unnamed(stops: pd.DataFrame, log: NoticeLog) -> None:
    unnamed = (stops["stop_name"] == "") & (stops["location_type"] <= ENTRANCE)
    report_rows(
        log,
        "missing_required_field",
        "ERROR",
        FILE,
        "stop_name",
        stops.loc[unnamed, "stop_id"],
        "stop {value!r} has no stop_name (kept)",
    )


def _checked_parents(stops: pd.DataFrame, log: NoticeLog) -> pd.Series:
    """parent_station, blanked (and reported) where it is unknown or of the wrong type."""
    parent = stops["parent_station"].copy()
    has_parent = parent != ""
    types = pd.Series(stops["location_type"].to_numpy(), index=stops["stop_id"].to_numpy())
    parent_type = parent.map(types)
    expected = stops["location_type"].map(_PARENT_TYPE)
    unknown = has_parent & parent_type.isna()
    station_with_parent = has_parent & (stops["location_type"] == STATION)
    wrong = has_parent & ~unknown & ~station_with_parent & (parent_type != expected)
    report_rows(
        log,
        "foreign_key_violation",
        "ERROR",
        FILE,
        "parent_station",
        parent[unknown],
        "parent_station {value!r} is not a usable stop of stops.txt; ignored",
    )
    report_rows(
        log,
        "station_with_parent_station",
        "ERROR",
        FILE,
        "parent_station",
        parent[station_with_parent],
        "a station cannot have a parent_station ({value!r}); ignored",
    )
    report_rows(
        log,
        "wrong_parent_location_type",
        "ERROR",
        FILE,
        "parent_station",
        parent[wrong],
        "parent_station {value!r} has the wrong location_type; ignored",
    )
    orphan = ~has_parent & stops["location_type"].isin([ENTRANCE, NODE, BOARDING_AREA])
    report_rows(
        log,
        "location_without_parent_station",
        "ERROR",
        FILE,
        "parent_station",
        stops.loc[orphan, "stop_id"],
        "location {value!r} of this location_type needs a parent_station",
    )
    return parent.where(~(unknown | station_with_parent | wrong), "")
