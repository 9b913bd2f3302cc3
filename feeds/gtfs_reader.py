"""Loading one GTFS feed (zip or folder) into a LoadedFeed: cleaned tables plus notices."""

from __future__ import annotations

import pandas as pd

from feeds.gtfs_calendar import clean_services, feed_dates
from feeds.gtfs_entities import clean_agency, clean_routes, clean_trips, is_timezone
from feeds.gtfs_fields import FileNotices
from feeds.gtfs_files import FeedFiles, open_feed_files, read_table, reject
from feeds.gtfs_optional import clean_frequencies, clean_shapes, clean_transfers
from feeds.gtfs_stop_times import clean_stop_times
from feeds.gtfs_stops import clean_stops
from feeds.loaded import LoadedFeed
from feeds.notice import NoticeLog
from feeds.source import FeedRejected, FeedSource

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
SERVICE_FILES = ("calendar.txt", "calendar_dates.txt")
OPTIONAL_FILES = ("frequencies.txt", "transfers.txt", "shapes.txt", "feed_info.txt")

Tables = dict[str, pd.DataFrame | None]


def load_feed(source: FeedSource) -> LoadedFeed:
    """Read and clean one feed; its notices are in the result's `log`.

    Broken rows are dropped and reported, blank intermediate stop times interpolated.

    Raises:
        FeedRejected: the feed is unusable as a whole (not a zip or folder, a required file
            missing, no usable trip).
    """
    return read_feed(source, NoticeLog(source.id))


def read_feed(source: FeedSource, log: NoticeLog) -> LoadedFeed:
    """Like `load_feed`, recording notices into `log` (kept even when the feed is rejected)."""
    tables = _read_tables(open_feed_files(source, log), log)
    service_dates, service_ids = clean_services(
        tables["calendar.txt"], tables["calendar_dates.txt"], log
    )
    agency = clean_agency(_required(tables, "agency.txt"), source.id, log)
    if agency.empty:
        raise reject(log, "no_usable_agency", "agency.txt has no usable agency", "agency.txt")
    stops = clean_stops(_required(tables, "stops.txt"), log)
    shapes = clean_shapes(tables["shapes.txt"], log)
    routes = clean_routes(_required(tables, "routes.txt"), agency, log)
    trips = clean_trips(
        _required(tables, "trips.txt"),
        routes,
        service_ids,
        None if tables["shapes.txt"] is None else frozenset(shapes["shape_id"]),
        log,
    )
    stop_times = clean_stop_times(_required(tables, "stop_times.txt"), trips, stops, log)
    _check_trips(trips, stop_times, service_dates, log)
    start, end = feed_dates(tables["feed_info.txt"], log)
    return LoadedFeed(
        source=source,
        timezone=_timezone(source, agency, log),
        agency=agency.reset_index(drop=True),
        stops=stops.reset_index(drop=True),
        routes=routes.reset_index(drop=True),
        trips=trips.reset_index(drop=True),
        stop_times=stop_times,
        frequencies=clean_frequencies(tables["frequencies.txt"], trips, log),
        service_dates=service_dates,
        transfers=clean_transfers(tables["transfers.txt"], stops, log),
        shapes=shapes,
        feed_info_start=start,
        feed_info_end=end,
        log=log,
    )


def _read_tables(files: FeedFiles, log: NoticeLog) -> Tables:
    """Parse the files the loader uses; reject the feed if a required one is unusable."""
    tables = {
        name: read_table(files, name, log)
        for name in REQUIRED_FILES + SERVICE_FILES + OPTIONAL_FILES
    }
    problems = []
    for name in REQUIRED_FILES:
        if not files.has(name):
            log.add("missing_required_file", "ERROR", f"{name} is required", file=name)
            problems.append(f"{name} is missing")
        elif tables[name] is None:
            problems.append(f"{name} cannot be read")
    if all(tables[name] is None for name in SERVICE_FILES):
        if not any(files.has(name) for name in SERVICE_FILES):
            log.add(
                "missing_calendar_and_calendar_date_files",
                "ERROR",
                "neither calendar.txt nor calendar_dates.txt is present",
            )
        problems.append("no readable calendar.txt or calendar_dates.txt")
    if problems:
        raise FeedRejected(log.feed, "; ".join(problems))
    return tables


def _required(tables: Tables, name: str) -> pd.DataFrame:
    table = tables[name]
    if table is None:  # _read_tables has rejected such a feed already
        raise AssertionError(f"{name} was checked as present")
    return table


def _check_trips(
    trips: pd.DataFrame, stop_times: pd.DataFrame, service_dates: pd.DataFrame, log: NoticeLog
) -> None:
    """Report trips left without two stop times; reject the feed when no trip can run."""
    usable = trips["trip_id"].isin(stop_times["trip_id"])
    FileNotices(log, "trips.txt").report(
        "unusable_trip",
        "trip_id",
        trips.loc[~usable, "trip_id"],
        "trip {value!r} has fewer than two usable stop times: it cannot run",
        severity="WARNING",
    )
    trips = trips.loc[usable]
    if trips.empty:
        raise reject(log, "no_usable_trip", "no trip has two usable stop times", "trips.txt")
    if not trips["service_id"].isin(service_dates["service_id"]).any():
        raise reject(
            log, "no_service_day", "no trip runs on any day of the calendar", "calendar.txt"
        )


def _timezone(source: FeedSource, agency: pd.DataFrame, log: NoticeLog) -> str:
    """The override of the source, else the first agency's timezone."""
    timezone = source.timezone or str(agency["agency_timezone"].iloc[0])
    if not is_timezone(timezone):
        where = "the feed source's override" if source.timezone else "agency.txt"
        raise reject(log, "invalid_timezone", f"{timezone!r} from {where} is not a timezone")
    return timezone
