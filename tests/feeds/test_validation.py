"""validate_feed / validate_path: the bad inputs of ../shared/data and inline broken feeds."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from feeds.gtfs_fields import MAX_ROW_NOTICES
from feeds.notice import Notice, NoticeLog
from feeds.source import FeedSource
from feeds.validation import default_feed_id, validate_feed, validate_path
from tests.conftest import write_feed
from tests.feeds.test_gtfs_reader import AGENCY, BASE, CALENDAR, ROUTES, STOP_TIMES, STOPS, TRIPS

TODAY = dt.date(2019, 5, 14)


def validate(tmp_path: Path, *parts: str, today: dt.date | None = None) -> NoticeLog:
    text = "\n".join(textwrap.dedent(part).strip() for part in parts)
    return validate_feed(FeedSource("tiny", write_feed(tmp_path / "tiny", text)), today)


def where(log: NoticeLog) -> set[tuple[str, str, str | None, int | None, str | None]]:
    return {(n.code, n.severity, n.file, n.row, n.field) for n in log.notices}


def test_bart_with_errors(data_dir: Path) -> None:
    log = validate_path(data_dir / "bad_inputs" / "bart_with_errors.gtfs.zip", today=TODAY)
    assert log.feed == "bart_with_errors"
    assert where(log) == {
        ("number_out_of_range", "ERROR", "stops.txt", 48, "stop_lat"),
        ("number_out_of_range", "ERROR", "stops.txt", 48, "stop_lon"),
        ("expired_calendar", "WARNING", "calendar.txt", None, None),
    }


def test_example_errors(data_dir: Path) -> None:
    log = validate_path(data_dir / "bad_inputs" / "example_errors.gtfs.zip")
    found = where(log)
    assert {
        ("unknown_file", "INFO", "malformed.txt", None, None),
        ("number_out_of_range", "ERROR", "stops.txt", 5, "stop_lat"),
        ("number_out_of_range", "ERROR", "stops.txt", 5, "stop_lon"),
        ("foreign_key_violation", "ERROR", "routes.txt", 5, "agency_id"),
        ("foreign_key_violation", "ERROR", "trips.txt", 8, "route_id"),
        ("foreign_key_violation", "ERROR", "stop_times.txt", 5, "stop_id"),
    } <= found
    assert "feed_rejected" not in log.counts()


def test_not_a_zip(data_dir: Path) -> None:
    log = validate_path(data_dir / "bad_inputs" / "invalid_not_a_zip.gtfs.zip")
    assert [n.code for n in log.notices] == ["i_o_error", "feed_rejected"]
    assert "not a readable zip" in log.notices[-1].message


def test_every_gtfs_bad_input_gives_a_report(data_dir: Path) -> None:
    paths = [p for p in sorted((data_dir / "bad_inputs").iterdir()) if p.name.endswith(".gtfs.zip")]
    assert len(paths) == 3
    for path in paths:
        log = validate_path(path)
        assert log.errors > 0, path
        assert "runtime_exception_in_loader_error" not in log.counts(), path
        records = [n.to_json() for n in log.notices]
        assert json.loads(json.dumps(records)) == records
        assert set(records[0]) == {"feed", "code", "severity", "file", "row", "field", "message"}


def test_default_feed_id() -> None:
    assert default_feed_id(Path("/x/bart_2019.gtfs.zip")) == "bart_2019"
    assert default_feed_id(Path("/x/sound_transit_2017-11-16")) == "sound_transit_2017-11-16"
    assert validate_path(Path("/nonexistent/feed.zip"), "given").feed == "given"


def test_missing_path_is_reported(tmp_path: Path) -> None:
    log = validate_path(tmp_path / "nowhere.zip")
    assert [n.code for n in log.notices] == ["i_o_error", "feed_rejected"]


def test_missing_required_files(tmp_path: Path) -> None:
    log = validate(tmp_path, AGENCY, STOPS, ROUTES, TRIPS)
    assert {("missing_required_file", "ERROR", "stop_times.txt", None, None)} <= where(log)
    assert "missing_calendar_and_calendar_date_files" in log.counts()
    assert log.notices[-1].code == "feed_rejected"


def test_clean_feed_has_no_findings(tmp_path: Path) -> None:
    assert validate(tmp_path, BASE, STOP_TIMES).notices == []


def test_calendar_expiry_relative_to_today(tmp_path: Path) -> None:
    feed_info = """
    # feed_info.txt
    feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date
    P,http://p.example,en,20190501,20190520
    """
    log = validate(tmp_path, BASE, STOP_TIMES, feed_info, today=dt.date(2019, 6, 1))
    assert log.counts() == {"expired_calendar": 1, "feed_expiration_date7_days": 1}
    log = validate(tmp_path / "b", BASE, STOP_TIMES, feed_info, today=dt.date(2019, 5, 1))
    assert log.counts() == {"feed_expiration_date30_days": 1}


@pytest.mark.parametrize(
    ("stop_times", "expected"),
    [
        (
            "T1,08:00:00,,S1,1\nT1,08:02:00,08:02:00,S4,2",
            ("stop_time_with_only_arrival_or_departure_time", "ERROR", 1, "arrival_time"),
        ),
        (
            "T1,08:00:00,08:00:00,S1,1\nT1,,,S4,2",
            ("missing_trip_edge", "ERROR", 2, "arrival_time"),
        ),
        (
            "T1,08:05:00,08:05:00,S1,1\nT1,08:02:00,08:02:00,S4,2",
            ("stop_time_with_arrival_before_previous_departure_time", "ERROR", 2, "arrival_time"),
        ),
        (
            "T1,08:00:00,08:00:00,S1,1\nT1,8:61:00,8:61:00,S4,2",
            ("invalid_time", "ERROR", 2, "arrival_time"),
        ),
        (
            "T1,08:00:00,08:00:00,S1,1\nT1,08:01:00,08:01:00,S2,1\nT1,08:03:00,08:03:00,S4,2",
            ("duplicate_key", "ERROR", 2, "trip_id"),
        ),
    ],
)
def test_stop_time_errors(
    tmp_path: Path, stop_times: str, expected: tuple[str, str, int, str]
) -> None:
    header = "# stop_times.txt\ntrip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    log = validate(tmp_path, BASE, header + stop_times)
    code, severity, row, field = expected
    assert (code, severity, "stop_times.txt", row, field) in where(log)


def test_timepoint_without_times_and_decreasing_distance(tmp_path: Path) -> None:
    log = validate(
        tmp_path,
        BASE,
        """
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled,timepoint
        T1,08:00:00,08:00:00,S1,1,0,1
        T1,,,S2,2,500,1
        T1,,,S3,3,400,0
        T1,08:04:00,08:04:00,S4,4,900,1
        """,
    )
    found = where(log)
    assert (
        "stop_time_timepoint_without_times",
        "ERROR",
        "stop_times.txt",
        2,
        "arrival_time",
    ) in found
    assert (
        "decreasing_or_equal_stop_time_distance",
        "ERROR",
        "stop_times.txt",
        3,
        "shape_dist_traveled",
    ) in found


def test_station_in_stop_times_and_bad_parents(tmp_path: Path) -> None:
    log = validate(
        tmp_path,
        AGENCY,
        ROUTES,
        CALENDAR,
        TRIPS,
        """
        # stops.txt
        stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
        ST,Station,0.0,10.0,1,
        S1,One,0.0,10.0,0,ST
        S2,Two,0.0,10.01,0,S1
        S3,Three,0.0,10.02,0,NOWHERE
        S4,Four,0.0,10.03,7,
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,ST,1
        T1,08:01:00,08:01:00,S1,2
        T1,08:02:00,08:02:00,S2,3
        """,
    )
    found = where(log)
    assert {
        ("wrong_parent_location_type", "ERROR", "stops.txt", 3, "parent_station"),
        ("foreign_key_violation", "ERROR", "stops.txt", 4, "parent_station"),
        ("number_out_of_range", "ERROR", "stops.txt", 5, "location_type"),
        ("location_with_unexpected_stop_time", "ERROR", "stop_times.txt", 1, "stop_id"),
    } <= found


def test_routes_and_trips_findings(tmp_path: Path) -> None:
    log = validate(
        tmp_path,
        AGENCY,
        STOPS,
        CALENDAR,
        STOP_TIMES,
        """
        # routes.txt
        route_id,agency_id,route_short_name,route_long_name,route_type,route_color
        R,A,1,One,3,#FF0000
        R2,A,,,3,red
        R3,A,3,Three,99,
        R,A,1,Again,3,
        # trips.txt
        route_id,service_id,trip_id,shape_id,direction_id
        R,WK,T1,NOSHAPE,2
        # shapes.txt
        shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
        SH,0.0,10.0,1
        """,
    )
    found = where(log)
    assert {
        ("invalid_color", "WARNING", "routes.txt", 1, "route_color"),
        ("invalid_color", "ERROR", "routes.txt", 2, "route_color"),
        ("route_both_short_and_long_name_missing", "ERROR", "routes.txt", 2, "route_short_name"),
        ("number_out_of_range", "ERROR", "routes.txt", 3, "route_type"),
        ("duplicate_key", "ERROR", "routes.txt", 4, "route_id"),
        ("foreign_key_violation", "ERROR", "trips.txt", 1, "shape_id"),
        ("number_out_of_range", "ERROR", "trips.txt", 1, "direction_id"),
    } <= found


def test_shape_ids_without_shapes_file_give_one_warning(tmp_path: Path) -> None:
    trips = """
    # trips.txt
    route_id,service_id,trip_id,shape_id
    R,WK,T1,SH1
    R,WK,T2,SH2
    """
    log = validate(tmp_path, AGENCY, STOPS, ROUTES, CALENDAR, trips, STOP_TIMES)
    assert [(n.code, n.severity, n.file) for n in log.notices] == [
        ("shapes_file_missing", "WARNING", "trips.txt"),
        ("unusable_trip", "WARNING", "trips.txt"),
    ]
    assert log.notices[0].message.startswith("2 trips name a shape_id")


def test_too_many_fields_and_bad_timezone(tmp_path: Path) -> None:
    log = validate(
        tmp_path,
        """
        # agency.txt
        agency_id,agency_name,agency_url,agency_timezone
        A,Agency,http://a.example,Mars/Olympus
        B,Agency,http://b.example,America/Sao_Paulo,extra
        """,
        STOPS,
        ROUTES,
        CALENDAR,
        TRIPS,
        STOP_TIMES,
    )
    found = where(log)
    assert ("invalid_row_length", "ERROR", "agency.txt", 2, None) in found
    assert ("invalid_timezone", "ERROR", "agency.txt", 1, "agency_timezone") in found
    assert log.notices[-1].code == "feed_rejected"


def test_row_notices_are_capped_with_a_count(tmp_path: Path) -> None:
    bad = "\n".join(f"X{i},Bad,-300,10" for i in range(MAX_ROW_NOTICES + 50))
    log = validate(tmp_path, AGENCY, STOPS, bad, ROUTES, CALENDAR, TRIPS, STOP_TIMES)
    lat = [n for n in log.notices if n.code == "number_out_of_range" and n.field == "stop_lat"]
    assert len(lat) == MAX_ROW_NOTICES + 1
    assert lat[-2].row == MAX_ROW_NOTICES + 4  # four good stops come first
    assert lat[-1].row is None
    assert lat[-1].message.startswith("50 more rows")


def test_notice_json_record() -> None:
    notice = Notice("f", "invalid_time", "ERROR", "stop_times.txt", 3, "arrival_time", "bad")
    assert notice.to_json() == {
        "feed": "f",
        "code": "invalid_time",
        "severity": "ERROR",
        "file": "stop_times.txt",
        "row": 3,
        "field": "arrival_time",
        "message": "bad",
    }
