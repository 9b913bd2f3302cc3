"""Pruned access and egress offsets give the transit search exactly the same Pareto answers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from routing.access import resolve, street_access
from routing.network import Network
from routing.query import AccessMode, Coordinate, Offset
from routing.raptor import search
from routing.streets import StreetGraph

pytestmark = pytest.mark.slow


def answers(
    network: Network,
    access: Sequence[Offset],
    egress: Sequence[Offset],
    day: int,
    t: int,
    **kw: Any,
) -> set[tuple[int, int, int]]:
    found = search(network, access, egress, day, t, **kw)
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
