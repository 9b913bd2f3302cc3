"""Realtime benchmark: ingest speed, publish-to-delivery latency (SSE and webhooks), routing cost.

Usage: ``.venv/bin/python benchmarks/alerts.py [--sse 1000] [--webhooks 100] [--rounds 5]
[--redis redis://127.0.0.1:6379/0 [--hubs 2]]``

1. Ingest of BART's 2019-08-07 TripUpdates (40 kB) and of a synthetic ~1 MB TripUpdates feed
   made of those updates repeated (with fresh entity ids) onto the BART network.
2. The hub serves the bay-area replay in a child process (its own event loop), or `--hubs`
   processes sharing one Redis; `--sse` subscriptions (spread over the hubs) stream
   Server-Sent Events and `--webhooks` more receive signed webhooks on loopback, the
   receivers in two more processes (`benchmarks/alerts_clients.py`); an operator posts
   `--rounds` manual alerts to the first hub and each delivery's latency is taken from just
   before the POST to the arrival of its last byte.
3. Routing: the same BART queries planned on the realtime overlay and on the timetable.
4. Each hub's garbage-collector pauses while it served (`benchmarks/gc_pauses.py`; run with
   ``HUB_GC_FREEZE=false`` for those without `gc.freeze`).

Targets (issue 5): ingest of a 1 MB feed <= 200 ms; p99 delivery to 1,000 SSE clients
<= 200 ms; routing with realtime no more than 20 % slower than without.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import multiprocessing
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from google.transit import gtfs_realtime_pb2 as rt

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    # run as a script: its folder would shadow the `alerts` package with this very file
    sys.path[0] = str(REPO)

from alerts.ingest import ingest  # noqa: E402
from benchmarks import gc_pauses  # noqa: E402
from benchmarks.alerts_clients import Counter, read_streams, receive_webhooks  # noqa: E402
from feeds.build import build_network  # noqa: E402
from feeds.source import BuildOptions, FeedSource  # noqa: E402
from routing.network import Network  # noqa: E402
from routing.storage import save  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "bay_area"
TOKEN = "benchmark-operator"
DEADLINE_S = 300.0
STOP_S = 30.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed(function: Any, runs: int) -> float:
    """Median seconds of `runs` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def synthetic_feed(data: bytes, target_bytes: int) -> bytes:
    """BART's trip updates repeated (new entity ids) until the message passes `target_bytes`."""
    source = rt.FeedMessage()
    source.ParseFromString(data)
    message = rt.FeedMessage()
    message.header.CopyFrom(source.header)
    n = 0
    while message.ByteSize() < target_bytes:
        for entity in source.entity:
            copy = message.entity.add()
            copy.CopyFrom(entity)
            copy.id = f"{entity.id}-{n}"
            n += 1
    return message.SerializeToString()


def bench_ingest(bart: Network) -> dict[str, Any]:
    data = (DATA / "bart_2019-08-07.trip_updates.pb").read_bytes()
    now = 1565199921.0
    big = synthetic_feed(data, 1_000_000)
    ingest(data, "bart", bart, now)  # warm the trip index
    _, stats = ingest(big, "bart", bart, now)
    return {
        "bart_bytes": len(data),
        "bart_ms": round(1000 * timed(lambda: ingest(data, "bart", bart, now), 20), 2),
        "synthetic_bytes": len(big),
        "synthetic_entities": stats.entities,
        "synthetic_ms": round(1000 * timed(lambda: ingest(big, "bart", bart, now), 5), 1),
        "target_ms_per_mb": 200,
    }


