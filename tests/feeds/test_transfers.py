"""Footpaths: nearby stops of any feed, station links, transfers.txt and the extra CSV."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from routing.geo import haversine_m
from routing.network import (
    TRANSFER_CROW_FLY,
    TRANSFER_GTFS,
    TRANSFER_SAME_STATION,
    Network,
)
from tests.feeds.inline import HEAD, build, build_report

# Latitudes 0.001 degree apart are 111 m apart.
BUS = (
    HEAD
    + """
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
B1,Bus 1,-30.0000,-51.2000
B2,Bus 2,-30.0010,-51.2000
B3,Bus 3,-30.0100,-51.2000
# trips.txt
route_id,service_id,trip_id
R,WK,T
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T,08:00:00,08:00:00,B1,1
T,08:05:00,08:05:00,B2,2
T,08:15:00,08:15:00,B3,3
"""
)
RAIL = (
    HEAD
    + """
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
P,Station,-30.0020,-51.2005,1,
R1,Platform 1,-30.0000,-51.2005,0,P
R2,Platform 2,-30.0040,-51.2005,0,P
# trips.txt
route_id,service_id,trip_id
R,WK,T
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T,08:00:00,08:00:00,R1,1
T,08:05:00,08:05:00,R2,2
"""
)


def footpath(network: Network, a: str, b: str) -> tuple[int, int] | None:
    """(seconds, kind) of the footpath a -> b, or None."""
    s, t = network.get_stop(a), network.get_stop(b)
    lo, hi = network.transfer_ptr[s], network.transfer_ptr[s + 1]
    hits = np.flatnonzero(network.transfer_to[lo:hi] == t)
    if hits.size == 0:
        return None
    e = lo + int(hits[0])
    return int(network.transfer_s[e]), int(network.transfer_kind[e])


def metres(network: Network, a: str, b: str) -> float:
    s, t = network.get_stop(a), network.get_stop(b)
    lat, lon = network.stop_lat, network.stop_lon
    return float(haversine_m(lat[s], lon[s], lat[t], lon[t]))


def test_stops_of_two_feeds_close_together_are_linked_crow_fly(tmp_path: Path) -> None:
    network = build(tmp_path, {"bus": BUS, "rail": RAIL}, crow_fly_detour=1.5)

    expected = math.ceil(metres(network, "bus:B1", "rail:R1") * 1.5 / 1.3)
    assert footpath(network, "bus:B1", "rail:R1") == (expected, TRANSFER_CROW_FLY)
    assert footpath(network, "rail:R1", "bus:B1") == (expected, TRANSFER_CROW_FLY)


def test_neighbouring_stops_of_one_feed_are_linked_within_the_radius(tmp_path: Path) -> None:
    wide = build(tmp_path / "wide", {"bus": BUS})
    narrow = build(tmp_path / "narrow", {"bus": BUS}, transfer_radius_m=100.0)

    assert footpath(wide, "bus:B1", "bus:B2") is not None
    assert footpath(wide, "bus:B1", "bus:B3") is None  # 1.1 km apart
    assert footpath(narrow, "bus:B1", "bus:B2") is None  # 111 m > 100 m


def test_stops_of_one_station_reach_each_other_and_through_it(tmp_path: Path) -> None:
    network = build(tmp_path, {"bus": BUS, "rail": RAIL}, min_transfer_s=120)

    platforms = footpath(network, "rail:R1", "rail:R2")
    assert platforms is not None
    assert platforms[1] == TRANSFER_SAME_STATION
    assert platforms[0] == max(120, math.ceil(metres(network, "rail:R1", "rail:R2")))
    # B1 is 448 m from R2, beyond the radius, but it walks to R1 and R1 reaches R2.
    assert metres(network, "bus:B1", "rail:R2") > 300
    to_r1 = footpath(network, "bus:B1", "rail:R1")
    through = footpath(network, "bus:B1", "rail:R2")
    assert to_r1 is not None and through is not None
    assert through[0] == to_r1[0] + platforms[0]
    assert footpath(network, "rail:R2", "bus:B1") == through


def test_transfers_txt_sets_times_removes_links_and_sets_same_stop_minimums(
    tmp_path: Path,
) -> None:
    rules = (
        BUS
        + """
    # transfers.txt
    from_stop_id,to_stop_id,transfer_type,min_transfer_time
    B1,B2,2,500
    B2,B3,3,
    B3,B2,3,
    B1,B3,0,
    B2,B2,2,180
    """
    )
    plain = build(tmp_path / "plain", {"bus": BUS}, min_transfer_s=90)
    network = build(tmp_path / "rules", {"bus": rules}, min_transfer_s=90)

    assert footpath(network, "bus:B1", "bus:B2") == (500, TRANSFER_GTFS)
    # A rule is one way: the walk back stays as computed.
    assert footpath(network, "bus:B2", "bus:B1") == footpath(plain, "bus:B2", "bus:B1")
    # A type 0 rule between stops too far apart for a walk adds one, both ways.
    far = footpath(network, "bus:B1", "bus:B3")
    assert far is not None and far[1] == TRANSFER_GTFS
    assert far[0] == math.ceil(metres(network, "bus:B1", "bus:B3") * 1.3 / 1.3)
    assert footpath(network, "bus:B3", "bus:B1") == far
    assert footpath(network, "bus:B2", "bus:B3") is None
    minimum = {sid: int(network.stop_min_transfer_s[i]) for i, sid in enumerate(network.stop_ids)}
    assert minimum == {"bus:B1": 90, "bus:B2": 180, "bus:B3": 90}


def test_forbidden_transfer_removes_a_nearby_walk(tmp_path: Path) -> None:
    rules = (
        BUS
        + """
    # transfers.txt
    from_stop_id,to_stop_id,transfer_type,min_transfer_time
    B1,B2,3,
    """
    )
    network = build(tmp_path, {"bus": rules})

    assert footpath(network, "bus:B1", "bus:B2") is None
    assert footpath(network, "bus:B2", "bus:B1") is not None


def test_extra_transfers_link_feeds_and_report_unknown_stops(tmp_path: Path) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "from_stop_id,to_stop_id,min_transfer_time\nbus:B3,rail:R2,240\nbus:B3,rail:NOPE,60\n"
    )
    report = build_report(tmp_path, {"bus": BUS, "rail": RAIL}, extra_transfers=extra)
    network = report.network
    assert network is not None

    assert footpath(network, "bus:B3", "rail:R2") == (240, TRANSFER_GTFS)
    assert footpath(network, "rail:R2", "bus:B3") == (240, TRANSFER_GTFS)
    unknown = [n for n in report.notices if n.code == "foreign_key_violation"]
    assert [(n.file, n.row, n.field) for n in unknown] == [("extra.csv", 2, "to_stop_id")]


def test_footpaths_are_symmetric_and_grouped_by_origin(tmp_path: Path) -> None:
    network = build(tmp_path, {"bus": BUS, "rail": RAIL})

    origin = np.repeat(np.arange(network.n_stops), np.diff(network.transfer_ptr))
    pairs = set(zip(origin.tolist(), network.transfer_to.tolist(), strict=True))
    assert pairs
    assert all((b, a) in pairs for a, b in pairs)
    assert all(a != b for a, b in pairs)
    assert network.transfer_ptr[-1] == len(network.transfer_to)
    boardable = network.stop_location_type == 0
    assert boardable[origin].all() and boardable[network.transfer_to].all()


def test_an_unreadable_extra_transfers_file_is_reported_not_raised(tmp_path: Path) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text("from,to\nbus:B1,rail:R1\n")
    report = build_report(tmp_path, {"bus": BUS, "rail": RAIL}, extra_transfers=extra)
    missing = build_report(tmp_path / "m", {"bus": BUS}, extra_transfers=tmp_path / "none.csv")

    assert report.network is not None and missing.network is not None
    assert [n.code for n in report.notices if n.feed == "extra_transfers"] == [
        "missing_required_column"
    ]
    assert [n.code for n in missing.notices if n.feed == "extra_transfers"] == [
        "invalid_extra_transfers"
    ]
