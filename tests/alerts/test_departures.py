"""Departure boards from the overlay: delays, cancellations, skipped stops, past-midnight trips."""

from __future__ import annotations

from alerts.departures import departures
from alerts.models import (
    RealtimeUpdate,
    StopRelationship,
    StopTimeUpdate,
    TripRelationship,
    TripUpdate,
)
from alerts.overlay import build_overlay
from routing.network import Network
from routing.realtime import RealtimeOverlay
from tests.alerts.conftest import TINY_DAY


def update(
    network: Network, trip_id: str, *stops: StopTimeUpdate, cancel: bool = False
) -> TripUpdate:
    trip = network.find_trip(f"t:{trip_id}")
    assert trip is not None
    relationship = TripRelationship.CANCELED if cancel else TripRelationship.SCHEDULED
    return TripUpdate(trip, network.day_index(TINY_DAY), f"t:{trip_id}", relationship, stops)


def board(
    tiny: Network, stop_id: str, from_hhmm: str, overlay: RealtimeOverlay | None = None
) -> list[tuple[str, int, int, bool, bool]]:
    stop = tiny.find_stop(stop_id)
    assert stop is not None
    h, m = (int(x) for x in from_hhmm.split(":"))
    found = departures(tiny, overlay, int(stop), tiny.day_index(TINY_DAY), h * 3600 + m * 60)
    return [
        (tiny.trip_ids[d.trip], d.scheduled_departure_s, d.delay_s, d.cancelled, d.skipped)
        for d in found
    ]


def test_timetable_board_without_overlay(tiny: Network) -> None:
    assert board(tiny, "t:B", "07:30") == [
        ("t:T1", 8 * 3600 + 11 * 60, 0, False, False),
        ("t:T3", 8 * 3600 + 20 * 60, 0, False, False),
        ("t:T2", 9 * 3600 + 11 * 60, 0, False, False),
    ]


def test_delays_cancellations_and_skips_on_the_board(tiny: Network) -> None:
    day = tiny.day_index(TINY_DAY)
    updates = RealtimeUpdate(
        "t",
        0.0,
        None,
        trip_updates=(
            update(tiny, "T1", StopTimeUpdate(1, -1, 300, 300)),
            update(tiny, "T3", cancel=True),
            update(tiny, "T2", StopTimeUpdate(1, -1, None, None, StopRelationship.SKIPPED)),
        ),
    )
    overlay = build_overlay(tiny, [updates], day)
    assert board(tiny, "t:B", "07:30", overlay) == [
        ("t:T1", 8 * 3600 + 11 * 60, 300, False, False),
        ("t:T3", 8 * 3600 + 20 * 60, 0, True, False),
        ("t:T2", 9 * 3600 + 11 * 60, 0, False, True),
    ]
    # T1 is due 08:11 but leaves 08:16: still on the board at 08:14
    assert [row[0] for row in board(tiny, "t:B", "08:14", overlay)] == ["t:T1", "t:T3", "t:T2"]


def test_a_trip_of_the_day_before_still_running(tiny: Network) -> None:
    # N1 leaves A at 23:50 and reaches D at 24:10; D's last stop has no departure to board
    rows = board(tiny, "t:A", "23:40")
    assert rows == [("t:N1", 23 * 3600 + 50 * 60, 0, False, False)]
