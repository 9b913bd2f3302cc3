"""load_feed on tiny inline feeds (behaviour) and on the real feeds (counts, quirks)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from feeds.gtfs_reader import load_feed
from feeds.loaded import LoadedFeed
from feeds.source import FeedSource
from tests.conftest import write_feed

BASE = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
A,Agency,http://a.example,America/Sao_Paulo
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
S1,One,0.0,0.0
S2,Two,0.0,0.01
S3,Three,0.0,0.03
S4,Four,0.0,0.04
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R,A,1,One,3
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20190513,20190519
"""

TRIPS = """
# trips.txt
route_id,service_id,trip_id
R,WK,T1
"""


def load(tmp_path: Path, *parts: str, feed_id: str = "tiny") -> LoadedFeed:
    text = "\n".join(textwrap.dedent(part).strip() for part in parts)
    return load_feed(FeedSource(feed_id, write_feed(tmp_path / feed_id, text)))


def codes(feed: LoadedFeed) -> set[str]:
    return {n.code for n in feed.log.notices}


def test_blank_intermediate_times_are_interpolated_by_distance(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        BASE,
        TRIPS,
        """
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,,,S2,2
        T1,,,S3,3
        T1,08:04:00,08:04:00,S4,4
        """,
    )
    times = feed.stop_times
    # S2 and S3 lie at 1/4 and 3/4 of the distance: 60 s and 180 s after 08:00.
    assert times["arrival_s"].tolist() == [28800, 28860, 28980, 29040]
    assert times["departure_s"].tolist() == times["arrival_s"].tolist()
    assert times["timepoint_interpolated"].tolist() == [False, True, True, False]
    interpolated = [n for n in feed.log.notices if n.code == "stop_times_interpolated"]
    assert len(interpolated) == 1
    assert interpolated[0].severity == "INFO"
    assert interpolated[0].message.startswith("2 of 4 stop times")
