"""Loaded feeds compiled into one immutable `routing.Network` of compact arrays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feeds.loaded import LoadedFeed
from feeds.merged_stops import StopTable
from feeds.patterns import PatternTable, build_patterns
from feeds.services import ServiceCalendar, busiest_day, expand_services
from feeds.shapes import ShapeTable, merge_shapes, stop_shape_positions
from feeds.source import BuildOptions
from feeds.summary import feed_summaries
from feeds.timetable import TripTable, merge_routes, merge_trips
from feeds.transfers import Footpaths
from routing.network import I32, Network


def compile_network(
    feeds: Sequence[LoadedFeed],
    stops: StopTable,
    footpaths: Footpaths,
    options: BuildOptions,
    *,
    version: str,
    built_at: str,
) -> Network:
    """Merge `feeds` into one `Network`, on the stops of `merge_stops(feeds)`.

    Ids are namespaced by feed id, services expanded to days, frequencies to trips, trips
    grouped into FIFO patterns. The timezone is the first feed's; the summary date is
    ``options.summary_date`` or the day with most trips.

    Raises:
        ValueError: when `feeds` is empty.
    """
    if not feeds:
        raise ValueError("no feed to compile")
    calendar = expand_services(feeds)
    routes = merge_routes(feeds)
    shapes = merge_shapes(feeds)
    trips = merge_trips(feeds, stops, routes, pd.Index(calendar.ids), pd.Index(shapes.ids))
    patterns = build_patterns(trips.times, trips.route, len(stops))
    pattern_shape = _pattern_shapes(patterns, trips)
    shape_pos = stop_shape_positions(
        pattern_shape, patterns.stop_ptr, patterns.stops, stops.lat, stops.lon, shapes
    )
    transfer_ptr, transfer_to, transfer_s, transfer_kind = footpaths.csr()
    return Network(
        version=version,
        built_at=built_at,
        timezone=feeds[0].timezone,
        first_date=calendar.first_date,
        summary_date=options.summary_date or busiest_day(calendar, trips.service),
        feeds=feed_summaries(feeds, trips.feed, trips.service, calendar),
        **_stop_fields(stops, footpaths),
        route_ids=routes.ids,
        route_short_names=routes.short_names,
        route_long_names=routes.long_names,
        route_colors=routes.colors,
        route_text_colors=routes.text_colors,
        route_agency_names=routes.agency_names,
        route_type=routes.type,
        route_feed=routes.feed,
        **_trip_fields(trips, patterns),
        **_pattern_fields(patterns),
        transfer_ptr=transfer_ptr,
        transfer_to=transfer_to,
        transfer_s=transfer_s,
        transfer_kind=transfer_kind,
        **_calendar_fields(calendar),
        pattern_shape=pattern_shape,
        pattern_stop_shape_pos=shape_pos,
        **_shape_fields(shapes),
    )


def _stop_fields(stops: StopTable, footpaths: Footpaths) -> dict[str, Any]:
    return {
        "stop_ids": stops.ids,
        "stop_names": stops.names,
        "stop_lat": stops.lat,
        "stop_lon": stops.lon,
        "stop_feed": stops.feed,
        "stop_parent": stops.parent,
        "stop_location_type": stops.location_type,
        "stop_wheelchair": stops.wheelchair,
        "stop_min_transfer_s": footpaths.min_transfer_s,
    }


def _trip_fields(trips: TripTable, patterns: PatternTable) -> dict[str, Any]:
    return {
        "trip_ids": trips.ids,
        "trip_headsigns": trips.headsigns,
        "trip_route": trips.route,
        "trip_service": trips.service,
        "trip_pattern": patterns.trip_pattern,
        "trip_wheelchair": trips.wheelchair,
        "trip_bikes": trips.bikes,
        "trip_direction": trips.direction,
    }


def _pattern_fields(patterns: PatternTable) -> dict[str, Any]:
    return {
        "pattern_route": patterns.route,
        "pattern_stop_ptr": patterns.stop_ptr,
        "pattern_stops": patterns.stops,
        "pattern_trip_ptr": patterns.trip_ptr,
        "pattern_trips": patterns.trips,
        "pattern_time_ptr": patterns.time_ptr,
        "arrival": patterns.arrival,
        "departure": patterns.departure,
        "stop_time_flags": patterns.flags,
        "stop_pattern_ptr": patterns.stop_pattern_ptr,
        "stop_patterns": patterns.stop_patterns,
        "stop_pattern_pos": patterns.stop_pattern_pos,
    }


def _calendar_fields(calendar: ServiceCalendar) -> dict[str, Any]:
    return {"service_ids": calendar.ids, "service_days": calendar.days}


def _shape_fields(shapes: ShapeTable) -> dict[str, Any]:
    return {"shape_ptr": shapes.ptr, "shape_lat": shapes.lat, "shape_lon": shapes.lon}


def _pattern_shapes(patterns: PatternTable, trips: TripTable) -> I32:
    """The shape of each pattern: the one most of its trips name (-1 when none names one)."""
    pattern = np.repeat(np.arange(patterns.n_patterns), np.diff(patterns.trip_ptr))
    shape = trips.shape[patterns.trips]
    named = shape >= 0
    table = pd.DataFrame({"pattern": pattern[named], "shape": shape[named]})
    counts = table.value_counts().reset_index(name="n")
    counts = counts.sort_values(["n", "shape"], ascending=[False, True], kind="stable")
    common = counts.drop_duplicates("pattern")
    out = np.full(patterns.n_patterns, -1, dtype=np.int32)
    out[common["pattern"].to_numpy(np.int64)] = common["shape"].to_numpy(np.int32)
    return out
