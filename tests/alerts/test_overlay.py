from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from alerts.ingest import ingest
from alerts.matching import trip_index
from alerts.models import (
    ActivePeriod,
    InformedEntity,
    RealtimeUpdate,
    ServiceAlert,
    StopRelationship,
    StopTimeUpdate,
    TranslatedText,
    TripRelationship,
    TripUpdate,
)
from alerts.overlay import build_overlay, monotonic_times, propagate_delays
from routing.network import Network
from routing.realtime import RealtimeOverlay
from tests.alerts.conftest import TINY_DAY, at, read_header_timestamp

SCHEDULED = TripRelationship.SCHEDULED


def stu(
    position: int, arrival: int | None, departure: int | None, rel: str = "SCHEDULED"
) -> StopTimeUpdate:
    return StopTimeUpdate(position, -1, arrival, departure, StopRelationship(rel))


def trip_update(
    network: Network,
    trip_id: str,
    *stops: StopTimeUpdate,
    day: int | None = None,
    relationship: TripRelationship = SCHEDULED,
) -> TripUpdate:
    """An update of `trip_id` on TINY_DAY, unless told another `day`."""
    trip = network.find_trip(f"t:{trip_id}")
    assert trip is not None
    return TripUpdate(
        trip=trip,
        day=network.day_index(TINY_DAY) if day is None else day,
        trip_id=f"t:{trip_id}",
        relationship=relationship,
        stop_time_updates=stops,
    )


def times(network: Network, overlay: RealtimeOverlay, trip_id: str) -> list[tuple[str, str]]:
    """(arrival, departure) of the trip in the overlay as HH:MM:SS, position by position."""
    trip = network.find_trip(f"t:{trip_id}")
    assert trip is not None
    index = trip_index(network)
    slots = [index.time_index(trip, p) for p in range(len(index.pattern_stops_of(trip)))]

    def hms(seconds: int) -> str:
        return str(dt.timedelta(seconds=int(seconds)))

    return [(hms(overlay.arrival[s]), hms(overlay.departure[s])) for s in slots]


def snapshot(
    network: Network, *updates: TripUpdate, alerts: tuple[ServiceAlert, ...] = ()
) -> RealtimeUpdate:
    return RealtimeUpdate("t", 1.0, None, tuple(updates), alerts)


def test_delay_propagates_to_later_stops_until_the_next_update(tiny: Network) -> None:
    # T1: A 8:00/8:00, B 8:10/8:11, C 8:20/8:21, D 8:30/8:30
    update = trip_update(tiny, "T1", stu(1, 120, None))
    overlay = build_overlay(tiny, [snapshot(tiny, update)], tiny.day_index(TINY_DAY))
    assert times(tiny, overlay, "T1") == [
        ("8:00:00", "8:00:00"),
        ("8:12:00", "8:13:00"),
        ("8:22:00", "8:23:00"),
        ("8:32:00", "8:32:00"),
    ]
    assert overlay.delayed_trips == {update.trip}
    assert times(tiny, overlay, "T2")[0] == ("9:00:00", "9:00:00")


def test_no_data_returns_to_the_timetable_and_skipped_is_marked(tiny: Network) -> None:
    update = trip_update(
        tiny, "T1", stu(0, None, 300), stu(1, None, None, "SKIPPED"), stu(2, None, None, "NO_DATA")
    )
    overlay = build_overlay(tiny, [snapshot(tiny, update)], tiny.day_index(TINY_DAY))
    assert times(tiny, overlay, "T1") == [
        ("8:05:00", "8:05:00"),
        ("8:15:00", "8:16:00"),
        ("8:20:00", "8:21:00"),
        ("8:30:00", "8:30:00"),
    ]
    index = trip_index(tiny)
    skipped = np.flatnonzero(overlay.skipped).tolist()
    assert skipped == [index.time_index(update.trip, 1)]


def test_cancelled_trips_and_other_days(tiny: Network) -> None:
    cancelled = trip_update(tiny, "T2", relationship=TripRelationship.CANCELED)
    tomorrow = trip_update(tiny, "T1", stu(0, 60, 60), day=tiny.day_index(TINY_DAY) + 1)
    overlay = build_overlay(tiny, [snapshot(tiny, cancelled, tomorrow)], tiny.day_index(TINY_DAY))
    assert np.flatnonzero(overlay.cancelled).tolist() == [cancelled.trip]
    assert np.array_equal(overlay.arrival, tiny.arrival) and np.array_equal(
        overlay.departure, tiny.departure
    )
    assert overlay.delayed_trips == frozenset()
    assert overlay.network_version == tiny.version and overlay.created_at == 1.0


def test_early_report_pulls_earlier_stops_down(tiny: Network) -> None:
    # reported at B at 7:58 (12 min early), before its scheduled departure from A at 8:00
    update = trip_update(tiny, "T1", stu(1, -720, -720))
    overlay = build_overlay(tiny, [snapshot(tiny, update)], tiny.day_index(TINY_DAY))
    assert times(tiny, overlay, "T1")[:2] == [("7:58:00", "7:58:00"), ("7:58:00", "7:59:00")]


