"""The garbage collector's pauses in a running hub, read from its ``/metrics``.

The hub times every collection once it serves (`hub.heap.GcPauses`) and exposes a summary per
generation, ``hub_gc_pause_seconds``: quantiles 0.5, 0.99 and 1 (the longest) of the last
pauses, their count and their sum. `HUB_GC_FREEZE=false` serves without `gc.freeze`, for the
figures before it.
"""

from __future__ import annotations

import re
import urllib.request
from typing import Any

NAME = "hub_gc_pause_seconds"
_LINE = re.compile(NAME + r'(_sum|_count)?\{generation="(\d)"(?:,quantile="([\d.]+)")?\} (\S+)')
_FIELDS = {"0.5": "p50_ms", "0.99": "p99_ms", "1": "max_ms"}


def parse(metrics: str) -> dict[str, dict[str, Any]]:
    """``{"gen0": {"n", "p50_ms", "p99_ms", "max_ms", "total_ms"}, ...}`` from the exposition."""
    found: dict[str, dict[str, Any]] = {}
    for suffix, generation, quantile, value in _LINE.findall(metrics):
        entry = found.setdefault(f"gen{generation}", {})
        if suffix == "_count":
            entry["n"] = int(value)
        elif suffix == "_sum":
            entry["total_ms"] = round(1000 * float(value), 1)
        else:
            entry[_FIELDS[quantile]] = round(1000 * float(value), 2)
    return dict(sorted(found.items()))


def read(base: str) -> dict[str, dict[str, Any]]:
    """The pauses of the hub at `base` (of the worker that answers, with several)."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        return parse(response.read().decode())


def describe(pauses: dict[str, dict[str, Any]]) -> str:
    """One line: ``gc pauses: gen0 n 1234, p50 0.05 ms, p99 0.4 ms, max 1.2 ms; gen1 ...``."""
    parts = [
        f"{gen} n {p.get('n', 0)}, p50 {p.get('p50_ms', 0):g} ms, p99 {p.get('p99_ms', 0):g} ms,"
        f" max {p.get('max_ms', 0):g} ms"
        for gen, p in pauses.items()
    ]
    return "gc pauses: " + ("; ".join(parts) if parts else "none")
