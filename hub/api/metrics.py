"""`/metrics` in the Prometheus text format: requests, latencies, routing time, queue depth, GC.

Written by hand (a few counters and histograms); every observation is made on the event
loop, so no lock is needed (the GC pauses' excepted, see `hub.heap.GcPauses`). Routes are
labelled by their pattern (``/api/v1/stops/{stop_id}``) and unmatched paths as ``unmatched``,
so that the number of series stays bounded.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from hub.heap import GcPauses
from hub.problems import Handler, reject_unknown_params

BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(names: Labels, values: Labels, extra: str = "") -> str:
    pairs = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


@dataclass
class Counter:
    """A monotonically increasing count per label values."""

    name: str
    help: str
    label_names: Labels = ()
    values: dict[Labels, float] = field(default_factory=dict)

    def inc(self, labels: Labels = (), amount: float = 1.0) -> None:
        """Add `amount` to the series of `labels`."""
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def render(self) -> list[str]:
        """The exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for labels, value in sorted(self.values.items()):
            lines.append(f"{self.name}{_labels(self.label_names, labels)} {value:g}")
        return lines


@dataclass
class Histogram:
    """Observations counted into cumulative buckets, per label values."""

    name: str
    help: str
    label_names: Labels = ()
    buckets: tuple[float, ...] = BUCKETS_S
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=dict)

    def observe(self, value: float, labels: Labels = ()) -> None:
        """Count one observation of `value`."""
        counts = self.counts.get(labels)
        if counts is None:
            counts = self.counts[labels] = [0] * (len(self.buckets) + 1)
        counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sums[labels] = self.sums.get(labels, 0.0) + value

    def render(self) -> list[str]:
        """The exposition lines (``_bucket`` cumulative, ``_sum``, ``_count``)."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for labels, counts in sorted(self.counts.items()):
            total = 0
            for bound, count in zip((*self.buckets, float("inf")), counts, strict=True):
                total += count
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                series = _labels(self.label_names, labels, 'le="' + le + '"')
                lines.append(f"{self.name}_bucket{series} {total}")
            suffix = _labels(self.label_names, labels)
            lines.append(f"{self.name}_sum{suffix} {self.sums[labels]:.6f}")
            lines.append(f"{self.name}_count{suffix} {total}")
        return lines


@dataclass
class Gauge:
    """A value read when scraped."""

    name: str
    help: str
    read: Callable[[], float]

    def render(self) -> list[str]:
        """The exposition lines."""
        return [
            f"# HELP {self.name} {self.help}",
            f"# TYPE {self.name} gauge",
            f"{self.name} {self.read():g}",
        ]


@dataclass
class Metrics:
    """Every metric of one application."""

    requests: Counter = field(
        default_factory=lambda: Counter(
            "hub_http_requests_total", "HTTP requests answered.", ("route", "method", "status")
        )
    )
    latency: Histogram = field(
        default_factory=lambda: Histogram(
            "hub_http_request_duration_seconds", "Time to answer a request.", ("route",)
        )
    )
    routing: Histogram = field(
        default_factory=lambda: Histogram(
            "hub_routing_duration_seconds", "Time spent planning one request in the router."
        )
    )
    shed: Counter = field(
        default_factory=lambda: Counter(
            "hub_requests_shed_total", "Requests refused with 503 (load shedding).", ("reason",)
        )
    )
    limited: Counter = field(
        default_factory=lambda: Counter(
            "hub_rate_limited_total", "Requests refused with 429 (rate limit)."
        )
    )
    gauges: list[Gauge] = field(default_factory=list)
    gc_pauses: GcPauses = field(default_factory=GcPauses)  # timed once the hub serves

    def render(self) -> str:
        """The whole exposition text."""
        lines: list[str] = []
        for metric in (self.requests, self.latency, self.routing, self.shed, self.limited):
            lines += metric.render()
        for gauge in self.gauges:
            lines += gauge.render()
        lines += self.gc_pauses.render()
        return "\n".join(lines) + "\n"


METRICS = web.AppKey("hub_metrics", Metrics)


def route_label(request: web.Request) -> str:
    """The route's pattern, or ``unmatched`` (keeps label values bounded)."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    if resource is None or request.match_info.http_exception is not None:
        return "unmatched"
    return resource.canonical


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request (outermost middleware: it sees the final status)."""
    metrics = request.app[METRICS]
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        route = route_label(request)
        metrics.requests.inc((route, request.method, str(status)))
        metrics.latency.observe(time.perf_counter() - started, (route,))


async def metrics_handler(request: web.Request) -> web.Response:
    """The Prometheus exposition of this process's metrics."""
    reject_unknown_params(request, frozenset())
    return web.Response(
        body=request.app[METRICS].render().encode(), headers={"Content-Type": CONTENT_TYPE}
    )
