"""load_feed on tiny inline feeds: the quirks it survives and how it cleans and fills tables."""

from __future__ import annotations

import datetime as dt
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from feeds.gtfs_reader import load_feed
from feeds.loaded import LoadedFeed
from feeds.source import FeedRejected, FeedSource
from routing.geo import haversine_m
from tests.conftest import write_feed

AGENCY = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
A,Agency,http://a.example,America/Sao_Paulo
"""
STOPS = """
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
S1,One,0.0,10.0
S2,Two,0.0,10.01
S3,Three,0.0,10.03
S4,Four,0.0,10.04
"""
ROUTES = """
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R,A,1,One,3
"""
CALENDAR = """
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20190513,20190519
"""
TRIPS = """
# trips.txt
route_id,service_id,trip_id
R,WK,T1
"""
STOP_TIMES = """
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,08:00:00,08:00:00,S1,1
T1,08:01:00,08:01:00,S2,2
T1,08:03:00,08:03:00,S3,3
T1,08:04:00,08:04:00,S4,4
"""
BASE = AGENCY + STOPS + ROUTES + CALENDAR + TRIPS


def feed_text(*parts: str) -> str:
    return "\n".join(textwrap.dedent(part).strip() for part in parts)


def load(tmp_path: Path, *parts: str, feed_id: str = "tiny") -> LoadedFeed:
    return load_feed(FeedSource(feed_id, write_feed(tmp_path / feed_id, feed_text(*parts))))


def codes(feed: LoadedFeed) -> set[str]:
    return {n.code for n in feed.log.notices}


def test_blank_intermediate_times_are_interpolated_by_distance(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        BASE,
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


def test_interpolation_uses_shape_dist_traveled_when_given(tmp_path: Path) -> None:
    # The shape says S2 is 90% of the way, although it is a quarter of the straight line.
    feed = load(
        tmp_path,
        BASE,
        """
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled
        T1,08:00:00,08:00:00,S1,1,0
        T1,,,S2,2,900
        T1,08:10:00,08:10:00,S4,3,1000
        """,
    )
    assert feed.stop_times["arrival_s"].tolist() == [28800, 28800 + 540, 29400]


def test_interpolated_times_are_monotone_and_follow_distance(tmp_path: Path) -> None:
    rows = "\n".join(f"T1,,,P{i},{i}" for i in range(2, 12))
    stops = "\n".join(f"P{i},P{i},0.0,{10 + 0.001 * i * i:.6f}" for i in range(1, 13))
    feed = load(
        tmp_path,
        AGENCY,
        ROUTES,
        CALENDAR,
        TRIPS,
        f"# stops.txt\nstop_id,stop_name,stop_lat,stop_lon\n{stops}",
        "# stop_times.txt\ntrip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        f"T1,10:00:00,10:00:00,P1,1\n{rows}\nT1,10:30:00,10:30:00,P12,12",
    )
    seconds = feed.stop_times["arrival_s"].to_numpy()
    assert np.all(np.diff(seconds) >= 0)
    lons = np.array([10 + 0.001 * i * i for i in range(1, 13)])
    along = np.concatenate([[0], np.cumsum(haversine_m(0.0, lons[:-1], 0.0, lons[1:]))])
    expected = 36000 + 1800 * along / along[-1]
    assert np.abs(seconds - expected).max() <= 0.5


def test_stops_at_the_same_place_share_out_time_evenly(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        BASE,
        """
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,,,S1,2
        T1,,,S1,3
        T1,08:03:00,08:03:00,S1,4
        """,
    )
    assert feed.stop_times["arrival_s"].tolist() == [28800, 28860, 28920, 28980]


def test_times_past_midnight_and_without_leading_zero(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        BASE,
        """
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,5:07:00,5:07:30,S1,1
        T1,23:59:00,24:01:00,S2,2
        T1,25:10:00,25:10:00,S3,3
        T1,101:00:00,101:00:00,S4,4
        """,
    )
    assert feed.stop_times["arrival_s"].tolist() == [18420, 86340, 90600, 363600]
    assert feed.stop_times["departure_s"].tolist() == [18450, 86460, 90600, 363600]
    assert feed.stop_times["arrival_s"].dtype == np.int32


def test_header_spaces_bom_and_crlf(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "quirky", feed_text(STOPS, ROUTES, CALENDAR, TRIPS, STOP_TIMES))
    (folder / "agency.txt").write_bytes(
        "\ufeffagency_id, agency_name ,agency_url,agency_timezone\r\n"
        "A,Agência,http://a.example,America/Sao_Paulo\r\n".encode()
    )
    feed = load_feed(FeedSource("quirky", folder))
    assert feed.agency.to_dict("records") == [
        {
            "agency_id": "A",
            "agency_name": "Agência",
            "agency_timezone": "America/Sao_Paulo",
            "agency_url": "http://a.example",
        }
    ]
    assert feed.timezone == "America/Sao_Paulo"


def test_nested_folder_and_macos_junk_in_zip(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "flat", feed_text(BASE, STOP_TIMES))
    target = tmp_path / "nested.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"export-2017/{path.name}")
            archive.writestr(f"__MACOSX/export-2017/._{path.name}", b"\x00\x05\x16\x07junk")
        archive.writestr("export-2017/.DS_Store", b"\x00\x00\x00\x01Bud1")
    feed = load_feed(FeedSource("nested", target))
    assert len(feed.stop_times) == 4
    assert "invalid_input_files_in_subfolder" in codes(feed)


def test_repeated_agency_row_is_dropped_with_a_warning(tmp_path: Path) -> None:
    repeat = "A,Agency,http://a.example,America/Sao_Paulo"
    feed = load(tmp_path, AGENCY, repeat, STOPS, ROUTES, CALENDAR, TRIPS, STOP_TIMES)
    assert feed.agency["agency_id"].tolist() == ["A"]
    (notice,) = [n for n in feed.log.notices if n.code == "duplicate_key"]
    assert (notice.severity, notice.file, notice.row) == ("WARNING", "agency.txt", 2)


def test_lone_agency_without_id_gets_the_feed_id(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        """
        # agency.txt
        agency_name,agency_url,agency_timezone
        Agency,http://a.example,Europe/Paris
        # routes.txt
        route_id,route_short_name,route_long_name,route_type
        R,1,One,3
        """,
        STOPS,
        CALENDAR,
        TRIPS,
        STOP_TIMES,
        feed_id="solo",
    )
    assert feed.agency["agency_id"].tolist() == ["solo"]
    assert feed.routes["agency_id"].tolist() == ["solo"]
    assert feed.timezone == "Europe/Paris"


def test_timezone_override_wins(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "tz", feed_text(BASE, STOP_TIMES))
    feed = load_feed(FeedSource("tz", folder, timezone="America/Los_Angeles"))
    assert feed.timezone == "America/Los_Angeles"


def test_frequencies_are_loaded_in_seconds(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        BASE,
        STOP_TIMES,
        """
        # frequencies.txt
        trip_id,start_time,end_time,headway_secs
        T1,6:00:00,9:00:00,600
        T1,24:00:00,25:30:00,1800
        """,
    )
    assert feed.frequencies.to_dict("records") == [
        {"trip_id": "T1", "start_s": 21600, "end_s": 32400, "headway_s": 600, "exact_times": 0},
        {"trip_id": "T1", "start_s": 86400, "end_s": 91800, "headway_s": 1800, "exact_times": 0},
    ]


def test_service_dates_combine_calendar_and_calendar_dates(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        AGENCY,
        STOPS,
        ROUTES,
        CALENDAR,
        TRIPS,
        STOP_TIMES,
        """
        # calendar_dates.txt
        service_id,date,exception_type
        WK,20190515,2
        WK,20190518,1
        XTRA,20190601,1
        """,
    )
    dates = feed.service_dates.groupby("service_id")["date"].apply(list).to_dict()
    day = dt.date
    assert dates == {
        "WK": [day(2019, 5, 13), day(2019, 5, 14), day(2019, 5, 16), day(2019, 5, 17)]
        + [day(2019, 5, 18)],
        "XTRA": [day(2019, 6, 1)],
    }


def test_calendar_dates_alone_define_services(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        AGENCY,
        STOPS,
        ROUTES,
        TRIPS,
        STOP_TIMES,
        """
        # calendar_dates.txt
        service_id,date,exception_type
        WK,20190515,1
        """,
    )
    assert feed.service_dates.to_dict("records") == [
        {"service_id": "WK", "date": dt.date(2019, 5, 15)}
    ]


def test_broken_rows_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    feed = load(
        tmp_path,
        AGENCY,
        ROUTES,
        CALENDAR,
        """
        # stops.txt
        stop_id,stop_name,stop_lat,stop_lon
        S1,One,0.0,10.0
        S2,Two,-200,10.01
        S3,Three,0.0,ten
        S4,Four,0.0,10.04
        # trips.txt
        route_id,service_id,trip_id
        R,WK,T1
        NOPE,WK,T2
        R,NEVER,T3
        # stop_times.txt
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,08:01:00,08:01:00,S2,2
        T1,08:02:00,08:02:00,S3,3
        T1,8h03,8h03,S4,4
        T1,08:04:00,08:04:00,S4,5
        T1,08:05:00,08:05:00,GHOST,6
        """,
    )
    assert feed.stops["stop_id"].tolist() == ["S1", "S4"]
    assert feed.trips["trip_id"].tolist() == ["T1"]
    assert feed.stop_times["stop_sequence"].tolist() == [1, 5]
    found = {(n.code, n.file, n.row, n.field) for n in feed.log.notices}
    assert found >= {
        ("number_out_of_range", "stops.txt", 2, "stop_lat"),
        ("invalid_float", "stops.txt", 3, "stop_lon"),
        ("foreign_key_violation", "trips.txt", 2, "route_id"),
        ("foreign_key_violation", "trips.txt", 3, "service_id"),
        ("foreign_key_violation", "stop_times.txt", 2, "stop_id"),
        ("invalid_time", "stop_times.txt", 4, "arrival_time"),
        ("foreign_key_violation", "stop_times.txt", 6, "stop_id"),
    }


def test_loaded_tables_have_exactly_the_contract_columns(tmp_path: Path) -> None:
    feed = load(tmp_path, BASE, STOP_TIMES)
    assert list(feed.stops.columns) == [
        "stop_id",
        "stop_name",
        "stop_lat",
        "stop_lon",
        "location_type",
        "parent_station",
        "wheelchair_boarding",
    ]
    assert list(feed.stop_times.columns) == [
        "trip_id",
        "stop_sequence",
        "stop_id",
        "arrival_s",
        "departure_s",
        "pickup_type",
        "drop_off_type",
        "timepoint_interpolated",
    ]
    assert list(feed.frequencies.columns) == [
        "trip_id",
        "start_s",
        "end_s",
        "headway_s",
        "exact_times",
    ]
    assert list(feed.transfers.columns) == [
        "from_stop_id",
        "to_stop_id",
        "transfer_type",
        "min_transfer_time",
    ]
    assert list(feed.shapes.columns) == [
        "shape_id",
        "shape_pt_lat",
        "shape_pt_lon",
        "shape_pt_sequence",
    ]
    assert feed.trips.iloc[0].to_dict() == {
        "trip_id": "T1",
        "route_id": "R",
        "service_id": "WK",
        "trip_headsign": "",
        "direction_id": -1,
        "shape_id": "",
        "wheelchair_accessible": 0,
        "bikes_allowed": 0,
    }


@pytest.mark.parametrize(
    ("missing", "reason"),
    [
        ("stop_times.txt", "stop_times.txt is missing"),
        ("calendar.txt", "no readable calendar.txt or calendar_dates.txt"),
    ],
)
def test_missing_required_file_rejects_the_feed(tmp_path: Path, missing: str, reason: str) -> None:
    folder = write_feed(tmp_path / "partial", feed_text(BASE, STOP_TIMES))
    (folder / missing).unlink()
    with pytest.raises(FeedRejected) as caught:
        load_feed(FeedSource("partial", folder))
    assert caught.value.feed == "partial"
    assert reason in caught.value.reason


def test_feed_without_a_usable_trip_is_rejected(tmp_path: Path) -> None:
    folder = write_feed(
        tmp_path / "idle",
        feed_text(
            BASE,
            """
            # stop_times.txt
            trip_id,arrival_time,departure_time,stop_id,stop_sequence
            T1,08:00:00,08:00:00,S1,1
            """,
        ),
    )
    with pytest.raises(FeedRejected, match="no trip has two usable stop times"):
        load_feed(FeedSource("idle", folder))


def test_not_a_zip_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bogus.zip"
    path.write_text("not a zip file")
    with pytest.raises(FeedRejected, match="not a readable zip"):
        load_feed(FeedSource("bogus", path))
