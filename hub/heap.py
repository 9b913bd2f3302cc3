"""The serving process and CPython's cyclic collector: long-lived objects frozen, pauses timed.

A collection of the oldest generation examines every container object the process holds, and
holds the GIL meanwhile: once the network, its search structures, the place index and the
modules are loaded, that took 70-100 ms on a quiet machine (180-240 ms serving porto-alegre
on a busy one, in benchmarks/api_load.py), which every request in flight waited. `gc.freeze`
moves the objects alive then into a permanent generation that collections skip (there: 5-6
ms): the serving process freezes once started and again after each network swap
(`freeze_long_lived`). The thresholds are left alone: what is left are gen0/gen1 collections
of a few ms, no longer the tail.

A frozen object is still freed by reference counting when its last reference goes; only a
cycle among frozen objects waits for the collector. So each freeze first unfreezes and
collects: a network replaced since the last freeze, released by then, goes whatever its
shape. One still referenced by a request in flight at the swap is frozen again, and freed
when that request drops it (the network and its indexes hold no cycle; see tests/hub/test_heap).
That collection is the one full pause left: once at the start, once per reload. What is made
while serving (connections, subscriptions, caches filled lazily) is not frozen: a gen2
collection still examines it (10-30 ms with the thousand event streams of benchmarks/alerts.py).

`GcPauses` times each collection through `gc.callbacks`, for `/metrics` and the benchmarks.
"""

from __future__ import annotations

import gc
import time
from typing import Any

import numpy as np
import numpy.typing as npt

GENERATIONS = 3
WINDOW = 100_000  # pauses kept for the quantiles (one float and one byte each)
QUANTILES = (0.5, 0.99, 1.0)


def freeze_long_lived() -> None:
    """Collect everything, then move what survives out of the collector's reach."""
    gc.unfreeze()  # a frozen cycle (of a network replaced since) is collectable again
    gc.collect()
    gc.freeze()


class GcPauses:
    """Every collection's duration (wall clock), by generation, while installed.

    The callbacks run in whichever thread triggered the collection, never two at once (the
    collector does not re-enter), so the counts need no lock; a scrape reads them as they
    are. The quantiles are those of the last `WINDOW` pauses; counts and sums are totals.
    """

    def __init__(self, window: int = WINDOW) -> None:
        self.counts = [0] * GENERATIONS
        self.sums = [0.0] * GENERATIONS
        self._pauses = np.zeros(window, dtype=np.float64)
        self._generations = np.zeros(window, dtype=np.int8)
        self._seen = 0  # pauses recorded in all; the next one goes at `_seen % window`
        self._started: float | None = None

    def install(self) -> None:
        """Start timing collections."""
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def remove(self) -> None:
        """Stop timing collections."""
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return  # installed while a collection ran
        pause = time.perf_counter() - self._started
        self._started = None
        generation = int(info["generation"])
        self.counts[generation] += 1
        self.sums[generation] += pause
        slot = self._seen % len(self._pauses)
        self._pauses[slot] = pause
        self._generations[slot] = generation
        self._seen += 1

    def recent(self, generation: int) -> npt.NDArray[np.float64]:
        """The pauses of `generation` still in the window (seconds)."""
        kept = min(self._seen, len(self._pauses))
        found: npt.NDArray[np.float64] = self._pauses[:kept][self._generations[:kept] == generation]
        return found

    def render(self) -> list[str]:
        """The Prometheus exposition: a summary per generation (quantile 1 is the maximum)."""
        name = "hub_gc_pause_seconds"
        lines = [
            f"# HELP {name} Pauses of the cyclic garbage collector while serving, by generation"
            f" (quantiles of the last {len(self._pauses)}; 1 is the longest).",
            f"# TYPE {name} summary",
        ]
        for generation in range(GENERATIONS):
            if not self.counts[generation]:
                continue
            label = f'generation="{generation}"'
            recent = self.recent(generation)
            if recent.size:  # else all its pauses left the window
                for q, value in zip(QUANTILES, np.quantile(recent, QUANTILES), strict=True):
                    lines.append(f'{name}{{{label},quantile="{q:g}"}} {value:.6f}')
            lines.append(f"{name}_sum{{{label}}} {self.sums[generation]:.6f}")
            lines.append(f"{name}_count{{{label}}} {self.counts[generation]}")
        return lines
