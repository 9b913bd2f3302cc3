"""Compiling loaded feeds into a Network: ids, services, frequencies, FIFO patterns, layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from routing.network import NO_DROP_OFF, NO_PICKUP
from tests.feeds.inline import (
    AGENCY,
    BASE,
    HEAD,
    ROUTES,
    STOPS,
    assert_fifo,
    build,
    build_report,
    trip,
    trip_times,
)


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def test_ids_of_two_feeds_never_collide(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id
    R,WK,T
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T,08:00:00,08:00:00,S1,1
    T,08:10:00,08:10:00,S2,2
    """
    )
    network = build(tmp_path, {"one": text, "two": text})

    assert network.find_stop("one:S1") != network.find_stop("two:S1")
    for ids in (network.stop_ids, network.route_ids, network.trip_ids, network.service_ids):
        assert len(set(ids)) == len(ids)
        assert {i.split(":")[0] for i in ids} == {"one", "two"}
    assert network.stop_feed[network.get_stop("two:S2")] == 1


def test_frequencies_expand_into_one_trip_per_headway(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id
    R,WK,F
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    F,05:00:00,05:00:00,S1,1
    F,05:07:00,05:08:00,S2,2
    F,05:20:00,05:20:00,S3,3
    # frequencies.txt
    trip_id,start_time,end_time,headway_secs,exact_times
    F,08:00:00,09:00:00,1200,0
    F,23:50:00,24:20:00,900,1
    """
    )
    network = build(tmp_path, {"sp": text})

    starts = ["08:00:00", "08:20:00", "08:40:00", "23:50:00", "24:05:00"]
    assert sorted(network.trip_ids) == sorted(f"sp:F#{s}" for s in starts)
    for start in starts:
        stops, arrival, departure = trip_times(network, f"sp:F#{start}")
        s0 = hms(start)
        assert stops == ["sp:S1", "sp:S2", "sp:S3"]
        assert arrival == [s0, s0 + 420, s0 + 1200]
        assert departure == [s0, s0 + 480, s0 + 1200]
    assert network.feeds[0].trips == 1  # rows of trips.txt, before expansion


def test_overtaking_trips_are_split_into_fifo_patterns(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id
    R,WK,SLOW1
    R,WK,EXPRESS
    R,WK,SLOW2
    R,WK,EARLY
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    SLOW1,08:00:00,08:00:00,S1,1
    SLOW1,08:15:00,08:15:00,S2,2
    SLOW1,08:30:00,08:30:00,S3,3
    EXPRESS,08:05:00,08:05:00,S1,1
    EXPRESS,08:10:00,08:10:00,S2,2
    EXPRESS,08:14:00,08:14:00,S3,3
    SLOW2,08:10:00,08:10:00,S1,1
    SLOW2,08:25:00,08:25:00,S2,2
    SLOW2,08:40:00,08:40:00,S3,3
    EARLY,07:00:00,07:00:00,S1,1
    EARLY,07:15:00,07:15:00,S2,2
    EARLY,07:30:00,07:30:00,S3,3
    """
    )
    network = build(tmp_path, {"f": text})

    names = ("SLOW1", "EXPRESS", "SLOW2", "EARLY")
    pattern = {t: int(network.trip_pattern[trip(network, f"f:{t}")]) for t in names}
    assert pattern["SLOW1"] == pattern["SLOW2"] == pattern["EARLY"] != pattern["EXPRESS"]
    assert len(network.pattern_route) == 2
    assert_fifo(network)
    first = pattern["SLOW1"]
    order = network.pattern_trips[
        network.pattern_trip_ptr[first] : network.pattern_trip_ptr[first + 1]
    ]
    assert [network.trip_ids[t] for t in order] == ["f:EARLY", "f:SLOW1", "f:SLOW2"]


