"""Checks that a `Journey` can really be travelled, read straight off the `Network` arrays."""

from __future__ import annotations

from routing.journey import Journey, RideLeg, TransferLeg
from routing.network import NO_DROP_OFF, NO_PICKUP, Network
from routing.realtime import RealtimeOverlay

DAY_S = 86_400


def check_journey(
    network: Network,
    journey: Journey,
    day: int,
    *,
    wheelchair: bool = False,
    overlay: RealtimeOverlay | None = None,
) -> None:
    """Assert `journey` (times on service day `day`'s clock) is feasible on `network`.

    Each ride's trip runs on its day, the times and stops are the timetable's (the overlay's on
    its day), pickup and drop-off are allowed, legs chain in time with the minimum transfer
    time at a stop or a listed footpath between rides, and access and egress offsets meet the
    first and last ride.
    """
    rides = [leg for leg in journey.legs if isinstance(leg, RideLeg)]
    assert rides, "a journey has at least one ride"
    assert isinstance(journey.legs[0], RideLeg) and isinstance(journey.legs[-1], RideLeg)
    assert journey.transfers == len(rides) - 1
    for leg in rides:
        realtime = overlay if overlay is not None and leg.day == overlay.day else None
        _check_ride(network, leg, day, wheelchair, realtime)
    for before, after in zip(journey.legs, journey.legs[1:], strict=False):
        _check_link(network, before, after)
    first, last = rides[0], rides[-1]
    assert journey.access.stop == first.board_stop and journey.egress.stop == last.alight_stop
    assert journey.departure_s + journey.access.duration_s <= first.departure_s
    assert journey.arrival_s == last.arrival_s + journey.egress.duration_s


def _check_ride(
    network: Network, leg: RideLeg, day: int, wheelchair: bool, realtime: RealtimeOverlay | None
) -> None:
    trip = leg.trip
    assert abs(leg.day - day) <= 1
    assert network.service_days[network.trip_service[trip], leg.day], "trip runs that day"
    p = int(network.trip_pattern[trip])
    assert p == leg.pattern and 0 <= leg.board_pos < leg.alight_pos
    trips = list(
        network.pattern_trips[network.pattern_trip_ptr[p] : network.pattern_trip_ptr[p + 1]]
    )
    j, n = trips.index(trip), len(trips)
    stops = network.pattern_stops[network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]]
    assert stops[leg.board_pos] == leg.board_stop and stops[leg.alight_pos] == leg.alight_stop
    board = int(network.pattern_time_ptr[p]) + leg.board_pos * n + j
    alight = int(network.pattern_time_ptr[p]) + leg.alight_pos * n + j
    shift = (leg.day - day) * DAY_S
    times = network if realtime is None else realtime
    assert leg.departure_s - shift == times.departure[board]
    assert leg.arrival_s - shift == times.arrival[alight]
    if realtime is not None:
        assert not realtime.cancelled[trip]
        assert not realtime.skipped[board] and not realtime.skipped[alight]
        assert not realtime.closed_stops[leg.board_stop]
        assert not realtime.closed_stops[leg.alight_stop]
    assert not network.stop_time_flags[board] & NO_PICKUP
    assert not network.stop_time_flags[alight] & NO_DROP_OFF
    if wheelchair:
        assert network.trip_wheelchair[trip] == 1
        assert network.stop_wheelchair[leg.board_stop] == 1
        assert network.stop_wheelchair[leg.alight_stop] == 1


def _check_link(
    network: Network, before: RideLeg | TransferLeg, after: RideLeg | TransferLeg
) -> None:
    if isinstance(before, RideLeg) and isinstance(after, RideLeg):
        assert before.alight_stop == after.board_stop
        change = int(network.stop_min_transfer_s[after.board_stop])
        assert before.arrival_s + change <= after.departure_s
    elif isinstance(before, RideLeg) and isinstance(after, TransferLeg):
        assert before.alight_stop == after.from_stop != after.to_stop
        assert before.arrival_s <= after.departure_s
        edges = range(
            network.transfer_ptr[after.from_stop], network.transfer_ptr[after.from_stop + 1]
        )
        walks = {
            int(network.transfer_s[e]) for e in edges if network.transfer_to[e] == after.to_stop
        }
        assert after.arrival_s - after.departure_s in walks, "a listed footpath, walked in its time"
    elif isinstance(before, TransferLeg) and isinstance(after, RideLeg):
        assert before.to_stop == after.board_stop
        assert before.arrival_s <= after.departure_s
    else:
        raise AssertionError("two footpaths in a row")
