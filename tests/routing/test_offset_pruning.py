"""Pruned access and egress offsets give the transit search exactly the same Pareto answers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import numpy as np
import pytest

from routing.access import resolve, street_access
from routing.ids import StopIdx
from routing.network import Network
from routing.offset_pruning import useful
from routing.query import AccessMode, Coordinate, Offset
from routing.raptor import search
from routing.realtime import RealtimeOverlay
from routing.streets import StreetGraph
from tests.routing.tiny import QUERY_DAY, hms, tiny_network, trip

pytestmark = pytest.mark.slow


def answers(
    network: Network,
    access: Sequence[Offset],
    egress: Sequence[Offset],
    day: int,
    t: int,
    *,
    arrive_by: bool,
    window_s: int,
) -> set[tuple[int, int, int]]:
    found = search(network, access, egress, day, t, arrive_by=arrive_by, window_s=window_s)
    return {(j.departure_s, j.arrival_s, j.transfers) for j in found}


@pytest.mark.parametrize(("mode", "speed", "max_s"), [("walk", 1.3, 900), ("bike", 4.5, 1200)])
def test_pruning_loses_no_pareto_journey(
    porto_alegre_network: Network,
    porto_alegre_streets: StreetGraph | None,
    mode: AccessMode,
    speed: float,
    max_s: int,
) -> None:
    network, streets = porto_alegre_network, porto_alegre_streets
    assert streets is not None
    rng = random.Random(7)
    inside = np.flatnonzero(streets.stop_node >= 0)
    day = network.day_index(dt.date(2019, 5, 14))
    pruned_total = kept_total = 0
    for i in range(25):
        a, b = (int(inside[rng.randrange(inside.size)]) for _ in range(2))
        ends = [
            resolve(network, Coordinate(float(network.stop_lat[s]) + rng.uniform(-0.003, 0.003),
                                        float(network.stop_lon[s]) + rng.uniform(-0.003, 0.003)))
            for s in (a, b)
        ]  # fmt: skip
        runs = {}
        for prune in (False, True):
            access = street_access(network, streets, ends[0], mode, speed, max_s, prune=prune)
            egress = street_access(
                network, streets, ends[1], "walk", 1.3, 900, reverse=True, prune=prune
            )
            runs[prune] = (access.offsets, egress.offsets)
        t = 12 * 3600 + rng.randrange(0, 4 * 3600)
        arrive_by = i % 3 == 2
        window = 1800 if i % 4 == 3 else 0
        full = answers(network, *runs[False], day, t, arrive_by=arrive_by, window_s=window)
        kept = answers(network, *runs[True], day, t, arrive_by=arrive_by, window_s=window)
        assert kept == full, (i, a, b)
        pruned_total += len(runs[False][0]) + len(runs[False][1])
        kept_total += len(runs[True][0]) + len(runs[True][1])
    assert kept_total < pruned_total  # something was pruned


def one_trip_overlay(
    net: Network, delay_from: int, skipped_at: int | None = None
) -> RealtimeOverlay:
    """The single trip of `net` late by 15 minutes from position `delay_from` on."""
    arrival, departure = net.arrival.copy(), net.departure.copy()
    arrival[delay_from:] += 900
    departure[delay_from:] += 900
    skipped = np.zeros(net.arrival.size, dtype=np.bool_)
    if skipped_at is not None:
        skipped[skipped_at] = True
    return RealtimeOverlay(
        net.version, QUERY_DAY, 0.0, arrival, departure,
        np.zeros(len(net.trip_ids), dtype=np.bool_), skipped, np.zeros(net.n_stops, np.bool_),
    )  # fmt: skip


def test_a_trip_losing_time_in_realtime_keeps_the_later_access_stop() -> None:
    net = tiny_network([trip("t", "A 08:00, B 08:10, C 08:20")])
    a, b = net.get_stop("A"), net.get_stop("B")
    stops, seconds = np.array([a, b], dtype=np.int32), np.array([0.0, 600.0])
    # On the timetable, whatever B catches A catches 10 minutes earlier: B is pruned.
    assert useful(net, stops, seconds, egress=False).tolist() == [True, False]
    # 15 minutes lost between A and B: leaving at 08:01, only B (at 08:25) catches it.
    late = one_trip_overlay(net, delay_from=1)
    assert useful(net, stops, seconds, egress=False, overlay=late).tolist() == [True, True]
    offsets = [Offset(StopIdx(a), 0, "walk"), Offset(StopIdx(b), 600, "walk")]
    egress = [Offset(StopIdx(net.get_stop("C")), 0, "walk")]
    found = search(net, offsets, egress, QUERY_DAY, hms("08:01"), overlay=late)
    assert [(j.departure_s, j.arrival_s) for j in found] == [(hms("08:15"), hms("08:35"))]


def test_a_stop_some_realtime_trip_skips_dominates_no_other() -> None:
    net = tiny_network([trip("t", "A 08:00, B 08:10, C 08:20")])
    stops = np.array([net.find_stop("A"), net.find_stop("B")], dtype=np.int32)
    skips_a = one_trip_overlay(net, delay_from=3, skipped_at=0)
    seconds = np.array([0.0, 600.0])
    assert useful(net, stops, seconds, egress=False, overlay=skips_a).tolist() == [True, True]