def test_propagate_delays_rules() -> None:
    update = TripUpdate(
        0, 0, "x", SCHEDULED, (stu(1, None, 60), stu(3, 30, None), stu(4, None, None, "NO_DATA"))
    )
    arrival, departure, first = propagate_delays(6, update)
    # a departure-only first update gives its delay to its arrival too; arrival-only carries on
    assert arrival.tolist() == [0, 60, 60, 30, 0, 0]
    assert departure.tolist() == [0, 60, 60, 30, 0, 0]
    assert first == 1
    whole_trip = TripUpdate(0, 0, "x", SCHEDULED, (stu(2, 10, 10),), delay_s=90)
    arrival, departure, first = propagate_delays(4, whole_trip)
    assert (
        arrival.tolist() == [90, 90, 10, 10]
        and departure.tolist() == [90, 90, 10, 10]
        and first == 0
    )


def test_monotonic_times() -> None:
    arrival = np.array([100, 200, 150, 400], dtype=np.int32)
    departure = np.array([110, 190, 160, 390], dtype=np.int32)
    got = monotonic_times(arrival, departure, first=1)
    assert got[0].tolist() == [100, 200, 200, 400] and got[1].tolist() == [110, 200, 200, 400]
    early = monotonic_times(np.array([100, 50], np.int32), np.array([120, 60], np.int32), first=1)
    assert early[0].tolist() == [50, 50] and early[1].tolist() == [50, 60]


def no_service(*entities: InformedEntity, periods: tuple[ActivePeriod, ...] = ()) -> ServiceAlert:
    text = TranslatedText((("en", "closed"),))
    return ServiceAlert(
        "id", "t", "e", periods, entities, "OTHER_CAUSE", "NO_SERVICE", text, text, text
    )


def test_no_service_alerts(tiny: Network) -> None:
    day = tiny.day_index(TINY_DAY)
    station = no_service(InformedEntity(stop_id="t:ST"))
    route_at_stop = no_service(InformedEntity(route_id="t:R1", stop_id="t:B"))
    whole_route = no_service(InformedEntity(route_id="t:R2"))
    one_trip = no_service(InformedEntity(trip_id="t:T2"))
    later = no_service(
        InformedEntity(stop_id="t:A"), periods=(ActivePeriod(at(tiny, TINY_DAY, "30:00"), None),)
    )
    alerts = (station, route_at_stop, whole_route, one_trip, later)
    overlay = build_overlay(tiny, [snapshot(tiny, alerts=alerts)], day)
    closed = {tiny.stop_ids[s] for s in np.flatnonzero(overlay.closed_stops)}
    assert closed == {"t:ST", "t:C"}  # the station and its platform; A only from tomorrow
    cancelled = {tiny.trip_ids[t] for t in np.flatnonzero(overlay.cancelled)}
    assert cancelled == {"t:N1", "t:T2"}
    index = trip_index(tiny)
    expected = set()
    for trip_id, position in (("t:T1", 1), ("t:T2", 1), ("t:T3", 2)):  # B on each R1 trip
        trip = tiny.find_trip(trip_id)
        assert trip is not None
        expected.add(index.time_index(trip, position))
    assert set(np.flatnonzero(overlay.skipped).tolist()) == expected
    at_noon = build_overlay(
        tiny, [snapshot(tiny, alerts=(later,))], day, at=at(tiny, TINY_DAY, "12:00")
    )
    assert not at_noon.closed_stops.any()


def test_caltrain_overlay_from_the_real_updates(data_dir: Path, caltrain: Network) -> None:
    data = (data_dir / "bay_area" / "caltrain_2023-11-07.trip_updates.pb").read_bytes()
    update, _ = ingest(data, "ct", caltrain, read_header_timestamp(data))
    day = caltrain.day_index(dt.date(2023, 11, 7))
    overlay = build_overlay(caltrain, [update], day)
    assert overlay.delayed_trips <= {u.trip for u in update.trip_updates}
    assert len(overlay.delayed_trips) >= 15
    index = trip_index(caltrain)
    touched = np.zeros(caltrain.arrival.shape, dtype=bool)
    for trip_update in update.trip_updates:
        n = len(index.pattern_stops_of(trip_update.trip))
        slots = [index.time_index(trip_update.trip, p) for p in range(n)]
        touched[slots] = True
        interleaved = np.column_stack([overlay.arrival[slots], overlay.departure[slots]]).ravel()
        assert np.all(np.diff(interleaved) >= 0)
        for s in trip_update.stop_time_updates:
            if s.departure_delay_s is not None:
                slot = slots[s.position]
                assert overlay.departure[slot] - caltrain.departure[slot] == s.departure_delay_s
    assert np.array_equal(overlay.arrival[~touched], caltrain.arrival[~touched])
    assert np.array_equal(overlay.departure[~touched], caltrain.departure[~touched])
    assert not overlay.cancelled.any() and not overlay.skipped.any()
