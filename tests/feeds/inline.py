"""Inline tiny feeds built into a Network through the public build API (shared by feeds tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from feeds.build import BuildReport, build_network
from feeds.source import BuildOptions, FeedSource
from routing.network import Network
from tests.conftest import write_feed

AGENCY = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
A,Agency A,http://a.example,America/Sao_Paulo
"""
WEEK = """
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20190513,20190519
"""
ROUTES = """
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type,route_color
R,A,R1,Route one,3,FF0000
"""
STOPS = """
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
S1,One,-30.000,-51.20
S2,Two,-30.010,-51.20
S3,Three,-30.020,-51.20
"""
HEAD = AGENCY + WEEK + ROUTES
BASE = HEAD + STOPS


def build(tmp_path: Path, feeds: dict[str, str], **options: Any) -> Network:
    report = build_report(tmp_path, feeds, **options)
    assert report.network is not None, report.skipped
    return report.network


def build_report(tmp_path: Path, feeds: dict[str, str], **options: Any) -> BuildReport:
    """Build inline feeds (text pieces of mixed indentation, hence the stripping)."""
    sources = [
        FeedSource(fid, write_feed(tmp_path / fid, "\n".join(x.strip() for x in text.splitlines())))
        for fid, text in feeds.items()
    ]
    return build_network(sources, None, BuildOptions(**options))


def trip_times(network: Network, trip_id: str) -> tuple[list[str], list[int], list[int]]:
    """A trip's stops, arrivals and departures read back from the position-major arrays."""
    t = network.find_trip(trip_id)
    assert t is not None, trip_id
    p = int(network.trip_pattern[t])
    trips = list(
        network.pattern_trips[network.pattern_trip_ptr[p] : network.pattern_trip_ptr[p + 1]]
    )
    j, k = trips.index(t), len(trips)
    stops = network.pattern_stops[network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]]
    at = [int(network.pattern_time_ptr[p]) + i * k + j for i in range(len(stops))]
    return (
        [network.stop_ids[s] for s in stops],
        [int(network.arrival[i]) for i in at],
        [int(network.departure[i]) for i in at],
    )


def assert_fifo(network: Network) -> None:
    """Every pattern's trips are sorted at every position (arrival and departure)."""
    for p in range(len(network.pattern_route)):
        n = int(network.pattern_stop_ptr[p + 1] - network.pattern_stop_ptr[p])
        k = int(network.pattern_trip_ptr[p + 1] - network.pattern_trip_ptr[p])
        lo = int(network.pattern_time_ptr[p])
        assert network.pattern_time_ptr[p + 1] - lo == n * k
        for times in (network.arrival, network.departure):
            block = np.asarray(times[lo : lo + n * k]).reshape(n, k)
            assert np.all(np.diff(block, axis=1) >= 0), p


def trip(network: Network, trip_id: str) -> int:
    """Index of the trip with this feed-scoped id (fails the test when absent)."""
    t = network.find_trip(trip_id)
    assert t is not None, trip_id
    return t
