"""Fuzzing the ingest: whatever comes in, it returns counts that add up and never raises."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.transit import gtfs_realtime_pb2 as rt
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.ingest import ingest, ingest_message
from alerts.stats import IngestStats
from routing.network import Network
from tests.alerts.conftest import caltrain_network
from tests.conftest import DATA_DIR

NOW = 1_699_405_559  # the Caltrain capture
SAMPLES = [
    DATA_DIR / "bay_area" / "caltrain_2023-11-07.trip_updates.pb",
    DATA_DIR / "bay_area" / "caltrain_2023-11-07.vehicle_positions.pb",
    DATA_DIR / "bay_area" / "bart_2019-08-07.alerts.pb",
]
ANY_AGE = float("inf")  # the BART alert is of 2019: let it through to its entities
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None)


def check(stats: IngestStats) -> None:
    assert stats.entities == stats.n_ok + stats.n_failed
    assert all(count > 0 for count in stats.failed.values())
    assert all(count > 0 for count in stats.issues.values())


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    caltrain = caltrain_network()
    for network in (caltrain, None):
        _, stats = ingest(data, "ct", network, NOW)
        check(stats)


@FUZZ
@given(
    sample=st.sampled_from(SAMPLES),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10**6),
)
def test_mutated_real_messages(sample: Path, flips: list[tuple[int, int]], cut: int) -> None:
    caltrain = caltrain_network()
    data = bytearray(sample.read_bytes())
    for offset, value in flips:
        data[offset % len(data)] = value
    del data[len(data) - cut % len(data) :]
    _, stats = ingest(bytes(data), "ct", caltrain, NOW, max_age_s=ANY_AGE)
    check(stats)


ids = st.sampled_from(["124", "125", "L1", "70242", "70232", "70262", "ST", "", "x", "124-added"])
times = st.one_of(st.integers(0, 2**63 - 1), st.integers(NOW - 100_000, NOW + 100_000))
delays = st.integers(-(2**31), 2**31 - 1)


def enum(wrapper: EnumTypeWrapper) -> st.SearchStrategy[str]:
    return st.sampled_from([str(name) for name, _ in wrapper.items()])


def some(
    required: dict[str, st.SearchStrategy[Any]] | None = None, **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """Dictionaries with the `required` keys and any of the `optional` ones."""
    return st.fixed_dictionaries(required or {}, optional=optional)


def event() -> st.SearchStrategy[dict[str, Any]]:
    return some(time=times.map(str), delay=delays, uncertainty=delays)


def descriptor() -> st.SearchStrategy[dict[str, Any]]:
    return some(
        tripId=ids,
        routeId=ids,
        directionId=st.integers(0, 1),
        startTime=st.sampled_from(["15:37:00", "25:00:00", "AA:BB:CC", "1:2:3", ""]),
        startDate=st.sampled_from(["20231107", "20231108", "20010000", "x"]),
        scheduleRelationship=enum(rt.TripDescriptor.ScheduleRelationship),
    )


def stop_time_update() -> st.SearchStrategy[dict[str, Any]]:
    return some(
        stopSequence=st.integers(0, 2**32 - 1),
        stopId=ids,
        arrival=event(),
        departure=event(),
        scheduleRelationship=enum(rt.TripUpdate.StopTimeUpdate.ScheduleRelationship),
    )


# JSON has no NaN nor infinity: protobuf's JSON form quotes them
floats = st.one_of(
    st.floats(width=32, allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]),
)
trip_update = some(
    {"trip": descriptor()},
    stopTimeUpdate=st.lists(stop_time_update(), max_size=6),
    delay=delays,
    timestamp=times.map(str),
)
vehicle = some(trip=descriptor(), position=some(latitude=floats, longitude=floats), stopId=ids)
translation = some({"text": st.text(max_size=10)}, language=st.text(max_size=5))
alert = some(
    informedEntity=st.lists(
        some(
            agencyId=ids, routeId=ids, stopId=ids, trip=descriptor(), routeType=st.integers(-5, 99)
        ),
        max_size=3,
    ),
    activePeriod=st.lists(some(start=times.map(str), end=times.map(str)), max_size=3),
    cause=enum(rt.Alert.Cause),
    effect=enum(rt.Alert.Effect),
    headerText=some({"translation": st.lists(translation, max_size=2)}),
)
payloads: st.SearchStrategy[dict[str, Any]] = st.one_of(
    some({"tripUpdate": trip_update}),
    some({"vehicle": vehicle}),
    some({"alert": alert}),
    st.just({}),
)
header = some(
    {"gtfsRealtimeVersion": st.just("2.0")},
    timestamp=times.map(str),
    incrementality=enum(rt.FeedHeader.Incrementality),
)
messages = some(
    {"entity": st.lists(st.tuples(st.text(max_size=4), payloads, st.booleans()), max_size=8)},
    header=header,
)


@FUZZ
@given(spec=messages)
def test_malformed_feed_messages(spec: dict[str, Any]) -> None:
    caltrain = caltrain_network()
    entities = [
        {"id": entity_id, **payload, **({"isDeleted": True} if deleted else {})}
        for entity_id, payload, deleted in spec["entity"]
    ]
    message = rt.FeedMessage()
    json_format.ParseDict({**spec, "entity": entities}, message)
    for network in (caltrain, None):
        update, stats = ingest_message(message, "ct", network, NOW)
        check(stats)
        assert len(update.trip_updates) + len(update.alerts) + len(update.vehicles) == stats.n_ok
        # the wire form goes through the same path
        _, again = ingest(message.SerializePartialToString(), "ct", network, NOW)
        assert again == stats


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_samples_are_valid_seeds(caltrain: Network, sample: Path) -> None:
    _, stats = ingest(sample.read_bytes(), "ct", caltrain, NOW, max_age_s=ANY_AGE)
    check(stats)
    assert stats.n_ok > 0
