"""Cleaning agency.txt, routes.txt and trips.txt into the LoadedFeed columns."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import (
    FileNotices,
    coded_int,
    first_of_duplicates,
    parse_int,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

AGENCY_COLUMNS = ["agency_id", "agency_name", "agency_timezone", "agency_url"]
# Basic GTFS route types plus the extended (Google/HVT) range.
_BASIC_ROUTE_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 11, 12]
_EXTENDED_ROUTE_TYPES = range(100, 1800)

Bools = npt.NDArray[np.bool_]


def is_timezone(name: object) -> bool:
    """Whether `name` is an IANA timezone known to this system."""
    if not isinstance(name, str) or not name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def clean_agency(frame: pd.DataFrame, fallback_id: str, log: NoticeLog) -> pd.DataFrame:
    """Agencies with unique ids; a lone agency without id gets `fallback_id` (the feed id)."""
    notes = FileNotices(log, "agency.txt")
    require_columns(frame, notes, ["agency_name", "agency_url", "agency_timezone"])
    agency_id = text(frame, "agency_id")
    if len(frame) == 1:
        agency_id = agency_id.where(agency_id != "", fallback_id)
    frame = frame.assign(agency_id=agency_id)
    frame = frame.loc[require_values(frame, notes, ["agency_id"])]
    frame = first_of_duplicates(frame, notes, ["agency_id"])
    agency = pd.DataFrame({c: text(frame, c) for c in AGENCY_COLUMNS}, index=frame.index)
    zones = agency["agency_timezone"]
    bad = ~zones.map(is_timezone).astype(bool)
    notes.report("invalid_timezone", "agency_timezone", zones[bad], "{value!r} is not a timezone")
    if zones.nunique() > 1:
        notes.add(
            "inconsistent_agency_timezone",
            f"agencies disagree on the timezone: {sorted(set(zones))}",
        )
    return agency


def clean_routes(frame: pd.DataFrame, agency: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """Routes with a known agency and a valid route_type; colours checked."""
    notes = FileNotices(log, "routes.txt")
    require_columns(frame, notes, ["route_id", "route_type"])
    frame = frame.loc[require_values(frame, notes, ["route_id", "route_type"])]
    frame = first_of_duplicates(frame, notes, ["route_id"])
    route_type, known_type = _route_types(frame, notes)
    agency_id, known_agency = _route_agencies(frame, agency, notes)
    routes = pd.DataFrame(
        {
            "route_id": text(frame, "route_id"),
            "agency_id": agency_id,
            "route_short_name": text(frame, "route_short_name"),
            "route_long_name": text(frame, "route_long_name"),
            "route_type": route_type,
            "route_color": _color(frame, "route_color", notes),
            "route_text_color": _color(frame, "route_text_color", notes),
        },
        index=frame.index,
    )
    routes = routes.iloc[np.flatnonzero(known_type & known_agency)]
    nameless = (routes["route_short_name"] == "") & (routes["route_long_name"] == "")
    notes.report(
        "route_both_short_and_long_name_missing",
        "route_short_name",
        routes.loc[nameless, "route_id"],
        "route {value!r} has neither route_short_name nor route_long_name",
    )
    return routes


def _route_types(frame: pd.DataFrame, notes: FileNotices) -> tuple[npt.NDArray[np.int64], Bools]:
    values = text(frame, "route_type")
    numbers, bad = parse_int(values)
    known = np.isin(numbers, _BASIC_ROUTE_TYPES) | (
        (numbers >= _EXTENDED_ROUTE_TYPES.start) & (numbers < _EXTENDED_ROUTE_TYPES.stop)
    )
    notes.report(
        "invalid_integer", "route_type", values[bad], "{value!r} is not an integer; route dropped"
    )
    notes.report(
        "number_out_of_range",
        "route_type",
        values[~bad & ~known],
        "{value!r} is not a route_type; route dropped",
    )
    return np.where(known, numbers, -1).astype(np.int64), known


def _route_agencies(
    frame: pd.DataFrame, agency: pd.DataFrame, notes: FileNotices
) -> tuple[pd.Series, Bools]:
    """agency_id of each route (the lone agency's when blank) and the mask of known ones."""
    agency_id = text(frame, "agency_id")
    if len(agency) == 1:
        agency_id = agency_id.where(agency_id != "", agency["agency_id"].iloc[0])
    blank = agency_id == ""
    unknown = ~blank & ~agency_id.isin(agency["agency_id"])
    notes.report(
        "missing_required_field",
        "agency_id",
        text(frame, "route_id")[blank],
        "route {value!r} needs an agency_id when the feed has several agencies; dropped",
    )
    notes.report(
        "foreign_key_violation",
        "agency_id",
        agency_id[unknown],
        "{value!r} is not a usable agency of agency.txt; route dropped",
    )
    return agency_id, (~blank & ~unknown).to_numpy()


def _color(frame: pd.DataFrame, name: str, notes: FileNotices) -> pd.Series:
    """Six hex digits, upper case, or "" (invalid colours are reported and blanked).

    A leading `#` (CSS habit, as in the Zheleznogorsk feed) is reported but the colour kept.
    """
    values = text(frame, name)
    hashed = values.str.fullmatch(r"#[0-9A-Fa-f]{6}").fillna(False).astype(bool)
    digits = values.str.removeprefix("#")
    valid = digits.str.fullmatch(r"[0-9A-Fa-f]{6}").fillna(False).astype(bool)
    notes.report(
        "invalid_color",
        name,
        values[hashed],
        "{value!r} should not start with '#'; read as the six hex digits after it",
        severity="WARNING",
    )
    notes.report(
        "invalid_color",
        name,
        values[~valid & (values != "")],
        "{value!r} is not a colour of six hex digits; ignored",
    )
    return digits.where(valid, "").str.upper()


def clean_trips(
    frame: pd.DataFrame,
    routes: pd.DataFrame,
    service_ids: Collection[str],
    shape_ids: Collection[str] | None,
    log: NoticeLog,
) -> pd.DataFrame:
    """Trips of known routes and services; an unknown shape_id is reported and blanked.

    `shape_ids` is None when the feed has no shapes.txt.
    """
    notes = FileNotices(log, "trips.txt")
    required = ["trip_id", "route_id", "service_id"]
    require_columns(frame, notes, required)
    frame = frame.loc[require_values(frame, notes, required)]
    frame = first_of_duplicates(frame, notes, ["trip_id"])
    known = _known_references(frame, routes, service_ids, notes)
    shape_id, unknown_shape = _shape_references(frame, shape_ids, notes)
    trips = pd.DataFrame(
        {
            "trip_id": text(frame, "trip_id"),
            "route_id": text(frame, "route_id"),
            "service_id": text(frame, "service_id"),
            "trip_headsign": text(frame, "trip_headsign"),
            "direction_id": coded_int(frame, notes, "direction_id", (0, 1), -1),
            "shape_id": shape_id.where(~unknown_shape, ""),
            "wheelchair_accessible": coded_int(frame, notes, "wheelchair_accessible", range(3), 0),
            "bikes_allowed": coded_int(frame, notes, "bikes_allowed", range(3), 0),
        },
        index=frame.index,
    )
    return trips.iloc[np.flatnonzero(known)]


def _known_references(
    frame: pd.DataFrame, routes: pd.DataFrame, service_ids: Collection[str], notes: FileNotices
) -> Bools:
    """Mask of trips whose route and service exist; the others are reported."""
    route_id, service_id = text(frame, "route_id"), text(frame, "service_id")
    known_route = route_id.isin(routes["route_id"])
    known_service = service_id.isin(list(service_ids))
    notes.report(
        "foreign_key_violation",
        "route_id",
        route_id[~known_route],
        "{value!r} is not a usable route of routes.txt; trip dropped",
    )
    notes.report(
        "foreign_key_violation",
        "service_id",
        service_id[~known_service],
        "{value!r} is not defined by calendar.txt or calendar_dates.txt; trip dropped",
    )
    return (known_route & known_service).to_numpy()


def _shape_references(
    frame: pd.DataFrame, shape_ids: Collection[str] | None, notes: FileNotices
) -> tuple[pd.Series, pd.Series]:
    """shape_id of each trip and the mask of those naming no usable shape."""
    shape_id = text(frame, "shape_id")
    named = shape_id != ""
    if shape_ids is None:
        # A feed without shapes.txt (SamTrans) would otherwise get one error per trip.
        if named.any():
            notes.add(
                "shapes_file_missing",
                f"{int(named.sum())} trips name a shape_id but the feed has no readable shapes.txt;"
                " shapes ignored",
                severity="WARNING",
            )
        return shape_id, named
    unknown = named & ~shape_id.isin(list(shape_ids))
    notes.report(
        "foreign_key_violation",
        "shape_id",
        shape_id[unknown],
        "{value!r} is not a usable shape of shapes.txt; shape ignored",
    )
    return shape_id, unknown
