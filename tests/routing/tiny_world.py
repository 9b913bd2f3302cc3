"""A tiny door-to-door world: an inline GTFS feed and an OSM XML street grid, built for real.

Map (latitudes -29.998 .. -30.022, longitude -51.2000; 0.001 degree is about 111 m north-south
and 96 m east-west)::

    node 1 (-29.998)
      |  ST1 station: S1 (-30.000) and its platform S1B
      |  main street, two-way, nodes 1..13 every 0.002 degree (222 m)
    node 7 (-30.010) --one-way east--> 22 .. 26 (-51.190)       S2 beside node 7
      |                                  |   footway island near (-30.0107, -51.1955)
    node 8 (-30.012) <---two-way------ 42 .. 46 (-51.190)
      |                                  S4 (-30.0118, -51.1931): 22 m north of the street
      |                                  between 43 (90 m, its nearest node) and 44 (108 m)
    node 13 (-30.022)                 S3 (-30.020); FAR (-30.050) lies off the streets

Route R (bus, red) runs S1 08:00 -> S2 08:05 -> S3 08:10 (T1, accessible, bikes allowed)
and S1 08:30 -> S2 (no time) -> S3 08:40 (T2); route R2 (rail) S3 08:20 -> FAR 08:30 (T3).
Weekdays of 2019-05-13 .. 2019-05-19 only; tests query Tuesday 2019-05-14.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.build import BuildReport, build_network
from feeds.source import BuildOptions, FeedSource
from routing.geo import haversine_m
from tests.conftest import write_feed

TZ = ZoneInfo("America/Sao_Paulo")
DAY = dt.date(2019, 5, 14)
LON = -51.2

FEED = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
A,Tiny Transit,http://a.example,America/Sao_Paulo
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding
ST1,Station One,-30.0000,-51.2002,1,,1
S1,One,-30.0000,-51.2002,0,ST1,1
S1B,One B,-30.0001,-51.2003,0,ST1,1
S2,Two,-30.0100,-51.2002,0,,0
S3,Three,-30.0200,-51.2002,0,,1
FAR,Far,-30.0500,-51.2002,0,,1
S4,Four,-30.0118,-51.1931,0,,1
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type,route_color
R,A,R1,Red line,3,FF0000
R2,A,X,Rail line,2,
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20190513,20190519
# trips.txt
route_id,service_id,trip_id,trip_headsign,shape_id,wheelchair_accessible,bikes_allowed
R,WK,T1,Three,SH1,1,1
R,WK,T2,Three,SH1,0,2
R2,WK,T3,Far,,1,0
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,08:00:00,08:00:00,S1,1
T1,08:05:00,08:05:00,S2,2
T1,08:10:00,08:10:00,S3,3
T2,08:30:00,08:30:00,S1,1
T2,,,S2,2
T2,08:40:00,08:40:00,S3,3
T3,08:20:00,08:20:00,S3,1
T3,08:30:00,08:30:00,FAR,2
# shapes.txt
shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
"""
SHAPE = "\n".join(
    f"SH1,{-29.9995 - 0.0015 * i:.4f},-51.2001,{i + 1}" for i in range(15)
)  # -29.9995 .. -30.0205


def _nodes() -> dict[int, tuple[float, float]]:
    nodes = {i: (-29.998 - 0.002 * (i - 1), LON) for i in range(1, 14)}
    nodes |= {20 + k: (-30.010, LON + 0.002 * k) for k in range(2, 7)}  # 22..26
    nodes |= {40 + k: (-30.012, LON + 0.002 * k) for k in range(2, 7)}  # 42..46
    nodes |= {31: (-30.0107, -51.1956), 32: (-30.0107, -51.1953), 33: (-30.0109, -51.1955)}
    return nodes


WAYS: list[tuple[list[int], dict[str, str]]] = [
    (list(range(1, 14)), {"highway": "residential", "name": "Main"}),
    ([7, 22, 23, 24, 25, 26], {"highway": "residential", "oneway": "yes"}),
    ([26, 46, 45, 44, 43, 42, 8], {"highway": "residential"}),
    ([31, 32, 33, 31], {"highway": "footway"}),
]


def write_osm(path: Path) -> Path:
    """Write the street grid as OSM XML."""
    nodes = _nodes()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [f'<node id="{i}" version="1" lat="{a}" lon="{b}"/>' for i, (a, b) in nodes.items()]
    for way_id, (refs, tags) in enumerate(WAYS, start=100):
        lines.append(f'<way id="{way_id}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_world(folder: Path) -> BuildReport:
    """Build the tiny feed (`tiny`) with its streets through the real build pipeline."""
    feed = write_feed(folder / "tiny", FEED + SHAPE)
    osm = write_osm(folder / "tiny.osm")
    report = build_network([FeedSource("tiny", feed)], osm, BuildOptions())
    assert report.network is not None and report.streets is not None, report.skipped
    return report


def at(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    """An aware local datetime of the tiny world."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points (great circle)."""
    return float(haversine_m(lat1, lon1, lat2, lon2))
