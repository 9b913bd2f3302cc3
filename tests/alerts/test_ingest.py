from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from alerts.ingest import ingest, ingest_json
from alerts.models import RealtimeUpdate
from alerts.stats import EntityKind, FailureKind, IngestStats
from routing.network import Network
from tests.alerts.conftest import read_header_timestamp

BAY = Path("bay_area")


def assert_adds_up(stats: IngestStats) -> None:
    assert stats.entities == stats.n_ok + stats.n_failed


def ingest_file(
    path: Path, feed_id: str, network: Network | None
) -> tuple[RealtimeUpdate, IngestStats]:
    data = path.read_bytes()
    return ingest(data, feed_id, network, read_header_timestamp(data))


def test_bart_trip_updates_count_known_added_and_unknown_trips(
    data_dir: Path, bart: Network
) -> None:
    path = data_dir / BAY / "bart_2019-08-07.trip_updates.pb"
    message = rt.FeedMessage()
    message.ParseFromString(path.read_bytes())
    known = [e for e in message.entity if bart.find_trip(f"bart:{e.trip_update.trip.trip_id}")]
    added = [e for e in message.entity if e.trip_update.trip.schedule_relationship == 1]

    update, stats = ingest_file(path, "bart", bart)

    assert_adds_up(stats)
    assert (stats.entities, len(known), len(added)) == (91, 65, 8)
    assert stats.failed[FailureKind.ADDED_TRIP_UNSUPPORTED] == 8
    assert stats.failed[FailureKind.UNKNOWN_TRIP] == 91 - 65 - 8
    # one known trip lists its stops out of order (stop_sequence 17 before 16): refused whole
    assert stats.failed[FailureKind.UNSORTED_STOP_TIMES] == 1
    assert stats.ok[EntityKind.TRIP_UPDATE] == len(update.trip_updates) == 64
    assert stats.matched_by_id == 64
    # the updates carry no start_date: the day is inferred, 2019-08-07 for all
    assert {u.day for u in update.trip_updates} == {bart.day_index(dt.date(2019, 8, 7))}


