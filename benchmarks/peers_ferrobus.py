"""The ferrobus peer (a Rust RAPTOR on PyPI): door-to-door earliest arrival, OSM walks.

Each query is timed back to back with ours on it (`benchmarks.queries.paired`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import ferrobus
import numpy as np

from benchmarks.ferrobus_causes import Rules, breakdown
from benchmarks.peers_nigiri import quiet_stderr
from benchmarks.queries import DAY, Inputs, PointQuery, Timed, paired

R = TypeVar("R")
MAX_WALK_S = 15 * 60  # as our planner's default max_walk_min
MAX_TRANSFERS = 6
TOLERANCE_S = 60
# ferrobus walks at ferrobus_core::WALKING_SPEED, compiled in (ours: the query's, 1.3 m/s).
WALK_SPEED_MPS = 1.4
# Its footpaths join every two stops within this much walking (its default, made explicit);
# ours join stops within the region's transfer radius (300 m in a straight line).
FOOTPATH_LIMIT_S = 1200


@dataclass(frozen=True, slots=True)
class Answer:
    """One ferrobus answer: arrival on the day's clock (None: none), transit used, route-only ms."""

    arrival_s: int | None
    used_transit: bool
    route_ms: float


class Ferrobus:
    """A ferrobus model of the OSM extract and the feeds' folders for one service date."""

    def __init__(self, osm: Path, folders: Sequence[Path], day: dt.date) -> None:
        """Build the model (street network, RAPTOR timetable of `day`, stop links)."""
        with quiet_stderr():
            self.model = ferrobus.create_transit_model(
                str(osm), [str(f) for f in folders], day, FOOTPATH_LIMIT_S
            )

    def route(self, query: PointQuery) -> Answer:
        """Snap both ends (their walks to nearby stops), then the fastest walk+transit route."""
        origin = self._point(query.origin.lat, query.origin.lon)
        destination = self._point(query.destination.lat, query.destination.lon)
        if origin is None or destination is None:
            return Answer(None, False, 0.0)
        started = time.perf_counter()
        found = ferrobus.find_route(self.model, origin, destination, query.time_s, MAX_TRANSFERS)
        route_ms = (time.perf_counter() - started) * 1e3
        if found is None:
            return Answer(None, False, route_ms)
        arrival = query.time_s + int(found["travel_time_seconds"])
        return Answer(arrival, bool(found["used_transit"]), route_ms)

    def journey(self, query: PointQuery) -> str | None:
        """The GeoJSON legs of the journey behind `route`'s answer (not timed; may differ)."""
        origin = self._point(query.origin.lat, query.origin.lon)
        destination = self._point(query.destination.lat, query.destination.lon)
        if origin is None or destination is None:
            return None
        found: str | None = ferrobus.detailed_journey(
            self.model, origin, destination, query.time_s, MAX_TRANSFERS
        )
        return found

    def _point(self, lat: float, lon: float) -> Any:
        try:
            return ferrobus.create_transit_point(lat, lon, self.model, MAX_WALK_S)
        except (ValueError, RuntimeError):
            return None


def run_ferrobus(
    inputs: Inputs, osm: Path, folders: Sequence[Path], ours: Callable[[PointQuery], R]
) -> tuple[Ferrobus, Timed[R], Timed[Answer]]:
    """The model, and our answers and its to the coordinate queries, timed back to back per query.

    The build time is printed; ferrobus's snapping of both ends is timed with its route.
    """
    started = time.perf_counter()
    peer = Ferrobus(osm, folders, DAY)
    print(f"ferrobus: model built in {time.perf_counter() - started:.2f} s")
    mine, theirs = paired(ours, peer.route, [(q, q) for q in inputs.points])
    return peer, mine, theirs


def agreement(ours: Timed[tuple[int | None, int]], theirs: Timed[Answer]) -> list[str]:
    """Lines comparing our door-to-door journeys (d) with ferrobus's fastest route."""
    same = earlier = later = only_ours = only_theirs = walk_only = 0
    for (arrival, _), answer in zip(ours.answers, theirs.answers, strict=True):
        best = answer.arrival_s if answer.used_transit else None
        walk_only += answer.arrival_s is not None and not answer.used_transit
        if arrival is None or best is None:
            only_ours += best is None and arrival is not None
            only_theirs += arrival is None and best is not None
        elif abs(arrival - best) <= TOLERANCE_S:
            same += 1
        elif arrival < best:
            earlier += 1
        else:
            later += 1
    return [
        f"earliest arrival within {TOLERANCE_S} s: {same}; ours earlier: {earlier}; "
        f"ferrobus earlier: {later}; only ours found: {only_ours}; "
        f"only ferrobus found: {only_theirs}; ferrobus walk-only answers: {walk_only}",
        f"queries with a transit journey: ours {sum(a is not None for a, _ in ours.answers)}, "
        f"ferrobus {sum(a.used_transit for a in theirs.answers)}",
    ]


def route_times(theirs: Timed[Answer]) -> str:
    """A line with ferrobus's find_route times alone (its points snapped beforehand)."""
    routes = [a.route_ms for a in theirs.answers if a.arrival_s is not None]
    return (
        f"ferrobus find_route alone (points snapped beforehand): p50 "
        f"{float(np.percentile(routes, 50)):.3f} ms, p95 {float(np.percentile(routes, 95)):.3f} ms"
    )


def finds_as_many(ours: Timed[tuple[int | None, int]], theirs: Timed[Answer]) -> bool:
    """True when we find a transit journey for at least as many queries as ferrobus."""
    return sum(a is not None for a, _ in ours.answers) >= sum(
        a.used_transit for a in theirs.answers
    )


def causes(
    inputs: Inputs, feeds: Sequence[str], peer: Ferrobus,
    ours: Timed[tuple[int | None, int]], theirs: Timed[Answer],
) -> list[str]:  # fmt: skip
    """Why ferrobus arrives earlier than `ours` (found walking at `WALK_SPEED_MPS`), counted."""
    rules = Rules(
        inputs.network, inputs.streets, tuple(feeds), WALK_SPEED_MPS, MAX_WALK_S, FOOTPATH_LIMIT_S
    )
    best = [a.arrival_s if a.used_transit else None for a in theirs.answers]
    mine = [arrival for arrival, _ in ours.answers]
    return breakdown(rules, inputs.points, mine, best, peer.journey, TOLERANCE_S)
