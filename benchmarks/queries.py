"""Seeded benchmark queries (stop pairs, coordinate pairs), the region's network, and timing."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from benchmarks.transit import DAY
from benchmarks.transit import queries as stop_queries
from hub.networks import ensure_built, region_inputs
from hub.regions import Region, load_region
from hub.settings import Settings
from routing.network import Network
from routing.query import Coordinate
from routing.storage import load
from routing.streets import StreetGraph
from routing.timeutil import service_day_origin

Q = TypeVar("Q")
R = TypeVar("R")
P = TypeVar("P")
S = TypeVar("S")
StopQuery = tuple[int, int, int]
# Coordinates are drawn this far (at most) from a served stop with a street link.
NEAR_STOP_M = 250.0
WARM_UP = 20
__all__ = ["DAY", "stop_queries"]


@dataclass(frozen=True, slots=True)
class PointQuery:
    """A door-to-door query: two coordinates and a departure on the service day's clock."""

    origin: Coordinate
    destination: Coordinate
    time_s: int


@dataclass(frozen=True, slots=True)
class Timed(Generic[R]):
    """Per-query wall times (ms) and answers of one kind of search, and its first call."""

    ms: list[float]
    answers: list[R]
    first_ms: float

    def percentile(self, q: float) -> float:
        """The q-th percentile of the query times, in ms."""
        return float(np.percentile(self.ms, q)) if self.ms else float("nan")


def region_network(name: str | None) -> tuple[Region, Network, StreetGraph | None]:
    """The region (default: the settings' one) and its network, built into the cache if needed."""
    settings = Settings()
    region = load_region(name or settings.region, settings.regions_dir, settings.data_dir)
    folder = ensure_built(region_inputs(region, settings.cache_dir)).directory
    network, streets = load(Path(folder))
    return region, network, streets


def point_queries(network: Network, streets: StreetGraph, n: int, seed: int) -> list[PointQuery]:
    """Seeded pairs of coordinates near served stops linked to the streets, leaving 12:00-16:00."""
    rng = np.random.default_rng(seed)
    served = np.diff(network.stop_pattern_ptr) > 0
    linked = (streets.stop_node >= 0) & (streets.stop_node_dist_m < 100)
    candidates = np.flatnonzero(served & linked)
    times = rng.integers(12 * 60, 16 * 60, size=n) * 60
    return [
        PointQuery(_near(network, int(a), rng), _near(network, int(b), rng), int(t))
        for (a, b), t in zip(
            (rng.choice(candidates, 2, replace=False) for _ in range(n)), times, strict=True
        )
    ]


def query_datetime(network: Network, time_s: int) -> dt.datetime:
    """The aware datetime of `time_s` on the benchmark's service day."""
    return service_day_origin(DAY, network.tz) + dt.timedelta(seconds=time_s)


def python_gauge() -> float:
    """Best of five, ms: a fixed workload of dicts, tuples and calls, as the planner's Python."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        table: dict[int, tuple[int, int]] = {}
        for i in range(50_000):
            table[i & 1023] = (i, len(table))
        best = min(best, time.perf_counter() - started)
    return best * 1e3


def timed(run: Callable[[Q], R], items: Sequence[Q], warm_up: int = WARM_UP) -> Timed[R]:
    """Time `run` on every item once, after a first call (reported apart) and a warm-up."""
    first_ms, _ = _clocked(run, items[0])
    for item in items[1 : warm_up + 1]:
        run(item)
    return _gathered([_clocked(run, item) for item in items], first_ms)


def paired(
    first: Callable[[Q], R],
    second: Callable[[P], S],
    items: Sequence[tuple[Q, P]],
    warm_up: int = WARM_UP,
) -> tuple[Timed[R], Timed[S]]:
    """Time `first` and `second` back to back on every item (a pair of their inputs), as `timed`.

    The host's speed drifts over minutes, so a ratio of two runs made minutes apart measures
    the drift too; back to back, both sides meet the host at the same moment. Which side goes
    first alternates from one item to the next, to cancel order effects (caches the other
    warmed or evicted). First calls (reported apart) and warm-up as in `timed`.
    """
    first_ms = (_clocked(first, items[0][0])[0], _clocked(second, items[0][1])[0])
    for x, y in items[1 : warm_up + 1]:
        first(x)
        second(y)
    xs: list[tuple[float, R]] = []
    ys: list[tuple[float, S]] = []
    for i, (x, y) in enumerate(items):
        if i % 2:
            ys.append(_clocked(second, y))
            xs.append(_clocked(first, x))
        else:
            xs.append(_clocked(first, x))
            ys.append(_clocked(second, y))
    return _gathered(xs, first_ms[0]), _gathered(ys, first_ms[1])


def _clocked(run: Callable[[Q], R], item: Q) -> tuple[float, R]:
    """The wall time (ms) of `run(item)`, and its answer."""
    started = time.perf_counter()
    answer = run(item)
    return (time.perf_counter() - started) * 1e3, answer


def _gathered(clocked: list[tuple[float, R]], first_ms: float) -> Timed[R]:
    """The `Timed` of (ms, answer) pairs."""
    return Timed([ms for ms, _ in clocked], [answer for _, answer in clocked], first_ms)


def _near(network: Network, stop: int, rng: np.random.Generator) -> Coordinate:
    """A point uniformly within NEAR_STOP_M of a stop."""
    distance = NEAR_STOP_M * np.sqrt(rng.random())
    bearing = 2 * np.pi * rng.random()
    lat = float(network.stop_lat[stop])
    dlat = distance * np.cos(bearing) / 111_320.0
    dlon = distance * np.sin(bearing) / (111_320.0 * np.cos(np.radians(lat)))
    return Coordinate(lat + dlat, float(network.stop_lon[stop]) + dlon)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What every part of one benchmark run shares: the network, the day, the queries."""

    region: Region
    network: Network
    streets: StreetGraph
    day: int
    stops: list[StopQuery]
    points: list[PointQuery]

    @classmethod
    def create(cls, region_name: str | None, n: int, seed: int) -> Inputs:
        """Load the region's network and draw `n` stop queries and `n` coordinate queries."""
        region, network, streets = region_network(region_name)
        if streets is None:
            raise SystemExit("the region's network has no streets: door-to-door needs OSM")
        # Whole minutes, as nigiri counts: the peers then see exactly our departure time.
        stops = [(a, b, t - t % 60) for a, b, t in stop_queries(network, n, seed)]
        points = point_queries(network, streets, n, seed)
        return cls(region, network, streets, network.day_index(DAY), stops, points)

    def describe(self) -> str:
        """One line: the network's size and the queries."""
        net = self.network
        return (
            f"{self.region.name}, {DAY}: {net.n_stops} stops, {net.n_connections} connections, "
            f"{len(self.stops)} stop queries and {len(self.points)} coordinate queries, "
            "departures 12:00-16:00"
        )
