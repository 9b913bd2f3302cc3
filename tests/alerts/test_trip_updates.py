"""Trip updates against tiny inline networks (conftest.TINY_FEED, and TWINS_FEED below)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from alerts.ingest import ingest_json
from alerts.models import RealtimeUpdate, StopRelationship
from alerts.stats import FailureKind, IngestStats
from routing.network import Network
from tests.alerts.conftest import TINY_DAY, at, build
from tests.conftest import write_feed

DATE = TINY_DAY.strftime("%Y%m%d")
Json = dict[str, Any]


def feed(
    network: Network, now: int, *trip_updates: dict[str, Any]
) -> tuple[RealtimeUpdate, IngestStats]:
    message = {
        "header": {"gtfsRealtimeVersion": "2.0", "timestamp": str(now)},
        "entity": [{"id": str(i), "tripUpdate": tu} for i, tu in enumerate(trip_updates)],
    }
    update, stats = ingest_json(json.dumps(message), "t", network, now)
    assert stats.entities == stats.n_ok + stats.n_failed
    return update, stats


def event(value: int | Json) -> Json:
    """A POSIX time as a StopTimeEvent, or the event as given."""
    return {"time": str(value)} if isinstance(value, int) else value


def stop(
    stop_id: str, arrival: int | Json | None = None, departure: int | Json | None = None
) -> Json:
    update: Json = {"stopId": stop_id}
    if arrival is not None:
        update["arrival"] = event(arrival)
    if departure is not None:
        update["departure"] = event(departure)
    return update


def test_times_become_delays_on_the_start_date(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    update, stats = feed(
        tiny,
        now,
        {
            "trip": {"tripId": "T1", "startDate": DATE},
            "stopTimeUpdate": [stop("B", at(tiny, TINY_DAY, "08:12"), at(tiny, TINY_DAY, "08:14"))],
        },
    )
    (tu,) = update.trip_updates
    assert (tu.trip_id, tu.day) == ("t:T1", tiny.day_index(TINY_DAY))
    (stu,) = tu.stop_time_updates
    # B is scheduled 08:10 / 08:11, second of four stops
    assert (stu.position, stu.arrival_delay_s, stu.departure_delay_s) == (1, 120, 180)
    assert stats.matched_by_id == 1 and not stats.issues


def test_the_day_is_inferred_without_start_date(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    update, _ = feed(
        tiny,
        now,
        {"trip": {"tripId": "T1"}, "stopTimeUpdate": [stop("B", at(tiny, TINY_DAY, "08:12"))]},
    )
    assert [u.day for u in update.trip_updates] == [tiny.day_index(TINY_DAY)]


def test_a_trip_past_midnight_belongs_to_the_day_before(tiny: Network) -> None:
    # N1 leaves A at 23:50 and reaches D at 24:10; at 00:05 the next day it is yesterday's
    next_day = TINY_DAY + dt.timedelta(days=1)
    now = at(tiny, next_day, "00:05")
    arrival = at(tiny, TINY_DAY, "24:15")
    update, _ = feed(tiny, now, {"trip": {"tripId": "N1"}, "stopTimeUpdate": [stop("D", arrival)]})
    (tu,) = update.trip_updates
    assert tu.day == tiny.day_index(TINY_DAY)
    assert tu.stop_time_updates[0].arrival_delay_s == 300


def test_delay_only_updates_are_taken_as_given(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    update, _ = feed(
        tiny,
        now,
        {"trip": {"tripId": "T1"}, "stopTimeUpdate": [stop("C", {"delay": -30})]},
    )
    (stu,) = update.trip_updates[0].stop_time_updates
    assert (stu.position, stu.arrival_delay_s, stu.departure_delay_s) == (2, -30, None)


def test_unknown_trip_id_rescued_by_route_start_time_and_first_stop(tiny: Network) -> None:
    # T1 (A -> D) and T3 (D -> A) both leave at 08:00 on route R1: the first stop decides
    now = at(tiny, TINY_DAY, "08:05")
    descriptor = {"tripId": "renamed", "routeId": "R1", "startTime": "08:00:00", "startDate": DATE}
    late = {"delay": 60}
    update, stats = feed(
        tiny,
        now,
        {"trip": descriptor, "stopTimeUpdate": [stop("B", late), stop("C", late)]},
        {"trip": descriptor | {"tripId": "other"}, "stopTimeUpdate": [stop("C", late)]},
    )
    # B then C is T1's order (T3 calls at C then B); C alone is on both
    assert [u.trip_id for u in update.trip_updates] == ["t:T1"]
    assert stats.failed == {FailureKind.AMBIGUOUS_TRIP: 1}


def test_start_time_alone_is_ambiguous_between_directions(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    descriptor = {"routeId": "R1", "startTime": "08:00:00", "startDate": DATE}
    _, stats = feed(tiny, now, {"trip": descriptor, "delay": 60})
    assert stats.failed == {FailureKind.AMBIGUOUS_TRIP: 1}


def test_direction_tells_apart_trips_leaving_at_once(tiny: Network) -> None:
    # T1 (A -> D, direction 0) and T3 (D -> A, direction 1) both leave at 08:00 on route R1;
    # the updates name no stop, so only the direction can choose
    now = at(tiny, TINY_DAY, "08:05")
    descriptor = {"tripId": "renamed", "routeId": "R1", "startTime": "08:00:00", "startDate": DATE}
    update, stats = feed(
        tiny,
        now,
        {"trip": descriptor | {"directionId": 1}, "delay": 60},
        {"trip": descriptor | {"tripId": "renamed too", "directionId": 0}, "delay": 120},
    )
    assert [(u.trip_id, u.delay_s) for u in update.trip_updates] == [("t:T3", 60), ("t:T1", 120)]
    assert stats.matched_by_descriptor == 2 and stats.issues == {FailureKind.UNKNOWN_TRIP: 2}


def test_no_trip_of_the_given_direction_leaves_then(tiny: Network) -> None:
    # T2 leaves at 09:00 in direction 0 only
    now = at(tiny, TINY_DAY, "09:05")
    descriptor = {"routeId": "R1", "directionId": 1, "startTime": "09:00:00", "startDate": DATE}
    update, stats = feed(tiny, now, {"trip": descriptor, "delay": 60})
    assert update.trip_updates == () and stats.failed == {FailureKind.UNKNOWN_TRIP: 1}


def test_a_direction_other_than_0_or_1_refuses_the_update(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    _, stats = feed(tiny, now, {"trip": {"tripId": "T1", "directionId": 2}, "delay": 60})
    assert stats.failed == {FailureKind.BAD_DIRECTION: 1}


def test_a_trip_found_by_id_keeps_it_when_the_direction_disagrees(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    update, stats = feed(tiny, now, {"trip": {"tripId": "T1", "directionId": 1}, "delay": 60})
    assert [u.trip_id for u in update.trip_updates] == ["t:T1"]
    assert stats.issues == {FailureKind.DIRECTION_MISMATCH: 1}


# Route R at 07:00: E1 (A -> B) and E2 (A -> C) both in direction 0, W (B -> A) without one.
TWINS_FEED = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
AG,Twins,http://example.org,Europe/Paris
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
A,A,48.80,2.30
B,B,48.81,2.31
C,C,48.82,2.32
# routes.txt
route_id,agency_id,route_short_name,route_type
R,AG,R,3
# trips.txt
route_id,service_id,trip_id,direction_id
R,WK,E1,0
R,WK,E2,0
R,WK,W,
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
E1,07:00:00,07:00:00,A,1
E1,07:10:00,07:10:00,B,2
E2,07:00:00,07:00:00,A,1
E2,07:20:00,07:20:00,C,2
W,07:00:00,07:00:00,B,1
W,07:10:00,07:10:00,A,2
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,1,1,20240101,20240131
"""


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Network:
    return build("t", write_feed(tmp_path_factory.mktemp("twins"), TWINS_FEED))


