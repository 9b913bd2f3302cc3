"""The build pipeline on the real feeds: counts, links between feeds, skips, hash, storage."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from feeds.build import build_network, inputs_hash, summary
from feeds.source import BuildOptions, FeedSource
from routing.geo import haversine_m
from routing.network import TRANSFER_STREET, Network
from routing.storage import load
from tests.conftest import BuiltRegion
from tests.feeds.inline import assert_fifo, trip_times

PORTO_ALEGRE = {"eptc": "eptc_bus.gtfs.zip", "trensurb": "trensurb_rail.gtfs.zip"}
BAD_ZIP = "bad_inputs/invalid_not_a_zip.gtfs.zip"


def rows(zip_path: Path, name: str) -> list[dict[str, str]]:
    """The rows of one file of a GTFS zip, read independently of the loader."""
    with zipfile.ZipFile(zip_path) as zf:
        text = zf.read(name).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
    return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


@pytest.mark.slow
def test_porto_alegre_counts_match_the_files(porto_alegre_network: Network, data_dir: Path) -> None:
    network = porto_alegre_network
    hops = 0
    for feed, (feed_id, name) in zip(network.feeds, PORTO_ALEGRE.items(), strict=True):
        path = data_dir / "porto_alegre" / name
        stops, trips = rows(path, "stops.txt"), rows(path, "trips.txt")
        calendar = rows(path, "calendar.txt")
        assert feed.id == feed_id
        assert feed.stops == sum(s.get("location_type", "") in ("", "0") for s in stops)
        assert feed.routes == len(rows(path, "routes.txt"))
        assert feed.trips == len(trips)
        assert list(feed.agencies) == [a["agency_id"] for a in rows(path, "agency.txt")]
        assert feed.start_date == iso(min(c["start_date"] for c in calendar))
        assert feed.end_date == iso(max(c["end_date"] for c in calendar))
        hops += len(rows(path, "stop_times.txt")) - len(trips)
    info = rows(data_dir / "porto_alegre" / PORTO_ALEGRE["eptc"], "feed_info.txt")[0]
    assert network.feeds[0].feed_info_start == iso(info["feed_start_date"])
    assert network.feeds[0].feed_info_end == iso(info["feed_end_date"])
    # Every trip of n stop times gives n - 1 hops, whatever the patterns.
    assert network.n_connections == hops
    assert network.n_stops == sum(f.stops for f in network.feeds)


@pytest.mark.slow
def test_every_trensurb_stop_time_is_read_back_from_the_layout(
    porto_alegre_network: Network, data_dir: Path
) -> None:
    expected: dict[str, list[tuple[int, str, int, int]]] = {}
    for r in rows(data_dir / "porto_alegre" / PORTO_ALEGRE["trensurb"], "stop_times.txt"):
        stop_time = (int(r["stop_sequence"]), "trensurb:" + r["stop_id"],
                     seconds(r["arrival_time"]), seconds(r["departure_time"]))  # fmt: skip
        expected.setdefault(r["trip_id"], []).append(stop_time)
    for trip_id, stop_times in expected.items():
        stop_times.sort()
        stops, arrival, departure = trip_times(porto_alegre_network, "trensurb:" + trip_id)
        assert stops == [s for _, s, _, _ in stop_times]
        assert arrival == [a for _, _, a, _ in stop_times]
        assert departure == [d for _, _, _, d in stop_times]
    assert_fifo(porto_alegre_network)


@pytest.mark.slow
@pytest.mark.parametrize("code", ["MR", "FR", "RD", "SP"])
def test_trensurb_stations_are_linked_to_the_eptc_stops_next_to_them(
    porto_alegre_network: Network, code: str
) -> None:
    network = porto_alegre_network
    station = network.get_stop(f"trensurb:{code}")
    eptc = np.flatnonzero(np.asarray(network.stop_feed) == 0)
    distance = haversine_m(
        network.stop_lat[station], network.stop_lon[station],
        network.stop_lat[eptc], network.stop_lon[eptc],
    )  # fmt: skip
    nearest = int(eptc[np.argmin(distance)])
    lo, hi = network.transfer_ptr[station], network.transfer_ptr[station + 1]
    assert nearest in network.transfer_to[lo:hi]
    e = lo + int(np.flatnonzero(network.transfer_to[lo:hi] == nearest)[0])
    # No walk beats the straight line at walking speed.
    assert network.transfer_s[e] >= math.floor(distance.min() / BuildOptions().walk_speed_mps)
    back_lo, back_hi = network.transfer_ptr[nearest], network.transfer_ptr[nearest + 1]
    assert station in network.transfer_to[back_lo:back_hi]


@pytest.mark.slow
def test_walks_follow_the_streets_where_the_extract_covers_both_stops(
    porto_alegre_network: Network,
) -> None:
    network = porto_alegre_network
    mercado = network.get_stop("trensurb:MR")
    lo, hi = network.transfer_ptr[mercado], network.transfer_ptr[mercado + 1]
    kinds = network.transfer_kind[lo:hi]
    assert np.any(kinds == TRANSFER_STREET)
    street = lo + np.flatnonzero(kinds == TRANSFER_STREET)
    to = network.transfer_to[street]
    crow = haversine_m(network.stop_lat[mercado], network.stop_lon[mercado],
                       network.stop_lat[to], network.stop_lon[to])  # fmt: skip
    assert np.all(network.transfer_s[street] >= np.floor(crow / 1.3))


@pytest.mark.slow
def test_summary_counts_cross_feed_links_once(porto_alegre_network: Network) -> None:
    network = porto_alegre_network
    info = summary(network)

    origin = np.repeat(np.arange(network.n_stops), np.diff(network.transfer_ptr))
    links = {
        frozenset((int(a), int(b)))
        for a, b in zip(origin, network.transfer_to, strict=True)
        if network.stop_feed[a] != network.stop_feed[b]
    }
    assert info["cross_feed_transfers"] == len(links) > 0
    assert info["summary_date"] == network.summary_date.isoformat()
    assert 0 < info["connections"] <= network.n_connections
    assert info["stops"] == sum(f["stops"] for f in info["feeds"])
    assert [f["id"] for f in info["feeds"]] == ["eptc", "trensurb"]
    expected_keys = {"id", "authority", "agencies", "stops", "routes", "trips", "start_date"}
    expected_keys |= {"end_date", "feed_info_start", "feed_info_end", "errors", "warnings"}
    assert expected_keys <= set(info["feeds"][0])


@pytest.mark.slow
def test_serving_arrays_stay_under_50_bytes_per_connection(
    porto_alegre_network: Network,
) -> None:
    network = porto_alegre_network
    arrays = [v for v in vars(network).values() if isinstance(v, np.ndarray)]
    assert sum(a.nbytes for a in arrays) / network.n_connections <= 50


@pytest.mark.slow
def test_save_and_load_give_identical_arrays(porto_alegre_built: BuiltRegion) -> None:
    built = porto_alegre_built.report.network
    assert built is not None
    loaded, streets = load(porto_alegre_built.directory, mmap=True)

    for field in dataclasses.fields(built):
        ours, theirs = getattr(built, field.name), getattr(loaded, field.name)
        if isinstance(ours, np.ndarray):
            assert ours.dtype == theirs.dtype, field.name
            assert np.array_equal(ours, theirs), field.name
        else:
            assert ours == theirs, field.name
    original = porto_alegre_built.report.streets
    assert streets is not None and original is not None
    assert np.array_equal(streets.stop_node, original.stop_node)


@pytest.mark.slow
def test_a_bart_trip_past_midnight_keeps_its_times_and_service_day(
    bay_area_network: Network, data_dir: Path
) -> None:
    path = data_dir / "bay_area" / "bart_2019.gtfs.zip"
    stop_times = rows(path, "stop_times.txt")
    trip_id = next(r["trip_id"] for r in stop_times if seconds(r["arrival_time"]) > 86_400)
    mine = sorted((int(r["stop_sequence"]), seconds(r["arrival_time"]))
                  for r in stop_times if r["trip_id"] == trip_id)  # fmt: skip
    service_id = next(r["service_id"] for r in rows(path, "trips.txt") if r["trip_id"] == trip_id)

    network = bay_area_network
    _, arrival, _ = trip_times(network, f"bart:{trip_id}")
    assert arrival == [a for _, a in mine]
    assert arrival[-1] > 86_400
    t = network.find_trip(f"bart:{trip_id}")
    assert t is not None
    assert network.service_ids[network.trip_service[t]] == f"bart:{service_id}"
    # It runs on its calendar's days (its service day), not on the next day.
    calendar = next(c for c in rows(path, "calendar.txt") if c["service_id"] == service_id)
    start = dt.date.fromisoformat(iso(calendar["start_date"]))
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    runs = [start + dt.timedelta(days=i) for i in range(7)]
    for day in runs:
        on = calendar[weekdays[day.weekday()]] == "1"
        assert bool(network.trips_active(network.day_index(day))[t]) == on, day


@pytest.mark.slow
def test_millbrae_bart_and_caltrain_are_linked(bay_area_network: Network) -> None:
    network = bay_area_network
    bart = network.get_stop("bart:MLBR")
    lo, hi = network.transfer_ptr[bart], network.transfer_ptr[bart + 1]
    linked = {network.stop_ids[s] for s in network.transfer_to[lo:hi]}
    assert {"caltrain:70061", "caltrain:70062"} <= linked


def test_a_corrupt_feed_is_skipped_and_the_others_built(data_dir: Path) -> None:
    sources = [
        FeedSource("trensurb", data_dir / "porto_alegre" / PORTO_ALEGRE["trensurb"]),
        FeedSource("broken", data_dir / BAD_ZIP),
    ]
    lines: list[str] = []
    report = build_network(sources, None, BuildOptions(), progress=lines.append)

    assert report.exit_code == 2
    assert [feed for feed, _ in report.skipped] == ["broken"]
    assert report.skipped[0][1]
    assert report.network is not None
    assert [f.id for f in report.network.feeds] == ["trensurb"]
    assert any(line.startswith("trensurb: loaded 24 stops, 1248 trips in") for line in lines)
    assert any(line.startswith("broken: skipped") for line in lines)
    assert set(report.timings_s) >= {"gtfs", "osm", "transfers", "compile"}


def test_nothing_built_when_every_feed_is_broken(data_dir: Path) -> None:
    report = build_network([FeedSource("broken", data_dir / BAD_ZIP)], None, BuildOptions())

    assert report.exit_code == 1
    assert report.network is None


def test_a_broken_osm_extract_is_skipped_and_the_network_built(
    data_dir: Path, tmp_path: Path
) -> None:
    osm = tmp_path / "broken.osm.pbf"
    osm.write_bytes(b"not a pbf")
    sources = [FeedSource("trensurb", data_dir / "porto_alegre" / PORTO_ALEGRE["trensurb"])]
    report = build_network(sources, osm, BuildOptions())

    assert report.exit_code == 2
    assert [feed for feed, _ in report.skipped] == ["osm"]
    assert report.network is not None
    assert report.streets is None


def test_inputs_hash_changes_exactly_when_an_input_changes(data_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "trensurb.zip"
    shutil.copy(data_dir / "porto_alegre" / PORTO_ALEGRE["trensurb"], feed)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "agency.txt").write_text("agency_id\nA\n")
    sources = [FeedSource("trensurb", feed), FeedSource("folder", folder)]
    options = BuildOptions()
    first = inputs_hash(sources, None, options)

    assert inputs_hash(sources, None, options) == first
    assert inputs_hash(sources, None, BuildOptions(transfer_radius_m=200)) != first
    assert inputs_hash(sources[::-1], None, options) != first
    assert inputs_hash(sources, feed, options) != first
    (folder / "stops.txt").write_text("stop_id\nS\n")
    second = inputs_hash(sources, None, options)
    assert second != first
    with feed.open("ab") as handle:
        handle.write(b"\0")
    assert inputs_hash(sources, None, options) != second


@pytest.mark.slow
def test_bart_transfers_txt_minimum_times_apply_at_their_stations(
    bay_area_network: Network, data_dir: Path
) -> None:
    rules = rows(data_dir / "bay_area" / "bart_2019.gtfs.zip", "transfers.txt")
    timed = {r["from_stop_id"]: int(r["min_transfer_time"]) for r in rules
             if r["transfer_type"] == "2" and r["from_stop_id"] == r["to_stop_id"]}  # fmt: skip
    assert timed
    network = bay_area_network
    for i, stop_id in enumerate(network.stop_ids):
        local = stop_id.removeprefix("bart:")
        default = BuildOptions().min_transfer_s
        assert network.stop_min_transfer_s[i] == timed.get(local, default), stop_id
