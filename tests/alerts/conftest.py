"""Networks for the realtime tests: BART 2019 and Caltrain 2023 (real), and a tiny inline one."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from feeds.build import build_network
from feeds.source import BuildOptions, FeedSource
from routing.network import Network
from routing.timeutil import service_day_origin
from tests.conftest import DATA_DIR, write_feed

# Paris, every day of January 2024. T1 and T3 leave at 08:00 in opposite directions; C is a
# platform of station ST; N1 runs past midnight.
TINY_FEED = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
AG,Tiny,http://example.org,Europe/Paris
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
A,A,48.80,2.30,0,
B,B,48.81,2.31,0,
ST,Station,48.82,2.32,1,
C,C,48.82,2.32,0,ST
D,D,48.83,2.33,0,
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R1,AG,1,One,3
R2,AG,2,Two,3
# trips.txt
route_id,service_id,trip_id,direction_id
R1,WK,T1,0
R1,WK,T2,0
R1,WK,T3,1
R2,WK,N1,0
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,08:00:00,08:00:00,A,1
T1,08:10:00,08:11:00,B,2
T1,08:20:00,08:21:00,C,3
T1,08:30:00,08:30:00,D,4
T2,09:00:00,09:00:00,A,1
T2,09:10:00,09:11:00,B,2
T2,09:20:00,09:21:00,C,3
T2,09:30:00,09:30:00,D,4
T3,08:00:00,08:00:00,D,1
T3,08:10:00,08:10:00,C,2
T3,08:20:00,08:20:00,B,3
T3,08:30:00,08:30:00,A,4
N1,23:50:00,23:50:00,A,1
N1,24:10:00,24:10:00,D,2
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,1,1,20240101,20240131
"""
TINY_DAY = dt.date(2024, 1, 10)


def build(feed_id: str, path: Path) -> Network:
    report = build_network([FeedSource(id=feed_id, path=path)], None, BuildOptions())
    assert report.network is not None, report.skipped
    return report.network


@functools.cache
def caltrain_network() -> Network:
    """Caltrain 2023 as feed "ct" (a function too, for hypothesis tests: see test_fuzz)."""
    return build("ct", DATA_DIR / "bay_area" / "caltrain_2023.gtfs.zip")


@pytest.fixture(scope="session")
def bart(data_dir: Path) -> Network:
    return build("bart", data_dir / "bay_area" / "bart_2019.gtfs.zip")


@pytest.fixture(scope="session")
def caltrain(data_dir: Path) -> Network:
    return caltrain_network()


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Network:
    return build("t", write_feed(tmp_path_factory.mktemp("tiny"), TINY_FEED))


def at(network: Network, day: dt.date, hhmm: str) -> int:
    """POSIX seconds of local time `hhmm` (hours may pass 24) of service day `day`."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return int(service_day_origin(day, network.tz).timestamp()) + hours * 3600 + minutes * 60


def header(message: rt.FeedMessage, timestamp: int) -> rt.FeedMessage:
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = timestamp
    return message


def read_header_timestamp(data: bytes) -> int:
    message = rt.FeedMessage()
    message.ParseFromString(data)
    return int(message.header.timestamp)