def test_calendar_dates_add_and_remove_days(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # calendar_dates.txt
    service_id,date,exception_type
    WK,20190518,1
    WK,20190515,2
    XTRA,20190601,1
    # trips.txt
    route_id,service_id,trip_id
    R,WK,T
    R,XTRA,X
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T,08:00:00,08:00:00,S1,1
    T,08:10:00,08:10:00,S2,2
    X,08:00:00,08:00:00,S1,1
    X,08:10:00,08:10:00,S2,2
    """
    )
    network = build(tmp_path, {"f": text})

    def days(service: str) -> set[dt.date]:
        row = network.service_days[network.service_ids.index(service)]
        return {network.first_date + dt.timedelta(days=int(d)) for d in np.flatnonzero(row)}

    assert network.first_date == dt.date(2019, 5, 13)
    assert network.n_days == (dt.date(2019, 6, 1) - dt.date(2019, 5, 13)).days + 1
    weekdays = {dt.date(2019, 5, d) for d in (13, 14, 16, 17)}
    assert days("f:WK") == weekdays | {dt.date(2019, 5, 18)}
    assert days("f:XTRA") == {dt.date(2019, 6, 1)}
    assert network.feeds[0].start_date == "2019-05-13"
    assert network.feeds[0].end_date == "2019-06-01"


def test_pickup_and_drop_off_flags_split_patterns(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id
    R,WK,OPEN
    R,WK,CLOSED
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
    OPEN,08:00:00,08:00:00,S1,1,0,0
    OPEN,08:10:00,08:10:00,S2,2,0,0
    OPEN,08:20:00,08:20:00,S3,3,0,0
    CLOSED,09:00:00,09:00:00,S1,1,0,1
    CLOSED,09:10:00,09:10:00,S2,2,1,0
    CLOSED,09:20:00,09:20:00,S3,3,1,0
    """
    )
    network = build(tmp_path, {"f": text})

    closed = int(network.trip_pattern[trip(network, "f:CLOSED")])
    opened = int(network.trip_pattern[trip(network, "f:OPEN")])
    assert closed != opened
    lo, hi = network.pattern_time_ptr[closed], network.pattern_time_ptr[closed + 1]
    assert list(network.stop_time_flags[lo:hi]) == [NO_DROP_OFF, NO_PICKUP, NO_PICKUP]
    lo, hi = network.pattern_time_ptr[opened], network.pattern_time_ptr[opened + 1]
    assert not np.any(network.stop_time_flags[lo:hi])


def test_each_stop_lists_the_patterns_and_positions_serving_it(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id
    R,WK,LOOP
    R,WK,LINE
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    LOOP,08:00:00,08:00:00,S1,1
    LOOP,08:10:00,08:10:00,S2,2
    LOOP,08:20:00,08:20:00,S1,3
    LINE,08:00:00,08:00:00,S2,1
    LINE,08:10:00,08:10:00,S3,2
    """
    )
    network = build(tmp_path, {"f": text})

    for s in range(network.n_stops):
        lo, hi = network.stop_pattern_ptr[s], network.stop_pattern_ptr[s + 1]
        listed = sorted(
            zip(network.stop_patterns[lo:hi], network.stop_pattern_pos[lo:hi], strict=True)
        )
        expected = sorted(
            (p, i)
            for p in range(len(network.pattern_route))
            for i, stop in enumerate(
                network.pattern_stops[network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]]
            )
            if stop == s
        )
        assert listed == expected
    s1 = network.get_stop("f:S1")
    assert network.stop_pattern_ptr[s1 + 1] - network.stop_pattern_ptr[s1] == 2


def test_children_inherit_the_station_wheelchair_access(tmp_path: Path) -> None:
    text = (
        HEAD
        + """
    # stops.txt
    stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding
    P,Station,-30.000,-51.20,1,,1
    C,Platform C,-30.0001,-51.20,0,P,0
    D,Platform D,-30.0002,-51.20,0,P,2
    E,Street,-30.010,-51.20,0,,0
    # trips.txt
    route_id,service_id,trip_id,wheelchair_accessible,bikes_allowed
    R,WK,T,1,2
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T,08:00:00,08:00:00,C,1
    T,08:10:00,08:10:00,E,2
    """
    )
    network = build(tmp_path, {"f": text})

    wheelchair = {sid: int(network.stop_wheelchair[i]) for i, sid in enumerate(network.stop_ids)}
    assert wheelchair == {"f:P": 1, "f:C": 1, "f:D": 2, "f:E": 0}
    assert network.stop_parent[network.get_stop("f:C")] == network.get_stop("f:P")
    assert network.stop_parent[network.get_stop("f:E")] == -1
    t = trip(network, "f:T")
    assert (int(network.trip_wheelchair[t]), int(network.trip_bikes[t])) == (1, 2)
    assert network.feeds[0].stops == 3  # location_type 0 only


def test_routes_keep_their_names_colours_and_agency(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id,trip_headsign
    R,WK,T,Downtown
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T,08:00:00,08:00:00,S1,1
    T,08:10:00,08:10:00,S2,2
    """
    )
    network = build(tmp_path, {"f": text})

    r = network.find_route("f:R")
    assert r is not None
    assert network.route_short_names[r] == "R1"
    assert network.route_long_names[r] == "Route one"
    assert network.route_colors[r] == "FF0000"
    assert network.route_agency_names[r] == "Agency A"
    assert network.route_type[r] == 3
    assert network.trip_headsigns[trip(network, "f:T")] == "Downtown"
    assert network.feeds[0].agencies == ("A",)