def test_trips_of_one_direction_leaving_at_once_stay_ambiguous(twins: Network) -> None:
    now = at(twins, TINY_DAY, "07:05")
    descriptor = {"routeId": "R", "directionId": 0, "startTime": "07:00:00", "startDate": DATE}
    update, stats = feed(
        twins,
        now,
        # E1, E2 and W (no direction: it may run either way) all fit
        {"trip": descriptor, "delay": 60},
        # only E2 calls at C
        {"trip": descriptor, "stopTimeUpdate": [stop("C", {"delay": 60})]},
        # E1 and E2 run the other way; W is the only one left
        {"trip": descriptor | {"directionId": 1}, "delay": 30},
    )
    assert [(u.trip_id, u.delay_s) for u in update.trip_updates] == [("t:E2", None), ("t:W", 30)]
    assert stats.failed == {FailureKind.AMBIGUOUS_TRIP: 1}
    assert stats.matched_by_descriptor == 2


def test_descriptor_without_trip_id_matches_when_unique(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "09:05")
    descriptor = {"routeId": "R1", "startTime": "09:00:00", "startDate": DATE}
    update, stats = feed(tiny, now, {"trip": descriptor, "delay": 60})
    assert [(u.trip_id, u.delay_s) for u in update.trip_updates] == [("t:T2", 60)]
    assert stats.matched_by_descriptor == 1 and not stats.issues


