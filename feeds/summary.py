"""What a build holds, per feed and merged: the figures `hub build` prints and `hub info` shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from feeds.loaded import LoadedFeed
from feeds.services import ServiceCalendar, active_range
from routing.network import I16, I32, FeedSummary, Network


def feed_summaries(
    feeds: Sequence[LoadedFeed], trip_feed: I16, trip_service: I32, calendar: ServiceCalendar
) -> tuple[FeedSummary, ...]:
    """One `FeedSummary` per feed; its dates span the days with at least one active trip."""
    out = []
    for number, feed in enumerate(feeds):
        span = active_range(calendar, trip_service[trip_feed == number])
        agency = feed.agency["agency_id"].astype(str)
        # A one-agency feed may leave agency_id blank: its name is the next best label.
        labels = agency.where(agency != "", feed.agency["agency_name"].astype(str))
        out.append(
            FeedSummary(
                id=feed.id,
                authority=feed.source.authority,
                timezone=feed.timezone,
                agencies=tuple(dict.fromkeys(labels.tolist())),
                stops=int((feed.stops["location_type"] == 0).sum()),
                routes=len(feed.routes),
                trips=len(feed.trips),
                start_date=None if span is None else span[0].isoformat(),
                end_date=None if span is None else span[1].isoformat(),
                feed_info_start=_iso(feed.feed_info_start),
                feed_info_end=_iso(feed.feed_info_end),
                url=feed.source.url,
                errors=feed.log.errors,
                warnings=feed.log.warnings,
            )
        )
    return tuple(out)


def summary(network: Network) -> dict[str, Any]:
    """The `hub info --json` record of a built network.

    ``stops`` counts location_type 0 stops (as each feed's ``stops`` does);
    ``cross_feed_transfers`` counts footpaths between stops of different feeds, each
    undirected link once (a -> b and b -> a are one link); ``connections`` counts the
    stop-to-stop hops of the trips whose service runs on ``summary_date``.
    """
    return {
        "version": network.version,
        "built_at": network.built_at,
        "timezone": network.timezone,
        "first_date": network.first_date.isoformat(),
        "summary_date": network.summary_date.isoformat(),
        "feeds": [_feed_json(f) for f in network.feeds],
        "stops": int(np.count_nonzero(np.asarray(network.stop_location_type) == 0)),
        "routes": len(network.route_ids),
        "trips": len(network.trip_ids),
        "patterns": int(len(network.pattern_route)),
        "cross_feed_transfers": cross_feed_transfers(network),
        "connections": connections_on(network, network.day_index(network.summary_date)),
    }


def cross_feed_transfers(network: Network) -> int:
    """Undirected footpath links whose two stops belong to different feeds."""
    a = np.repeat(np.arange(network.n_stops, dtype=np.int64), np.diff(network.transfer_ptr))
    b = np.asarray(network.transfer_to, dtype=np.int64)
    cross = network.stop_feed[a] != network.stop_feed[b]
    low, high = np.minimum(a[cross], b[cross]), np.maximum(a[cross], b[cross])
    return int(np.unique(low * network.n_stops + high).size)


def connections_on(network: Network, day: int) -> int:
    """Stop-to-stop hops of the trips running on service day `day`."""
    hops = np.diff(network.pattern_stop_ptr) - 1
    active = network.trips_active(day)
    return int(hops[np.asarray(network.trip_pattern)[active]].sum())


def _feed_json(feed: FeedSummary) -> dict[str, Any]:
    return {
        "id": feed.id,
        "authority": feed.authority,
        "timezone": feed.timezone,
        "agencies": list(feed.agencies),
        "stops": feed.stops,
        "routes": feed.routes,
        "trips": feed.trips,
        "start_date": feed.start_date,
        "end_date": feed.end_date,
        "feed_info_start": feed.feed_info_start,
        "feed_info_end": feed.feed_info_end,
        "url": feed.url,
        "errors": feed.errors,
        "warnings": feed.warnings,
    }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()
