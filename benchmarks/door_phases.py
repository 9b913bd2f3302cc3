"""Where a door-to-door query's time goes, with two host gauges: for reading the host's slow phases.

Usage: ``.venv/bin/python benchmarks/door_phases.py [--queries 1000] [--seed 1] [--region NAME]``

The (d) queries of `benchmarks/routing.py`, planned once each (as that benchmark times them) and
as the best of three runs. Each query's time is split into the street searches' kernel (both
ends: `routing.access_kernel.coordinate_end`), the transit search's kernel
(`routing.raptor_kernels.range_query`) and the rest (Python: resolving, offsets, journeys), by
timing those two kernels where the planner calls them. The host's speed drifts with its other
tenants, and (d)'s ratio to ferrobus has fallen in slow phases while (a), pure numba, slowed
less; two gauges, a fixed pure-Python workload and (a) on fixed queries, printed with the split,
show which part of ours a slow phase hits when this is run in one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # this file's name would shadow the routing package

import routing.access as access  # noqa: E402
import routing.raptor as raptor  # noqa: E402
from benchmarks.queries import Inputs, python_gauge, timed  # noqa: E402
from benchmarks.routing import door_runner, stop_offsets  # noqa: E402
from hub.heap import freeze_long_lived  # noqa: E402
from routing.connection_scan import earliest_arrival  # noqa: E402
from routing.planner import warm_up  # noqa: E402

KERNELS = ((access, "coordinate_end"), (raptor, "range_query"))
GAUGE_QUERIES = 200


def numba_gauge(inputs: Inputs) -> float:
    """p50 of (a), the connection scan (numba), on the first `GAUGE_QUERIES` stop queries, ms."""
    net, day = inputs.network, inputs.day
    queries = inputs.stops[:GAUGE_QUERIES]
    ran = timed(lambda q: earliest_arrival(net, *stop_offsets(q), day, q[2]), queries)
    return ran.percentile(50)


def split(run: Callable[[Any], Any], queries: list[Any], repeats: int) -> np.ndarray:
    """Per query, the best of `repeats` runs: (total, street kernel, transit kernel) in ms."""
    spent = [0.0, 0.0]
    originals = [getattr(module, name) for module, name in KERNELS]

    def timer(slot: int, kernel: Callable[..., Any]) -> Callable[..., Any]:
        def clocked(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return kernel(*args)
            finally:
                spent[slot] += time.perf_counter() - started

        return clocked

    for slot, ((module, name), kernel) in enumerate(zip(KERNELS, originals, strict=True)):
        setattr(module, name, timer(slot, kernel))
    try:
        rows = []
        for query in queries:
            best = (float("inf"), 0.0, 0.0)
            for _ in range(repeats):
                spent[0] = spent[1] = 0.0
                started = time.perf_counter()
                run(query)
                best = min(best, (time.perf_counter() - started, spent[0], spent[1]))
            rows.append(best)
    finally:
        for (module, name), kernel in zip(KERNELS, originals, strict=True):
            setattr(module, name, kernel)
    return np.array(rows) * 1e3


def report(title: str, ms: np.ndarray) -> None:
    slowest = ms[np.argsort(ms[:, 0])[-max(1, len(ms) // 20) :]]
    for label, part in (("all", ms), ("slowest 5 %", slowest)):
        total, street, transit = part.mean(axis=0)
        print(
            f"{title}, {label}: mean {total:.3f} ms = street kernel {street:.3f} + transit kernel "
            f"{transit:.3f} + rest {total - street - transit:.3f}"
        )
    print(
        f"{title}: p50 {np.percentile(ms[:, 0], 50):.3f} ms, p95 {np.percentile(ms[:, 0], 95):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--region", default=None, help="region name (default: the settings')")
    args = parser.parse_args()
    inputs = Inputs.create(args.region, args.queries, args.seed)
    warm_up(inputs.network, inputs.streets)
    freeze_long_lived()
    print(
        f"gauges: python {python_gauge():.2f} ms; (a) on {GAUGE_QUERIES} queries p50 "
        f"{numba_gauge(inputs):.3f} ms"
    )
    run = door_runner(inputs)
    for query in inputs.points[:20]:
        run(query)
    report("(d) once each", split(run, inputs.points, 1))
    report("(d) best of 3", split(run, inputs.points, 3))


if __name__ == "__main__":
    main()