def test_incomplete_descriptor_without_trip_id(tiny: Network) -> None:
    _, stats = feed(tiny, at(tiny, TINY_DAY, "09:05"), {"trip": {"routeId": "R1"}, "delay": 60})
    assert stats.failed == {FailureKind.MISSING_TRIP: 1}


def test_cancelled_and_skipped(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    update, _ = feed(
        tiny,
        now,
        {"trip": {"tripId": "T2", "scheduleRelationship": "CANCELED"}},
        {
            "trip": {"tripId": "T1"},
            "stopTimeUpdate": [
                {"stopId": "B", "scheduleRelationship": "SKIPPED"},
                {"stopId": "C", "scheduleRelationship": "NO_DATA"},
            ],
        },
    )
    cancelled, skipping = update.trip_updates
    assert cancelled.cancelled and cancelled.trip_id == "t:T2"
    assert skipping.skipped_positions == (1,)
    assert [u.relationship for u in skipping.stop_time_updates] == [
        StopRelationship.SKIPPED,
        StopRelationship.NO_DATA,
    ]


def test_refusals(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    late = {"delay": 60}
    at_b = [stop("B", late)]
    _, stats = feed(
        tiny,
        now,
        {"trip": {"tripId": "T1", "startDate": "20250101"}, "stopTimeUpdate": at_b},
        {"trip": {"tripId": "X", "scheduleRelationship": "ADDED"}, "stopTimeUpdate": at_b},
        {"trip": {"tripId": "T2"}},
        {"trip": {"tripId": "T3"}, "stopTimeUpdate": [{"stopSequence": 2, "arrival": late}]},
        {"trip": {"tripId": "T1"}, "stopTimeUpdate": at_b},
        {"trip": {"tripId": "T1"}, "stopTimeUpdate": [stop("C", late)]},
    )
    assert stats.failed == {
        FailureKind.INACTIVE_TRIP: 1,  # start date outside the calendar
        FailureKind.ADDED_TRIP_UNSUPPORTED: 1,
        FailureKind.NO_STOP_TIME_UPDATES: 1,
        FailureKind.STOP_SEQUENCE_ONLY: 1,  # the network keeps positions, not stop_sequence
        FailureKind.DUPLICATE_TRIP: 1,  # T1 again on the same day
    }
    assert stats.n_ok == 1


def test_a_stop_off_the_trip_is_dropped_and_the_rest_kept(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    update, stats = feed(
        tiny,
        now,
        {
            "trip": {"tripId": "N1"},
            "stopTimeUpdate": [
                {"stopId": "B", "arrival": {"delay": 60}},
                {"stopId": "D", "arrival": {"delay": 60}},
            ],
        },
    )
    assert [s.position for s in update.trip_updates[0].stop_time_updates] == [1]
    assert stats.issues == {FailureKind.STOP_NOT_ON_TRIP: 1}


def test_implausible_delays_are_bad_times(tiny: Network) -> None:
    now = at(tiny, TINY_DAY, "08:05")
    _, stats = feed(
        tiny,
        now,
        {
            "trip": {"tripId": "T1"},
            "stopTimeUpdate": [{"stopId": "B", "arrival": {"delay": 2 * 86_400}}],
        },
    )
    assert stats.failed == {FailureKind.BAD_TIME: 1}