def caltrain_schedule(zip_path: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(trip_id, stop_id) -> (arrival_s, departure_s), read straight from stop_times.txt."""

    def seconds(text: str) -> int:
        h, m, s = (int(p) for p in text.split(":"))
        return h * 3600 + m * 60 + s

    with zipfile.ZipFile(zip_path) as archive, archive.open("stop_times.txt") as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig"))
        return {
            (r["trip_id"], r["stop_id"]): (seconds(r["arrival_time"]), seconds(r["departure_time"]))
            for r in rows
        }


def test_caltrain_delays_are_feed_times_minus_timetable(data_dir: Path, caltrain: Network) -> None:
    path = data_dir / BAY / "caltrain_2023-11-07.trip_updates.pb"
    schedule = caltrain_schedule(data_dir / BAY / "caltrain_2023.gtfs.zip")
    message = rt.FeedMessage()
    message.ParseFromString(path.read_bytes())
    # noon minus 12 h of 2023-11-07 in California, computed here independently
    noon = dt.datetime(2023, 11, 7, 12, tzinfo=ZoneInfo("America/Los_Angeles"))
    origin = int(noon.timestamp()) - 12 * 3600
    expected = {}
    for entity in message.entity:
        trip_id = entity.trip_update.trip.trip_id
        for stu in entity.trip_update.stop_time_update:
            arrival_s, departure_s = schedule[(trip_id, stu.stop_id)]
            if stu.departure.HasField("time"):
                expected[(trip_id, stu.stop_id)] = stu.departure.time - origin - departure_s
    update, _ = ingest_file(path, "ct", caltrain)
    got = {
        (
            u.trip_id.removeprefix("ct:"),
            caltrain.stop_ids[s.stop].removeprefix("ct:"),
        ): s.departure_delay_s
        for u in update.trip_updates
        for s in u.stop_time_updates
        if s.departure_delay_s is not None
    }
    assert got == expected and len(got) > 50


def test_bart_alert_is_agency_wide(data_dir: Path, bart: Network) -> None:
    update, stats = ingest_file(data_dir / BAY / "bart_2019-08-07.alerts.pb", "bart", bart)
    assert_adds_up(stats)
    (alert,) = update.alerts
    assert alert.agency_ids == {"bart:BART"}
    assert (alert.cause, alert.effect) == ("MEDICAL_EMERGENCY", "SIGNIFICANT_DELAYS")
    assert "Montgomery" in (alert.header.text("en") or "")
    assert alert.url.text() == "http://www.bart.gov/schedules/advisories"
    assert alert.is_active(0)  # no active period: always


def test_caltrain_trip_updates_all_match(data_dir: Path, caltrain: Network) -> None:
    update, stats = ingest_file(
        data_dir / BAY / "caltrain_2023-11-07.trip_updates.pb", "ct", caltrain
    )
    assert_adds_up(stats)
    assert stats.entities == stats.ok[EntityKind.TRIP_UPDATE] == stats.matched_by_id == 19
    assert not stats.failed and not stats.issues
    # every update gives start_date 20231107
    assert {u.day for u in update.trip_updates} == {caltrain.day_index(dt.date(2023, 11, 7))}


def test_caltrain_trip_updates_are_found_by_descriptor_in_their_direction(
    data_dir: Path, caltrain: Network
) -> None:
    data = (data_dir / BAY / "caltrain_2023-11-07.trip_updates.pb").read_bytes()
    message = rt.FeedMessage()
    message.ParseFromString(data)
    published = [f"ct:{e.trip_update.trip.trip_id}" for e in message.entity]
    # every descriptor gives route, direction_id, start time and start date
    assert all(e.trip_update.trip.HasField("direction_id") for e in message.entity)
    for entity in message.entity:
        entity.trip_update.trip.trip_id = f"unknown-{entity.trip_update.trip.trip_id}"
    now = message.header.timestamp

    update, stats = ingest(message.SerializeToString(), "ct", caltrain, now)
    assert [u.trip_id for u in update.trip_updates] == published
    assert stats.matched_by_descriptor == 19 and stats.issues == {FailureKind.UNKNOWN_TRIP: 19}

    for entity in message.entity:
        entity.trip_update.trip.direction_id ^= 1
    update, stats = ingest(message.SerializeToString(), "ct", caltrain, now)
    assert update.trip_updates == () and stats.failed == {FailureKind.UNKNOWN_TRIP: 19}


def test_caltrain_vehicle_positions(data_dir: Path, caltrain: Network) -> None:
    path = data_dir / BAY / "caltrain_2023-11-07.vehicle_positions.pb"
    update, stats = ingest_file(path, "ct", caltrain)
    assert_adds_up(stats)
    assert stats.ok[EntityKind.VEHICLE_POSITION] == len(update.vehicles) == 14
    assert all(v.trip is not None for v in update.vehicles)
    # one train stands in the San José yard, about 200 m from its trip's shape
    assert stats.issues == {FailureKind.OFF_ROUTE: 1}


def test_caltrain_empty_alerts_feed(data_dir: Path, caltrain: Network) -> None:
    path = data_dir / BAY / "caltrain_2023-11-07.service_alerts_empty.pb"
    update, stats = ingest_file(path, "ct", caltrain)
    assert stats.entities == 0 and stats.feed_issue is None
    assert update.alerts == () and stats.header_timestamp == 1699405546


def test_septa_without_static_feed_is_parsed_and_counted_unmatched(data_dir: Path) -> None:
    path = data_dir / "rt_misc" / "septa_2023-03-29.trip_updates.pb"
    update, stats = ingest_file(path, "septa", None)
    assert_adds_up(stats)
    assert stats.failed == {FailureKind.UNMATCHED: 35} and update.trip_updates == ()


@pytest.mark.parametrize("stamp", ["2021-09-02T1531Z", "2021-09-02T1608Z"])
def test_king_county_vehicles_without_static_feed(data_dir: Path, stamp: str) -> None:
    path = data_dir / "rt_misc" / f"king_county_metro_{stamp}.vehicle_positions.pb"
    message = rt.FeedMessage()
    message.ParseFromString(path.read_bytes())
    at_null_island = sum(
        1
        for e in message.entity
        if e.vehicle.position.latitude == 0 == e.vehicle.position.longitude
    )
    update, stats = ingest_file(path, "kcm", None)
    assert_adds_up(stats)
    assert stats.failed.get(FailureKind.BAD_POSITION, 0) == at_null_island
    assert (
        len(update.vehicles)
        == stats.ok[EntityKind.VEHICLE_POSITION]
        == len(message.entity) - at_null_island
    )
    assert all(
        v.trip is None and v.trip_id and v.trip_id.startswith("kcm:") for v in update.vehicles
    )


def test_corrupt_feed_is_a_clean_failure(data_dir: Path, bart: Network) -> None:
    data = (data_dir / "bad_inputs" / "invalid_corrupt.pb").read_bytes()
    update, stats = ingest(data, "bart", bart, 1_565_199_921)
    assert stats.feed_issue is FailureKind.UNPARSEABLE
    assert stats.entities == 0
    assert not (update.trip_updates or update.alerts or update.vehicles)


def test_json_and_protobuf_give_the_same_result(data_dir: Path, bart: Network) -> None:
    path = data_dir / BAY / "bart_2019-08-07.trip_updates.pb"
    now = read_header_timestamp(path.read_bytes())
    from_pb = ingest(path.read_bytes(), "bart", bart, now)
    from_json = ingest_json(path.with_suffix(".pb.json").read_text(), "bart", bart, now)
    assert from_pb == from_json


def test_stale_feed_is_dropped_whole(data_dir: Path, caltrain: Network) -> None:
    data = (data_dir / BAY / "caltrain_2023-11-07.trip_updates.pb").read_bytes()
    now = read_header_timestamp(data) + 7200
    update, stats = ingest(data, "ct", caltrain, now, max_age_s=3600)
    assert stats.feed_issue is FailureKind.STALE_HEADER
    assert stats.failed == {FailureKind.STALE_HEADER: 19} and update.trip_updates == ()
    assert_adds_up(stats)


def test_differential_feeds_are_refused(caltrain: Network) -> None:
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = rt.FeedHeader.DIFFERENTIAL
    message.entity.add(id="1").alert.informed_entity.add(agency_id="CT")
    _, stats = ingest(message.SerializeToString(), "ct", caltrain, 0)
    assert stats.feed_issue is FailureKind.DIFFERENTIAL_UNSUPPORTED
    assert stats.failed == {FailureKind.DIFFERENTIAL_UNSUPPORTED: 1}


def test_empty_and_deleted_entities_are_counted(caltrain: Network) -> None:
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.entity.add(id="empty")
    message.entity.add(id="gone", is_deleted=True)
    message.entity.add(id="shape").shape.shape_id = "s"
    _, stats = ingest(message.SerializeToString(), "ct", caltrain, 0)
    assert stats.failed == {
        FailureKind.EMPTY_ENTITY: 1,
        FailureKind.DELETED_ENTITY: 1,
        FailureKind.UNSUPPORTED_ENTITY: 1,
    }
    assert not stats.issues


def test_missing_header_is_noted_and_entities_still_read(caltrain: Network) -> None:
    message = rt.FeedMessage()
    message.entity.add(id="a").alert.informed_entity.add(route_id="L1")
    update, stats = ingest(message.SerializePartialToString(), "ct", caltrain, 0)
    assert stats.issues == {FailureKind.MISSING_HEADER: 1}
    assert [a.route_ids for a in update.alerts] == [{"ct:L1"}]


def test_invalid_utf8_ids_match_no_id(data_dir: Path, caltrain: Network) -> None:
    path = data_dir / BAY / "caltrain_2023-11-07.trip_updates.pb"
    data = path.read_bytes()
    # every "124" (entity, trip and vehicle ids) becomes b"\xff24", which is not UTF-8:
    # proto2 hands such strings back as bytes
    broken = data.replace(b"\x0a\x03124", b"\x0a\x03\xff24")
    assert broken != data
    update, stats = ingest(broken, "ct", caltrain, read_header_timestamp(data))
    assert_adds_up(stats)
    # the id matches nothing, but route L1, 15:37:00 and 20231107 still name trip 124
    assert stats.matched_by_descriptor == 1 and stats.issues == {FailureKind.UNKNOWN_TRIP: 1}
    assert "ct:124" in {u.trip_id for u in update.trip_updates}