def bench_routing(network: Network, runs: int = 5) -> dict[str, Any]:
    """Median plan time of the same BART queries with the capture's overlay and without.

    Each query is planned `runs` times both ways, alternately, and its best time kept: the
    first plan of a query warms what the next one reuses, so single timings favoured
    whichever way went second (by 5-8 %), and the machine's other load adds noise.
    """
    from alerts.fetch import Validators
    from alerts.snapshot import SnapshotBuilder
    from alerts.source_state import SourceState
    from alerts.sources import RealtimeSource
    from routing.planner import plan
    from routing.query import Query, StopRef

    body = (DATA / "bart_2019-08-07.trip_updates.pb").read_bytes()
    path = DATA / "bart_2019-08-07.trip_updates.pb"
    state = SourceState(RealtimeSource("bart", "trip_updates", path=path)).succeeded(
        1565199921.0, body, 1565199921, Validators()
    )
    overlay = SnapshotBuilder().build(network, [state], [], 1565199921.0).overlay
    stations = [s for s in network.stop_ids if s.startswith("bart:") and len(s) <= 9]
    rng = random.Random(5)
    start = dt.datetime(2019, 8, 7, 10, 45, tzinfo=network.tz)
    queries = [
        Query(
            StopRef(a),
            StopRef(b),
            start + dt.timedelta(minutes=rng.randrange(0, 75)),
        )
        for a, b in (rng.sample(stations, 2) for _ in range(60))
    ]
    for query in queries[:5]:  # compile and warm the caches of both paths
        plan(network, None, overlay, query)
        plan(network, None, None, query)
    with_rt, without = [], []
    for query in queries:
        best = [math.inf, math.inf]
        for _ in range(runs):
            for k, chosen in enumerate((overlay, None)):
                started = time.perf_counter()
                plan(network, None, chosen, query)
                best[k] = min(best[k], time.perf_counter() - started)
        with_rt.append(best[0])
        without.append(best[1])
    a, b = statistics.median(with_rt), statistics.median(without)
    return {
        "queries": len(queries),
        "runs_per_query": runs,
        "median_ms_realtime": round(1000 * a, 2),
        "median_ms_timetable": round(1000 * b, 2),
        "slowdown_pct": round(100 * (a / b - 1), 1),
        "target_pct": 20,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(directory: str, port: int, redis_url: str | None, prefix: str) -> None:
    """The hub in a child process: the bay-area replay, memory or Redis.

    Only its errors are logged (its warnings, such as the planner page's missing map, say
    nothing of the figures); SIGTERM stops it as it stops `hub serve`.
    """
    from hub import logging as hub_logging
    from hub.app import create_app
    from hub.reload import DirectorySource
    from hub.settings import Settings

    settings = Settings(
        region="bay-area",
        cache_dir=Path(directory) / "cache",
        reload_check_s=0,
        operator_tokens={"bart": TOKEN},
        webhook_allow_private=True,
        api_rate_per_min=0,
        redis_url=redis_url,
        redis_prefix=prefix,
        log_level="ERROR",
    )
    hub_logging.configure(settings.log_format, settings.log_level)
    app = create_app(
        settings, source=DirectorySource(Path(directory) / "net"), freeze_gc=settings.gc_freeze
    )
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def stop_hubs(hubs: Sequence[BaseProcess]) -> None:
    """SIGTERM every hub, then wait for each to finish its shutdown.

    One still running after `STOP_S` is killed, and said so: a second SIGTERM (what
    `multiprocessing` sends its daemons at exit) would cut its shutdown midway.
    """
    for hub in hubs:
        hub.terminate()
    for hub in hubs:
        hub.join(STOP_S)
        if hub.is_alive():
            print(f"{hub.name} still running {STOP_S:.0f} s after SIGTERM: killed", file=sys.stderr)
            hub.kill()
            hub.join()


class Receiver:
    """A receiving process of `benchmarks.alerts_clients`: its pipe and delivery counter."""

    def __init__(self, target: Any, *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.control, child_end = context.Pipe()
        self.count = context.RawValue("q", 0)
        self.process = context.Process(
            target=target, args=(*args, self.count, child_end), daemon=True
        )
        self.process.start()

    async def reply(self) -> Any:
        """The process's next message."""
        return await asyncio.to_thread(self.control.recv)

    async def arrivals(self) -> Any:
        """Stop the process; what it received."""
        self.control.send("stop")
        found = await asyncio.wait_for(self.reply(), 120)
        self.process.join(10)
        return found


async def subscribe_all(
    session: aiohttp.ClientSession, bases: list[str], bodies: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Create the subscriptions, the i-th on hub ``i % len(bases)``; each with its hub."""
    limit = asyncio.Semaphore(32)

    async def one(i: int, body: dict[str, Any]) -> dict[str, Any]:
        base = bases[i % len(bases)]
        async with limit, session.post(f"{base}/api/v1/subscriptions", json=body) as response:
            assert response.status == 201, await response.text()
            return dict(await response.json()) | {"base": base}

    return list(await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies))))


async def wait_ready(session: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/health") as response:
                if response.status == 200:
                    body = await response.json()
                    if body.get("realtime", {}).get("status") == "applied":
                        return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the hub did not start")


def stream_target(sub: dict[str, Any]) -> tuple[int, str]:
    """The port and path of a subscription's event stream."""
    port = int(sub["base"].rsplit(":", 1)[1])
    return port, f"/api/v1/subscriptions/{sub['id']}/events?token={sub['token']}"


async def bench_delivery(bases: list[str], n_sse: int, n_hooks: int, rounds: int) -> dict[str, Any]:
    """Post `rounds` alerts to the first hub; latencies to the SSE clients and the webhooks.

    The SSE streams (spread over the hubs) and the webhook receivers run in two processes of
    their own (`benchmarks.alerts_clients`); this one only posts and waits.
    """
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        for base in bases:
            await wait_ready(session, base)
        hooks = Receiver(receive_webhooks)
        _, hook_port = await hooks.reply()
        subs = await subscribe_all(session, bases, [{"lines": ["bart:1"]} for _ in range(n_sse)])
        url = f"http://127.0.0.1:{hook_port}/hook"
        hooked = [{"lines": ["bart:1"], "webhook_url": f"{url}/{i}"} for i in range(n_hooks)]
        await subscribe_all(session, bases[:1], hooked)
        streams = Receiver(read_streams, [stream_target(s) for s in subs])
        _, opened = await streams.reply()
        await asyncio.sleep(1)  # every stream waiting
        sent: dict[str, float] = {}
        for n in range(rounds):
            started = time.time()
            sent[await post_alert(session, bases[0], n)] = started
            await wait_all(streams.count, hooks.count, (n + 1) * n_sse, (n + 1) * n_hooks)
            await asyncio.sleep(0.5)
        sse: list[tuple[str, float]] = await streams.arrivals()
        webhooks: list[tuple[str, tuple[str, float]]] = await hooks.arrivals()
        pauses = [await asyncio.to_thread(gc_pauses.read, base) for base in bases]
    arrivals = {"sse": sse, "webhook": [arrival for _, arrival in webhooks]}
    return {channel: summary(found, sent) for channel, found in arrivals.items()} | {
        "sse_clients": n_sse,
        "sse_streams_open": opened,
        "webhook_receivers": n_hooks,
        "webhook_duplicates": len(webhooks) - len({hook_id for hook_id, _ in webhooks}),
        "hubs": len(bases),
        "gc_pauses_by_hub": pauses,
        "rounds": rounds,
        "target_p99_ms_sse": 200,
    }


def summary(arrivals: list[tuple[str, float]], sent: dict[str, float]) -> dict[str, Any]:
    """Latency percentiles of the deliveries of the alerts `sent` (alert id: POST time)."""
    by_alert: dict[str, list[float]] = {alert_id: [] for alert_id in sent}
    for alert_id, arrived in arrivals:
        if alert_id in by_alert:
            by_alert[alert_id].append(arrived - sent[alert_id])
    values = [latency for found in by_alert.values() for latency in found]
    if not values:
        return {"deliveries": 0}
    return {
        "deliveries": len(values),
        "per_round": len(values) / len(sent),
        "p50_ms": round(1000 * percentile(values, 50), 1),
        "p99_ms": round(1000 * percentile(values, 99), 1),
        "max_ms": round(1000 * max(values), 1),
        "p99_ms_by_round": [round(1000 * percentile(f, 99), 1) for f in by_alert.values() if f],
    }


async def post_alert(session: aiohttp.ClientSession, base: str, n: int) -> str:
    body = {
        "feed": "bart",
        "effect": "REDUCED_SERVICE",
        "header": {"en": f"Benchmark alert {n}"},
        "active_periods": [{"start": "2019-08-07T10:00:00-07:00"}],
        "informed_entities": [{"route_id": "1"}],
    }
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with session.post(f"{base}/api/v1/alerts", json=body, headers=headers) as response:
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])


async def wait_all(sse: Counter, hooks: Counter, n_sse: int, n_hooks: int) -> None:
    """Until the receivers counted `n_sse` events and `n_hooks` webhooks (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sse.value >= n_sse and hooks.value >= n_hooks:
            return
        await asyncio.sleep(0.01)


def forget(url: str, prefix: str) -> None:
    """Delete the benchmark's keys from the shared Redis."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sse", type=int, default=1000)
    parser.add_argument("--webhooks", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default=None, help="share through this Redis URL")
    parser.add_argument("--hubs", type=int, default=1, help="hub processes (more need --redis)")
    args = parser.parse_args()
    if args.hubs > 1 and args.redis is None:
        parser.error("several hubs share their state through Redis: give --redis")
    feeds = [
        FeedSource("bart", DATA / "bart_2019.gtfs.zip"),
        FeedSource("caltrain", DATA / "caltrain_2017-2019.gtfs.zip"),
    ]
    report = build_network(feeds, None, BuildOptions())
    assert report.network is not None
    network = report.network
    results: dict[str, Any] = {"ingest": bench_ingest(network), "routing": bench_routing(network)}
    print(json.dumps(results, indent=2), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        save(network, report.streets, Path(tmp) / "net")
        ports = [free_port() for _ in range(args.hubs)]
        prefix = f"bench:{ports[0]}:"
        context = multiprocessing.get_context("spawn")
        hubs = [
            context.Process(target=serve, args=(tmp, port, args.redis, prefix), daemon=True)
            for port in ports
        ]
        for hub in hubs:
            hub.start()
        try:
            delivery = asyncio.run(
                asyncio.wait_for(
                    bench_delivery(
                        [f"http://127.0.0.1:{port}" for port in ports],
                        args.sse,
                        args.webhooks,
                        args.rounds,
                    ),
                    DEADLINE_S,
                )
            )
        finally:
            stop_hubs(hubs)
            if args.redis is not None:
                forget(args.redis, prefix)
    results["delivery"] = delivery | {"shared_through_redis": args.redis is not None}
    print(json.dumps(results, indent=2))
    for n, pauses in enumerate(delivery["gc_pauses_by_hub"]):
        print(f"hub {n} {gc_pauses.describe(pauses)}")


if __name__ == "__main__":
    main()
