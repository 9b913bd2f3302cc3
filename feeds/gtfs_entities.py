"""Cleaning agency.txt, routes.txt and trips.txt into the LoadedFeed columns."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection

import numpy as np
import pandas as pd

from feeds.gtfs_fields import (
    coded_int,
    first_of_duplicates,
    parse_int,
    report_rows,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

AGENCY_COLUMNS = ["agency_id", "agency_name", "agency_timezone", "agency_url"]
ROUTE_COLUMNS = [
    "route_id",
    "agency_id",
    "route_short_name",
    "route_long_name",
    "route_type",
    "route_color",
    "route_text_color",
]
TRIP_COLUMNS = [
    "trip_id",
    "route_id",
    "service_id",
    "trip_headsign",
    "direction_id",
    "shape_id",
    "wheelchair_accessible",
    "bikes_allowed",
]
# Basic GTFS route types plus the extended (Google/HVT) range.
_BASIC_ROUTE_TYPES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 11, 12})
_EXTENDED_ROUTE_TYPES = range(100, 1800)


def is_timezone(name: str) -> bool:
    """Whether `name` is an IANA timezone known to this system."""
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return bool(name)


def clean_agency(frame: pd.DataFrame, fallback_id: str, log: NoticeLog) -> pd.DataFrame:
    """Agencies with unique ids; a lone agency without id gets `fallback_id` (the feed id)."""
    file = "agency.txt"
    require_columns(frame, file, ["agency_name", "agency_url", "agency_timezone"], log)
    agency_id = text(frame, "agency_id")
    if len(frame) == 1:
        agency_id = agency_id.where(agency_id != "", fallback_id)
    frame = frame.assign(agency_id=agency_id)
    frame = frame.loc[require_values(frame, file, ["agency_id"], log)]
    frame = first_of_duplicates(frame, file, ["agency_id"], log)
    agency = pd.DataFrame({c: text(frame, c) for c in AGENCY_COLUMNS}, index=frame.index)
    zones = agency["agency_timezone"]
    bad = ~zones.map(is_timezone).astype(bool)
    report_rows(
        log,
        "invalid_timezone",
        "ERROR",
        file,
        "agency_timezone",
        zones[bad],
        "{value!r} is not a timezone",
    )
    if zones.nunique() > 1:
        log.add(
            "inconsistent_agency_timezone",
            "ERROR",
            f"agencies disagree on the timezone: {sorted(set(zones))}",
            file=file,
            field="agency_timezone",
        )
    return agency


def clean_routes(frame: pd.DataFrame, agency: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """Routes with a known agency and a valid route_type; colours checked."""
    file = "routes.txt"
    require_columns(frame, file, ["route_id", "route_type"], log)
    frame = frame.loc[require_values(frame, file, ["route_id", "route_type"], log)]
    frame = first_of_duplicates(frame, file, ["route_id"], log)
    route_type, ok = _route_types(frame, log)
    agency_id, known = _route_agencies(frame, agency, log)
    routes = pd.DataFrame(
        {
            "route_id": text(frame, "route_id"),
            "agency_id": agency_id,
            "route_short_name": text(frame, "route_short_name"),
            "route_long_name": text(frame, "route_long_name"),
            "route_type": route_type,
            "route_color": _color(frame, "route_color", log),
            "route_text_color": _color(frame, "route_text_color", log),
        },
        index=frame.index,
    )
    routes = routes.iloc[np.flatnonzero(ok & known)]
    nameless = (routes["route_short_name"] == "") & (routes["route_long_name"] == "")
    report_rows(
        log,
        "route_both_short_and_long_name_missing",
        "ERROR",
        file,
        "route_short_name",
        routes.loc[nameless, "route_id"],
        "route {value!r} has neither route_short_name nor route_long_name",
    )
    return routes


def _route_types(frame: pd.DataFrame, log: NoticeLog) -> tuple[np.ndarray, np.ndarray]:
    values = text(frame, "route_type")
    numbers, bad = parse_int(values)
    known = np.isin(numbers, list(_BASIC_ROUTE_TYPES)) | (
        (numbers >= _EXTENDED_ROUTE_TYPES.start) & (numbers < _EXTENDED_ROUTE_TYPES.stop)
    )
    outside = ~bad & ~known
    file = "routes.txt"
    report_rows(
        log,
        "invalid_integer",
        "ERROR",
        file,
        "route_type",
        values[bad],
        "{value!r} is not an integer; route dropped",
    )
    report_rows(
        log,
        "number_out_of_range",
        "ERROR",
        file,
        "route_type",
        values[outside],
        "{value!r} is not a route_type; route dropped",
    )
    return np.where(known, numbers, -1).astype(np.int64), known


def _route_agencies(
    frame: pd.DataFrame, agency: pd.DataFrame, log: NoticeLog
) -> tuple[pd.Series, np.ndarray]:
    """agency_id of each route (the lone agency's when blank) and the mask of known ones."""
    agency_id = text(frame, "agency_id")
    if len(agency) == 1:
        agency_id = agency_id.where(agency_id != "", agency["agency_id"].iloc[0])
    blank = agency_id == ""
    unknown = ~blank & ~agency_id.isin(agency["agency_id"])
    file = "routes.txt"
    report_rows(
        log,
        "missing_required_field",
        "ERROR",
        file,
        "agency_id",
        text(frame, "route_id")[blank],
        "route {value!r} needs an agency_id when the feed has several agencies; dropped",
    )
    report_rows(
        log,
        "foreign_key_violation",
        "ERROR",
        file,
        "agency_id",
        agency_id[unknown],
        "agency_id {value!r} is not in agency.txt; route dropped",
    )
    return agency_id, (~blank & ~unknown).to_numpy()


def _color(frame: pd.DataFrame, name: str, log: NoticeLog) -> pd.Series:
    """Six hex digits, upper case, or "" (invalid colours are reported and blanked).

    A leading `#` (CSS habit, as in the Zheleznogorsk feed) is reported but the colour kept.
    """
    values = text(frame, name)
    hashed = values.str.fullmatch(r"#[0-9A-Fa-f]{6}").fillna(False).astype(bool)
    digits = values.str.removeprefix("#")
    valid = digits.str.fullmatch(r"[0-9A-Fa-f]{6}").fillna(False).astype(bool)
    file = "routes.txt"
    report_rows(
        log,
        "invalid_color",
        "WARNING",
        file,
        name,
        values[hashed],
        "{value!r} should not start with '#'; read as the six hex digits after it",
    )
    report_rows(
        log,
        "invalid_color",
        "ERROR",
        file,
        name,
        values[~valid & (values != "")],
        "{value!r} is not a colour of six hex digits; ignored",
    )
    return digits.where(valid, "").str.upper()


def clean_trips(
    frame: pd.DataFrame,
    routes: pd.DataFrame,
    service_ids: Collection[str],
    shape_ids: Collection[str],
    log: NoticeLog,
) -> pd.DataFrame:
    """Trips of known routes and services; an unknown shape_id is reported and blanked."""
    file = "trips.txt"
    required = ["trip_id", "route_id", "service_id"]
    require_columns(frame, file, required, log)
    frame = frame.loc[require_values(frame, file, required, log)]
    frame = first_of_duplicates(frame, file, ["trip_id"], log)
    route_id, service_id, shape_id = (
        text(frame, c) for c in ("route_id", "service_id", "shape_id")
    )
    known_route = route_id.isin(routes["route_id"])
    known_service = service_id.isin(list(service_ids))
    unknown_shape = (shape_id != "") & ~shape_id.isin(list(shape_ids))
    for field, values, message in (
        ("route_id", route_id[~known_route], "a usable route of routes.txt; trip dropped"),
        (
            "service_id",
            service_id[~known_service],
            "defined by calendar.txt or calendar_dates.txt; trip dropped",
        ),
        ("shape_id", shape_id[unknown_shape], "a usable shape of shapes.txt; shape ignored"),
    ):
        report_rows(
            log,
            "foreign_key_violation",
            "ERROR",
            file,
            field,
            values,
            f"{{value!r}} is not {message}",
        )
    trips = pd.DataFrame(
        {
            "trip_id": text(frame, "trip_id"),
            "route_id": route_id,
            "service_id": service_id,
            "trip_headsign": text(frame, "trip_headsign"),
            "direction_id": coded_int(frame, file, "direction_id", (0, 1), -1, log),
            "shape_id": shape_id.where(~unknown_shape, ""),
            "wheelchair_accessible": coded_int(
                frame, file, "wheelchair_accessible", range(3), 0, log
            ),
            "bikes_allowed": coded_int(frame, file, "bikes_allowed", range(3), 0, log),
        },
        index=frame.index,
    ).loc[known_route & known_service]
    return trips