def test_shape_positions_follow_a_there_and_back_shape_in_order(tmp_path: Path) -> None:
    # The line runs east along lon -51.20..-51.19 and comes back: stop OUT and stop BACK
    # stand at the same place, so only the order can tell which pass each one is on.
    points = [(-30.0, -51.20 + 0.001 * i) for i in range(11)]
    points += [(-30.0, -51.19 - 0.001 * i) for i in range(1, 11)]
    shape_rows = "\n".join(f"SH,{lat},{lon:.3f},{i}" for i, (lat, lon) in enumerate(points))
    text = (
        HEAD
        + f"""
    # stops.txt
    stop_id,stop_name,stop_lat,stop_lon
    OUT,Out,-30.0001,-51.198
    END,End,-30.0001,-51.190
    BACK,Back,-30.0001,-51.198
    # shapes.txt
    shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
    {shape_rows}
    # trips.txt
    route_id,service_id,trip_id,shape_id
    R,WK,T,SH
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T,08:00:00,08:00:00,OUT,1
    T,08:10:00,08:10:00,END,2
    T,08:20:00,08:20:00,BACK,3
    """
    )
    network = build(tmp_path, {"f": text})

    p = int(network.trip_pattern[0])
    shape = int(network.pattern_shape[p])
    assert shape >= 0
    assert network.shape_ptr[shape + 1] - network.shape_ptr[shape] == len(points)
    positions = network.pattern_stop_shape_pos[
        network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]
    ]
    assert list(positions) == [2, 10, 18]


def test_summary_date_is_the_busiest_day_unless_given(tmp_path: Path) -> None:
    text = (
        AGENCY
        + ROUTES
        + STOPS
        + """
    # calendar.txt
    service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
    WK,1,1,1,1,1,0,0,20190513,20190519
    SAT,0,0,0,0,0,1,0,20190513,20190519
    # trips.txt
    route_id,service_id,trip_id
    R,WK,T1
    R,SAT,T2
    R,SAT,T3
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T1,08:00:00,08:00:00,S1,1
    T1,08:10:00,08:10:00,S2,2
    T2,08:00:00,08:00:00,S1,1
    T2,08:10:00,08:10:00,S2,2
    T3,09:00:00,09:00:00,S1,1
    T3,09:10:00,09:10:00,S2,2
    """
    )
    assert build(tmp_path / "a", {"f": text}).summary_date == dt.date(2019, 5, 18)
    given = build(tmp_path / "b", {"f": text}, summary_date=dt.date(2019, 5, 14))
    assert given.summary_date == dt.date(2019, 5, 14)


@pytest.mark.parametrize("bad", ["a:b", ""])
def test_a_feed_id_unfit_as_namespace_is_skipped(tmp_path: Path, bad: str) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id
    R,WK,T
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T,08:00:00,08:00:00,S1,1
    T,08:10:00,08:10:00,S2,2
    """
    )
    report = build_report(tmp_path, {"ok": text, bad: text})
    assert report.exit_code == 2
    assert [feed for feed, _ in report.skipped] == [bad]


def test_trip_directions_are_kept_and_unusable_ones_are_unknown(tmp_path: Path) -> None:
    text = (
        BASE
        + """
    # trips.txt
    route_id,service_id,trip_id,direction_id
    R,WK,OUT,0
    R,WK,BACK,1
    R,WK,BLANK,
    R,WK,THREE,3
    R,WK,WORD,north
    R,WK,F,1
    # stop_times.txt
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    OUT,08:00:00,08:00:00,S1,1
    OUT,08:10:00,08:10:00,S2,2
    BACK,08:00:00,08:00:00,S2,1
    BACK,08:10:00,08:10:00,S1,2
    BLANK,09:00:00,09:00:00,S1,1
    BLANK,09:10:00,09:10:00,S2,2
    THREE,10:00:00,10:00:00,S1,1
    THREE,10:10:00,10:10:00,S2,2
    WORD,11:00:00,11:00:00,S1,1
    WORD,11:10:00,11:10:00,S2,2
    F,05:00:00,05:00:00,S2,1
    F,05:10:00,05:10:00,S1,2
    # frequencies.txt
    trip_id,start_time,end_time,headway_secs
    F,12:00:00,12:40:00,1200
    """
    )
    report = build_report(tmp_path, {"f": text})
    network = report.network
    assert network is not None and network.trip_direction.dtype == np.int8

    direction = {tid: int(network.trip_direction[i]) for i, tid in enumerate(network.trip_ids)}
    assert direction == {
        "f:OUT": 0,
        "f:BACK": 1,
        "f:BLANK": -1,
        "f:THREE": -1,
        "f:WORD": -1,
        "f:F#12:00:00": 1,  # frequency runs keep their template's direction
        "f:F#12:20:00": 1,
    }
    found = {(n.code, n.file, n.row, n.field) for n in report.notices if n.field == "direction_id"}
    # rows count from 1 after the header: THREE is the 4th trip, WORD the 5th
    assert found == {
        ("number_out_of_range", "trips.txt", 4, "direction_id"),
        ("invalid_integer", "trips.txt", 5, "direction_id"),
    }
