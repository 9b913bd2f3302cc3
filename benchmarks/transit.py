"""Transit search benchmark: stop-to-stop queries on Porto Alegre, one process, timings per query.

Usage: ``.venv/bin/python benchmarks/transit.py [--queries 1000] [--seed 1] [--network DIR]
[--no-osm] [--cold] [--repeat 1]``

The network is EPTC + Trensurb (built here, with the OSM centre extract for street footpaths,
unless ``--network`` names a saved one). Queries: seeded random pairs of served stops, leaving
between 12:00 and 16:00 on 2019-05-14 (most EPTC trips of this sample run 12:00-17:00).
Each kind of search runs every query once after a warm-up (``--repeat N`` keeps the fastest
of N runs per query, to see past a busy machine); the first call of each kind, which loads
the numba kernels from their on-disk cache or compiles them (``--cold`` compiles into a fresh
cache), is reported apart.

Targets (issue 3, this 2-core machine): earliest arrival p50 <= 0.3 ms, p95 <= 1 ms; Pareto
(arrival, transfers) at a fixed departure at least as fast as nigiri (p50 1.5 ms, p95
3.5 ms, as measured for the issue); Pareto over a 60-minute window p95 <= 30 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "porto_alegre"
if "--cold" in sys.argv:  # before numba is imported: an empty cache forces compilation
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="numba-cold-")
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)

import datetime as dt  # noqa: E402

import numpy as np  # noqa: E402

from routing.connection_scan import earliest_arrival  # noqa: E402
from routing.ids import StopIdx  # noqa: E402
from routing.journey import Journey  # noqa: E402
from routing.network import Network  # noqa: E402
from routing.query import Offset  # noqa: E402
from routing.raptor import search  # noqa: E402

DAY = dt.date(2019, 5, 14)
Query = tuple[int, int, int]
Search = Callable[[Network, int, Query], list[Journey]]


def load(args: argparse.Namespace) -> Network:
    if args.network:
        from routing.storage import load as load_saved

        return load_saved(Path(args.network))[0]
    from feeds.build import build_network
    from feeds.source import BuildOptions, FeedSource

    sources = [
        FeedSource("eptc", DATA / "eptc_bus.gtfs.zip"),
        FeedSource("trensurb", DATA / "trensurb_rail.gtfs.zip"),
    ]
    osm = None if args.no_osm else DATA / "porto_alegre_center.osm.pbf"
    report = build_network(sources, osm, BuildOptions())
    if report.network is None:
        sys.exit(f"the network did not build: {report.skipped}")
    return report.network


def queries(network: Network, n: int, seed: int) -> list[Query]:
    rng = np.random.default_rng(seed)
    served = np.flatnonzero(np.diff(network.stop_pattern_ptr) > 0)
    pairs = [rng.choice(served, 2, replace=False) for _ in range(n)]
    times = rng.integers(12 * 3600, 16 * 3600, size=n)
    return [(int(a), int(b), int(t)) for (a, b), t in zip(pairs, times, strict=True)]


def stop_offsets(a: int, b: int) -> tuple[list[Offset], list[Offset]]:
    return [Offset(StopIdx(a), 0, "walk")], [Offset(StopIdx(b), 0, "walk")]


def kinds() -> dict[str, Search]:
    def pareto(
        net: Network, day: int, q: Query, *, window_s: int = 0, arrive_by: bool = False
    ) -> list[Journey]:
        access, egress = stop_offsets(q[0], q[1])
        return search(net, access, egress, day, q[2], window_s=window_s, arrive_by=arrive_by)

    def fastest(net: Network, day: int, q: Query, *, arrive_by: bool = False) -> list[Journey]:
        access, egress = stop_offsets(q[0], q[1])
        return earliest_arrival(net, access, egress, day, q[2], arrive_by=arrive_by)

    return {
        "(a) earliest arrival (connection scan)": fastest,
        "(a') earliest arrival via Pareto RAPTOR": pareto,
        "(b) Pareto arrival/transfers, fixed departure": pareto,
        "(c) Pareto over a 60-minute window": lambda n, d, q: pareto(n, d, q, window_s=3600),
        "    arrive-by, Pareto": lambda n, d, q: pareto(n, d, q, arrive_by=True),
        "    arrive-by, latest departure (scan)": lambda n, d, q: fastest(n, d, q, arrive_by=True),
    }


def measure(run: Search, network: Network, day: int, qs: list[Query], repeat: int) -> None:
    started = time.perf_counter()
    run(network, day, qs[0])
    first_ms = (time.perf_counter() - started) * 1e3
    for q in qs[1:20]:  # warm-up
        run(network, day, q)
    times, journeys = [], 0
    for q in qs:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            found = run(network, day, q)
            best = min(best, time.perf_counter() - started)
        times.append(best * 1e3)
        journeys += len(found)
    p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
    print(f"  p50 {p50:7.3f}  p95 {p95:7.3f}  max {max(times):8.3f} ms   "
          f"journeys {journeys:5d}   first call {first_ms:8.1f} ms")  # fmt: skip


def memory(network: Network) -> None:
    """Bytes per connection: the network's arrays, and what the searches derive from them."""
    from routing.connection_scan import _timetable
    from routing.raptor_frame import frame_for

    def size(arrays: Iterable[np.ndarray]) -> int:
        return sum(int(a.nbytes) for a in arrays)

    n = network.n_connections
    fields = [getattr(network, f) for f in network.__dataclass_fields__]
    own_arrays = [a for a in fields if isinstance(a, np.ndarray)]
    own = size(own_arrays)
    print(f"memory per connection ({n} connections): network arrays {own / n:.1f} B, plus")
    for reverse in (False, True):
        frame = frame_for(network, reverse)
        held = [a for a in (*frame.arrays, *vars(frame).values()) if isinstance(a, np.ndarray)]
        derived = size(a for a in held if not any(np.may_share_memory(a, o) for o in own_arrays))
        streams = size(_timetable.get(network, {}).get(reverse, ()))
        name = "arrive-by (reversed)" if reverse else "depart-at (forward)"
        print(f"  {name} frame {derived / n:.1f} B, connection-scan streams {streams / n:.1f} B")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--network", help="a saved network folder instead of building one")
    parser.add_argument("--no-osm", action="store_true", help="crow-fly footpaths only")
    parser.add_argument("--cold", action="store_true", help="compile the kernels afresh")
    parser.add_argument("--repeat", type=int, default=1, help="keep the fastest of N runs")
    args = parser.parse_args()
    network = load(args)
    day = network.day_index(DAY)
    qs = queries(network, args.queries, args.seed)
    print(f"Porto Alegre, {DAY}: {network.n_stops} stops, {network.n_connections} connections, "
          f"{len(qs)} queries 12:00-16:00, fastest of {args.repeat} run(s) each")  # fmt: skip
    for name, run in kinds().items():
        print(name)
        measure(run, network, day, qs, args.repeat)
    memory(network)


if __name__ == "__main__":
    main()
