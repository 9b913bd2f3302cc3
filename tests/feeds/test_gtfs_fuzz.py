"""Fuzzing the loader: garbage bytes and random CSV never give anything but FeedRejected."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.gtfs_reader import load_feed
from feeds.loaded import LoadedFeed
from feeds.source import FeedRejected, FeedSource
from feeds.validation import validate_feed

COLUMNS = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone"],
    "stops.txt": [
        "stop_id",
        "stop_name",
        "stop_lat",
        "stop_lon",
        "location_type",
        "parent_station",
    ],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_type", "route_color"],
    "trips.txt": ["route_id", "service_id", "trip_id", "shape_id", "direction_id"],
    "stop_times.txt": [
        "trip_id",
        "arrival_time",
        "departure_time",
        "stop_id",
        "stop_sequence",
        "shape_dist_traveled",
        "timepoint",
    ],
    "calendar.txt": [
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ],
    "calendar_dates.txt": ["service_id", "date", "exception_type"],
    "frequencies.txt": ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"],
    "transfers.txt": ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
    "shapes.txt": ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"],
    "feed_info.txt": ["feed_publisher_name", "feed_start_date", "feed_end_date"],
}
# Values that link rows together often enough for some feeds to load, plus broken ones.
TOKENS = [
    "", "A", "S1", "S2", "S3", "R", "T1", "T2", "WK", "SH", "0", "1", "2", "3", "7", "-1",
    "-200", "45.5", "10.01", "1e400", "nan", "08:00:00", "8:05:00", "25:10:00", "99:99:99",
    "20190513", "20190519", "20191332", "America/Sao_Paulo", "Nowhere/Zone", "FF0000", "#fff",
    " S1 ", "\ufeffS1", 'a"b', "ü", "\t",
]  # fmt: skip

cell = st.one_of(st.sampled_from(TOKENS), st.text(max_size=6))


# A valid tiny feed: the fuzzer mutates its cells, so that many examples load and the
# deeper checks (references, times, interpolation) run on broken values.
VALID = {
    "agency.txt": [["A", "Agency", "http://a.example", "America/Sao_Paulo"]],
    "stops.txt": [
        ["ST", "Station", "45.0", "10.0", "1", ""],
        ["S1", "One", "45.0", "10.0", "0", "ST"],
        ["S2", "Two", "45.0", "10.01", "", ""],
        ["S3", "Three", "45.01", "10.02", "0", ""],
    ],
    "routes.txt": [["R", "A", "1", "3", "FF0000"]],
    "trips.txt": [["R", "WK", "T1", "SH", "0"], ["R", "WK", "T2", "", "1"]],
    "stop_times.txt": [
        ["T1", "08:00:00", "08:00:00", "S1", "1", "0", "1"],
        ["T1", "", "", "S2", "2", "", ""],
        ["T1", "08:10:00", "08:11:00", "S3", "3", "2000", "1"],
        ["T2", "23:50:00", "23:50:00", "S3", "1", "", ""],
        ["T2", "24:10:00", "24:10:00", "S1", "2", "", ""],
    ],
    "calendar.txt": [["WK", "1", "1", "1", "1", "1", "0", "0", "20190513", "20190519"]],
    "calendar_dates.txt": [["WK", "20190518", "1"]],
    "frequencies.txt": [["T1", "06:00:00", "09:00:00", "600", "0"]],
    "transfers.txt": [["S1", "S3", "2", "120"]],
    "shapes.txt": [["SH", "45.0", "10.0", "1"], ["SH", "45.01", "10.02", "2"]],
    "feed_info.txt": [["P", "20190501", "20190601"]],
}


@st.composite
def csv_file(draw: st.DrawFn, name: str) -> str:
    """Random columns of the file and random rows."""
    columns = draw(st.permutations(COLUMNS[name]))
    columns = columns[: draw(st.integers(1, len(columns)))]
    header = ",".join(columns)
    if draw(st.booleans()):
        header = draw(st.sampled_from(["\ufeff", " ", ""])) + header.replace(",", ", ")
    rows = draw(st.lists(st.lists(cell, min_size=1, max_size=len(columns) + 1), max_size=6))
    return "\n".join([header, *(",".join(row) for row in rows)]) + "\n"


@st.composite
def gtfs_folder(draw: st.DrawFn) -> dict[str, str]:
    names = draw(st.sets(st.sampled_from(sorted(COLUMNS)), min_size=4))
    return {name: draw(csv_file(name)) for name in sorted(names)}


def valid_file(name: str) -> str:
    return "\n".join([",".join(COLUMNS[name]), *(",".join(row) for row in VALID[name])]) + "\n"


@st.composite
def mutated_file(draw: st.DrawFn, name: str) -> str:
    """The valid rows of `name` with a few cells replaced, rows repeated or cut short."""
    rows = [list(row) for row in VALID[name]]
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(rows[row]) - 1))
        rows[row][column] = draw(cell)
    if draw(st.integers(0, 4)) == 0:
        rows.append(list(draw(st.sampled_from(rows))))
    if draw(st.integers(0, 6)) == 0:
        rows[-1] = rows[-1][: draw(st.integers(1, len(rows[-1])))]
    lines = [",".join(COLUMNS[name]), *(",".join(row) for row in rows)]
    return "\r\n".join(lines) if draw(st.booleans()) else "\n".join(lines) + "\n"


@st.composite
def mutated_feed(draw: st.DrawFn) -> dict[str, str]:
    """The valid feed with one or two files mutated, and maybe an optional file left out."""
    names = sorted(COLUMNS)
    mutated = draw(st.sets(st.sampled_from(names), min_size=1, max_size=2))
    left_out = draw(st.sampled_from(["", "calendar.txt", "calendar_dates.txt", "shapes.txt"]))
    return {
        name: draw(mutated_file(name)) if name in mutated else valid_file(name)
        for name in names
        if name != left_out
    }


def check(path: Path) -> None:
    """load_feed raises nothing but FeedRejected; validate_feed raises nothing at all.

    validate_feed runs the same reader and only catches FeedRejected, so it is called for
    rejected feeds alone, where its report must say so.
    """
    source = FeedSource("fuzz", path)
    try:
        feed = load_feed(source)
    except FeedRejected as rejected:
        log = validate_feed(source)
        assert log.notices[-1].code == "feed_rejected"
        assert rejected.reason in log.notices[-1].message
        return
    assert "runtime_exception_in_loader_error" not in feed.log.counts()
    assert_consistent(feed)


def assert_consistent(feed: LoadedFeed) -> None:
    assert feed.trips["route_id"].isin(feed.routes["route_id"]).all()
    assert feed.stop_times["trip_id"].isin(feed.trips["trip_id"]).all()
    assert feed.stop_times["stop_id"].isin(feed.stops["stop_id"]).all()
    assert feed.stops["stop_lat"].abs().le(90).all()
    same = feed.stop_times["trip_id"].to_numpy()[1:] == feed.stop_times["trip_id"].to_numpy()[:-1]
    arrival = feed.stop_times["arrival_s"].to_numpy()
    departure = feed.stop_times["departure_s"].to_numpy()
    assert np.all(arrival[1:][same] >= departure[:-1][same])


FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_as_a_zip(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.gtfs.zip"
        path.write_bytes(data)
        check(path)


@FUZZ
@given(entries=st.dictionaries(st.sampled_from(sorted(COLUMNS)), st.binary(max_size=200)))
def test_zip_of_random_bytes_files(entries: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in entries.items():
                archive.writestr(name, data)
        check(path)


@FUZZ
@given(files=gtfs_folder())
def test_folder_of_random_csv(files: dict[str, str]) -> None:
    check_folder(files)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=mutated_feed())
def test_mutated_valid_feed(files: dict[str, str]) -> None:
    check_folder(files)


def check_folder(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        check(Path(folder))
