"""load_feed on every real feed of ../shared/data: counts as in SOURCES.md, and their quirks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from feeds.gtfs_reader import load_feed
from feeds.loaded import LoadedFeed
from feeds.source import FeedSource


class Expected(NamedTuple):
    path: str
    agencies: list[str]
    stops: int  # location_type 0
    routes: int
    trips: int
    stop_times: int
    first_day: dt.date
    last_day: dt.date


D = dt.date
# Figures from SOURCES.md (and gtfs-samples/README.md, checked against the files).
EXPECTED = {
    "eptc": Expected(
        "porto_alegre/eptc_bus.gtfs.zip", ["EPTC"], 3986, 115, 2374, 130019,
        D(2019, 4, 15), D(2019, 7, 15),
    ),
    "trensurb": Expected(
        "porto_alegre/trensurb_rail.gtfs.zip", ["TRENS"], 24, 2, 1248, 14855,
        D(2019, 3, 1), D(2019, 12, 31),
    ),
    "bart": Expected(
        "bay_area/bart_2019.gtfs.zip", ["BART"], 48, 8, 2641, 32185,
        D(2019, 2, 11), D(2020, 2, 10),
    ),
    "caltrain": Expected(
        "bay_area/caltrain_2017-2019.gtfs.zip", ["caltrain-ca-us"], 64, 6, 185, 2853,
        D(2017, 10, 2), D(2019, 10, 6),
    ),
    "caltrain2023": Expected(
        "bay_area/caltrain_2023.gtfs.zip", ["CT"], 78, 9, 176, 3498,
        D(2023, 9, 23), D(2024, 6, 1),
    ),
    "sptrans": Expected(
        "sao_paulo/sptrans_sample.gtfs.zip", ["1"], 654, 19, 36, 860,
        D(2008, 1, 1), D(2020, 5, 1),
    ),
    "seattle": Expected(
        "seattle/sound_transit_seattle_area_2017-11-16", ["EOS", "KMD", "ST"], 259, 14, 3888,
        57205, D(2017, 11, 18), D(2018, 3, 9),
    ),
    "cairns": Expected(
        "gtfs-samples/cairns_gtfs.zip", ["cairns"], 416, 22, 1339, 37790,
        D(2014, 5, 26), D(2014, 12, 28),
    ),
    "nyc": Expected(
        "gtfs-samples/nyc_subway_gtfs.zip", ["MTA NYCT"], 182, 2, 1990, 86150,
        D(2024, 12, 15), D(2025, 1, 17),
    ),
    # One trip of trips.txt has no stop_times: it stays in trips, reported unusable.
    "zhelez": Expected(
        "gtfs-samples/zhelez_gtfs.zip", ["0"], 194, 8, 1516, 34860,
        D(2024, 1, 1), D(2024, 12, 31),
    ),
}  # fmt: skip

# EPTC writes route_text_color as "0" instead of six hex digits; the other feeds are clean.
ERROR_CODES = {"eptc": {"invalid_color"}}

_cache: dict[str, LoadedFeed] = {}


def loaded(data_dir: Path, feed_id: str, path: str) -> LoadedFeed:
    if feed_id not in _cache:
        _cache[feed_id] = load_feed(FeedSource(feed_id, data_dir / path))
    return _cache[feed_id]


@pytest.mark.parametrize("feed_id", sorted(EXPECTED))
def test_counts_match_the_files(data_dir: Path, feed_id: str) -> None:
    expected = EXPECTED[feed_id]
    feed = loaded(data_dir, feed_id, expected.path)
    assert sorted(feed.agency["agency_id"]) == expected.agencies
    assert int((feed.stops["location_type"] == 0).sum()) == expected.stops
    assert len(feed.routes) == expected.routes
    assert len(feed.trips) == expected.trips
    assert len(feed.stop_times) == expected.stop_times
    assert min(feed.service_dates["date"]) == expected.first_day
    assert max(feed.service_dates["date"]) == expected.last_day
    errors = {n.code for n in feed.log.notices if n.severity == "ERROR"}
    assert errors == ERROR_CODES.get(feed_id, set())


def test_every_foreign_key_of_a_loaded_feed_resolves(data_dir: Path) -> None:
    for feed_id, expected in EXPECTED.items():
        feed = loaded(data_dir, feed_id, expected.path)
        assert feed.routes["agency_id"].isin(feed.agency["agency_id"]).all(), feed_id
        assert feed.trips["route_id"].isin(feed.routes["route_id"]).all(), feed_id
        assert feed.stop_times["trip_id"].isin(feed.trips["trip_id"]).all(), feed_id
        assert feed.stop_times["stop_id"].isin(feed.stops["stop_id"]).all(), feed_id
        shaped = feed.trips["shape_id"] != ""
        assert feed.trips.loc[shaped, "shape_id"].isin(feed.shapes["shape_id"]).all(), feed_id
        parents = feed.stops["parent_station"]
        assert parents[parents != ""].isin(feed.stops["stop_id"]).all(), feed_id


def test_stop_times_are_sorted_and_never_go_back_in_time(data_dir: Path) -> None:
    for feed_id, expected in EXPECTED.items():
        times = loaded(data_dir, feed_id, expected.path).stop_times
        trip = times["trip_id"].to_numpy()
        same = trip[1:] == trip[:-1]
        assert np.all(trip[1:][~same] > trip[:-1][~same]), feed_id
        assert np.all(np.diff(times["stop_sequence"].to_numpy())[same] > 0), feed_id
        arrival, departure = times["arrival_s"].to_numpy(), times["departure_s"].to_numpy()
        assert np.all(departure >= arrival), feed_id
        assert np.all(arrival[1:][same] >= departure[:-1][same]), feed_id


def test_eptc_intermediate_times_are_interpolated(data_dir: Path) -> None:
    feed = loaded(data_dir, "eptc", EXPECTED["eptc"].path)
    # SOURCES.md: 4,748 of 130,019 rows have times, the first and last of each trip.
    assert int((~feed.stop_times["timepoint_interpolated"]).sum()) == 4748
    (notice,) = [n for n in feed.log.notices if n.code == "stop_times_interpolated"]
    assert notice.message.startswith("125271 of 130019 stop times")


def test_trensurb_stations_are_plain_stops_with_spaced_agency_header(data_dir: Path) -> None:
    feed = loaded(data_dir, "trensurb", EXPECTED["trensurb"].path)
    # stops.txt has no location_type column: all 24 stations are boarding stops, no parents.
    assert set(feed.stops["location_type"]) == {0}
    assert set(feed.stops["parent_station"]) == {""}
    stations = dict(zip(feed.stops["stop_id"], feed.stops["stop_name"], strict=True))
    assert stations["MR"] == "ESTACAO MERCADO"
    assert stations["FR"] == "ESTACAO FARRAPOS"
    # `agency_id, agency_name,...`: the spaced header still gives agency_name.
    assert feed.agency["agency_name"].tolist() == ["TRENSURB"]
    assert feed.log.notices == []


def test_caltrain_2023_hours_without_leading_zero(data_dir: Path) -> None:
    times = loaded(data_dir, "caltrain2023", EXPECTED["caltrain2023"].path).stop_times
    first = times[times["trip_id"] == "501"].iloc[:2]
    assert first["arrival_s"].tolist() == [5 * 3600, 5 * 3600 + 7 * 60]


def test_bart_trips_past_midnight_keep_their_times(data_dir: Path) -> None:
    path = data_dir / EXPECTED["bart"].path
    feed = loaded(data_dir, "bart", EXPECTED["bart"].path)
    late = feed.stop_times[feed.stop_times["arrival_s"] >= 24 * 3600]
    assert len(late) > 0
    raw = _csv(path, "stop_times.txt")
    by_key = {(r["trip_id"], int(r["stop_sequence"])): r["arrival_time"] for r in raw}
    for trip_id, sequence, arrival_s in zip(
        late["trip_id"], late["stop_sequence"], late["arrival_s"], strict=True
    ):
        h, m, s = (int(part) for part in by_key[(str(trip_id), int(sequence))].split(":"))
        assert arrival_s == h * 3600 + m * 60 + s
    # The trip stays on the service day it starts on: its service_id is unchanged.
    trip = feed.trips.set_index("trip_id").loc[late["trip_id"].iloc[0]]
    raw_trip = next(r for r in _csv(path, "trips.txt") if r["trip_id"] == late["trip_id"].iloc[0])
    assert trip["service_id"] == raw_trip["service_id"]


@pytest.mark.parametrize("name", ["samtrans_2017.gtfs.zip", "samtrans_2017.flat.gtfs.zip"])
def test_samtrans_messy_and_flat_zips_load_the_same(data_dir: Path, name: str) -> None:
    path = data_dir / "bay_area" / name
    feed = load_feed(FeedSource("samtrans", path))
    assert (len(feed.stops), len(feed.routes), len(feed.trips)) == (1947, 85, 3721)
    # Oracle: a trip is usable when its first and last stops (by stop_sequence) have times.
    rows = _csv(data_dir / "bay_area" / "samtrans_2017.flat.gtfs.zip", "stop_times.txt")
    by_trip: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_trip[row["trip_id"]].append(row)
    usable = [
        trip
        for trip in by_trip.values()
        if all(r["arrival_time"].strip() for r in _ends(trip)) and len(trip) >= 2
    ]
    assert len(rows) == 27036
    assert len(feed.stop_times) == sum(len(t) for t in usable)
    blanks = sum(1 for t in usable for r in t if not r["arrival_time"].strip())
    assert int(feed.stop_times["timepoint_interpolated"].sum()) == blanks
    assert ("invalid_input_files_in_subfolder" in feed.log.counts()) == (
        name == "samtrans_2017.gtfs.zip"
    )
    # stop_times.txt stops short: 20 trips lose their last timed stop; no shapes.txt at all.
    errors = {n.code for n in feed.log.notices if n.severity == "ERROR"}
    assert errors == {"missing_trip_edge"}
    assert feed.log.counts()["missing_trip_edge"] == 20
    assert feed.log.counts()["shapes_file_missing"] == 1
    assert set(feed.trips["shape_id"]) == {""}


def test_sptrans_repeated_agency_and_frequencies(data_dir: Path) -> None:
    feed = loaded(data_dir, "sptrans", EXPECTED["sptrans"].path)
    assert len(feed.agency) == 1
    raw = _csv(data_dir / EXPECTED["sptrans"].path, "frequencies.txt")
    assert len(feed.frequencies) == len(raw)
    assert set(feed.frequencies["trip_id"]) <= set(feed.trips["trip_id"])
    assert (feed.frequencies["headway_s"] > 0).all()


def _ends(trip: list[dict[str, str]]) -> list[dict[str, str]]:
    ordered = sorted(trip, key=lambda r: int(r["stop_sequence"]))
    return [ordered[0], ordered[-1]]


def _csv(path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))
