"""One GTFS feed after loading: cleaned tables with fixed columns and dtypes, plus notices.

This is the hand-off between reading (`feeds.gtfs_reader`) and compiling (`feeds.compile`).
Ids are still the feed's own here; the compiler namespaces them with the feed id. Tables are
pandas DataFrames, which never leave the `feeds` package.

Columns (every table has exactly these; optional GTFS fields are filled with defaults):

* agency: agency_id, agency_name, agency_timezone, agency_url (a lone agency without
  agency_id gets the feed id; routes without agency_id get the lone agency's)
* stops: stop_id, stop_name, stop_lat (float), stop_lon (float), location_type (int, blank=0),
  parent_station ("" when none), wheelchair_boarding (int, 0 unknown / 1 yes / 2 no)
* routes: route_id, agency_id, route_short_name, route_long_name, route_type (int),
  route_color ("" or 6 hex digits, no #), route_text_color (same)
* trips: trip_id, route_id, service_id, trip_headsign, direction_id (int, -1 blank), shape_id
  ("" when none), wheelchair_accessible (int), bikes_allowed (int) — every valid row of
  trips.txt, so a trip may have fewer than two stop_times (reported as `unusable_trip`)
* stop_times: trip_id, stop_sequence (int), stop_id, arrival_s (int32), departure_s (int32),
  pickup_type (int), drop_off_type (int), timepoint_interpolated (bool); sorted by trip_id then
  stop_sequence; every time filled (blank intermediate times interpolated by distance along
  the trip, each interpolation reported once per feed as a notice)
* frequencies: trip_id, start_s, end_s, headway_s, exact_times (int)
* service_dates: service_id, date (datetime.date) — one row per (service, active day), from
  calendar.txt and calendar_dates.txt combined
* transfers: from_stop_id, to_stop_id, transfer_type (int), min_transfer_time (int, -1 blank)
* shapes: shape_id, shape_pt_lat, shape_pt_lon, shape_pt_sequence (sorted by shape, sequence)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from feeds.notice import NoticeLog
from feeds.source import FeedSource


@dataclass(frozen=True, eq=False)
class LoadedFeed:
    """A feed read and cleaned, ready to compile. See the module docstring for the columns."""

    source: FeedSource
    timezone: str
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    frequencies: pd.DataFrame
    service_dates: pd.DataFrame
    transfers: pd.DataFrame
    shapes: pd.DataFrame
    feed_info_start: dt.date | None
    feed_info_end: dt.date | None
    log: NoticeLog

    @property
    def id(self) -> str:
        """The feed's stable id (namespace)."""
        return self.source.id
