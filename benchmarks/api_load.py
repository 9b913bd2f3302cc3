"""Load benchmark of the API on loopback: /plan, /places, and /health while /plan is saturated.

Usage: ``.venv/bin/python benchmarks/api_load.py [--seconds 60] [--concurrency 1,8,32,128]
[--network DIR] [--threads N] [--queue N] [--workers N] [--per-core] [--scenarios ...]``

`hub serve` runs as its own process on a free loopback port (the region is built first
when needed; ``--network`` serves a folder instead), with the demo clock and no rate limit.
Each scenario runs `--seconds` at each concurrency with the seeded query set of
`benchmarks/api_queries.py`; each client sends its next request as soon as the previous
one is answered (after a 503 it waits as Retry-After asks, capped by `--backoff-s`).
Reported: requests/s, p50/p99 latency of the accepted (2xx) answers, the share of 503
(shed) and of other errors, the server's CPU time and the load average; at the end, the
server's garbage-collector pauses by generation (`benchmarks/gc_pauses.py`; run with
``HUB_GC_FREEZE=false`` for those without `gc.freeze`).

Per core, honestly: with ``--per-core`` the server runs one worker on CPU 0 and this load
generator runs on CPU 1, so neither takes the other's core; ``ok/cpu-s`` (accepted answers
per CPU-second of the server's processes) is the capacity of one core even when other jobs
take part of it. Without it, ``--workers 2`` measures the whole machine, load generator
included. Targets (issue 4, 2-core machine): /plan >= 300 req/s per core with p99 <= 50 ms
at concurrency 32; /places >= 2,000 req/s with p99 <= 20 ms; /health p99 <= 20 ms while
/plan is saturated; beyond capacity, 503 quickly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import gc_pauses  # noqa: E402
from benchmarks.api_queries import place_paths, plan_paths  # noqa: E402

DEMO_NOW = "2019-05-14T14:00:00-03:00"
# --per-core: the server's core and the load generator's.
SERVER_CPUS, CLIENT_CPUS = {0}, {1}
SCENARIOS = ("plan", "places", "health")


@dataclass
class Tally:
    """What one scenario's clients saw."""

    latencies_ok: list[float] = field(default_factory=list)
    latencies_shed: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass(frozen=True)
class Row:
    """One line of the report."""

    scenario: str
    concurrency: int
    requests: int
    req_per_s: float
    p50_ms: float
    p99_ms: float
    shed_rate: float
    error_rate: float
    shed_p50_ms: float
    shed_p99_ms: float
    server_cpu_s: float
    ok_per_cpu_s: float
    load_average: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running `hub serve`: its base URL and process id."""

    base: str
    pid: int

    def cpu_s(self) -> float:
        """CPU seconds used so far by the server and every process it started (its workers)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    children.setdefault(_stat(entry.name)[1], []).append(int(entry.name))
        total, todo = 0.0, [self.pid]
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError):
                fields = _stat(str(pid))
                total += (fields[11] + fields[12]) / os.sysconf("SC_CLK_TCK")
            todo += children.get(pid, [])
        return total


def _stat(pid: str) -> list[int]:
    """The numeric fields of /proc/PID/stat after the command name (ppid is [1])."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return [int(x) if x.lstrip("-").isdigit() else 0 for x in text.rsplit(")", 1)[1].split()]


@contextlib.contextmanager
def served(args: argparse.Namespace) -> Iterator[Server]:
    """`hub serve` in a subprocess (on CPU 0 with `--per-core`), once /health answers."""
    port = free_port()
    env = {
        **os.environ,
        "HUB_NOW": DEMO_NOW,
        "HUB_API_RATE_PER_MIN": "0",
        "HUB_RELOAD_CHECK_S": "0",
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_PLAN_QUEUE": str(args.queue),
    }
    if args.threads:  # else the server's default (one per core, shared by the workers)
        env["HUB_PLAN_THREADS"] = str(args.threads)
    target = ["--network", str(args.network)] if args.network else []
    if args.workers > 1:
        env.setdefault("HUB_REDIS_URL", "redis://127.0.0.1:6379/0")
    command = [sys.executable, "-m", "hub", "serve", *target, "--port", str(port)]
    command += ["--workers", str(args.workers)]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, SERVER_CPUS)) if args.per_core else None,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(30)


def _wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"hub serve exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/health", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit("hub serve did not answer /health in time")


async def _client(
    session: aiohttp.ClientSession,
    base: str,
    paths: Sequence[str],
    start: int,
    stop_at: float,
    tally: Tally,
    backoff_s: float = 0.0,
) -> None:
    i = start
    while time.perf_counter() < stop_at:
        path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        try:
            async with session.get(base + path) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientError:
            tally.errors += 1
            continue
        elapsed = time.perf_counter() - began
        if 200 <= status < 300:
            tally.latencies_ok.append(elapsed)
        elif status == 503:
            tally.latencies_shed.append(elapsed)
            if backoff_s > 0:  # a well-behaved client waits as Retry-After asks (capped)
                await asyncio.sleep(min(backoff_s, float(response.headers.get("Retry-After", 1))))
        else:
            tally.errors += 1


async def _health_probe(
    session: aiohttp.ClientSession, base: str, stop_at: float, tally: Tally
) -> None:
    """One /health request every 10 ms, on its own connection, while the load runs."""
    while time.perf_counter() < stop_at:
        began = time.perf_counter()
        async with session.get(base + "/health") as response:
            await response.read()
            ok = response.status == 200
        if ok:
            tally.latencies_ok.append(time.perf_counter() - began)
        else:
            tally.errors += 1
        await asyncio.sleep(0.01)


async def run(
    base: str,
    paths: Sequence[str],
    concurrency: int,
    seconds: float,
    health: bool = False,
    backoff_s: float = 0.0,
) -> tuple[Tally, Tally, float]:
    """Load `paths` with `concurrency` clients for `seconds` (and probe /health if asked)."""
    connector = aiohttp.TCPConnector(limit=concurrency + 2)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        load, probe = Tally(), Tally()
        began = time.perf_counter()
        stop_at = began + seconds
        step = max(1, len(paths) // max(concurrency, 1))
        tasks = [
            _client(session, base, paths, k * step, stop_at, load, backoff_s)
            for k in range(concurrency)
        ]
        if health:
            tasks.append(_health_probe(session, base, stop_at, probe))
        await asyncio.gather(*tasks)
        return load, probe, time.perf_counter() - began


def row(scenario: str, concurrency: int, tally: Tally, elapsed: float, cpu_s: float) -> Row:
    ok = np.asarray(tally.latencies_ok) * 1000
    shed = np.asarray(tally.latencies_shed) * 1000
    total = ok.size + shed.size + tally.errors
    return Row(
        scenario=scenario,
        concurrency=concurrency,
        requests=total,
        req_per_s=round(ok.size / elapsed, 1),
        p50_ms=round(float(np.percentile(ok, 50)), 2) if ok.size else float("nan"),
        p99_ms=round(float(np.percentile(ok, 99)), 2) if ok.size else float("nan"),
        shed_rate=round(shed.size / total, 4) if total else 0.0,
        error_rate=round(tally.errors / total, 4) if total else 0.0,
        shed_p50_ms=round(float(np.percentile(shed, 50)), 2) if shed.size else 0.0,
        shed_p99_ms=round(float(np.percentile(shed, 99)), 2) if shed.size else 0.0,
        server_cpu_s=round(cpu_s, 2),
        ok_per_cpu_s=round(ok.size / cpu_s, 1) if cpu_s > 0 else float("nan"),
        load_average=round(os.getloadavg()[0], 2),
    )


def measured(
    server: Server,
    scenario: str,
    concurrency: int,
    paths: Sequence[str],
    args: argparse.Namespace,
) -> Row:
    """Load `paths` at `concurrency` and report it with the server's CPU time.

    The /health scenario reports its probe; /places clients retry at once after a 503.
    """
    probe = scenario.startswith("/health")
    backoff_s = 0.0 if scenario == "/places" else args.backoff_s
    before = server.cpu_s()
    load, health, elapsed = asyncio.run(
        run(server.base, paths, concurrency, args.seconds, health=probe, backoff_s=backoff_s)
    )
    result = row(scenario, concurrency, health if probe else load, elapsed, server.cpu_s() - before)
    _say(result)
    return result


def scenarios(
    server: Server, args: argparse.Namespace, plans: list[str], places: list[str]
) -> list[Row]:
    asyncio.run(run(server.base, plans[:50], 4, 3.0))  # warm up: numba kernels, caches
    chosen = [
        (name, paths)
        for key, name, paths in (
            ("plan", "/plan", plans),
            ("places", "/places", places),
            ("health", "/health under /plan", plans),
        )
        if key in args.scenarios
    ]
    return [
        measured(server, name, level, paths, args)
        for name, paths in chosen
        for level in args.concurrency
    ]


def _say(r: Row) -> None:
    print(
        f"{r.scenario:<22} c={r.concurrency:<4} {r.req_per_s:>8.1f} req/s  p50 {r.p50_ms:>7.2f} ms"
        f"  p99 {r.p99_ms:>7.2f} ms  shed {r.shed_rate:>6.1%}"
        f" (p50 {r.shed_p50_ms:.1f}, p99 {r.shed_p99_ms:.1f} ms)"
        f"  errors {r.error_rate:.1%}  ({r.requests} requests)  server {r.server_cpu_s:.1f} cpu-s"
        f" ({r.ok_per_cpu_s:.0f} ok/cpu-s)  load {r.load_average:.2f}",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per scenario and level")
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32, 128]
    )
    parser.add_argument("--network", type=Path, help="serve this folder (default: the region)")
    parser.add_argument("--threads", type=int, default=0, help="router threads (0: default)")
    parser.add_argument("--queue", type=int, default=4, help="plans in flight before 503")
    parser.add_argument(
        "--workers", type=int, default=1, help="hub serve --workers (>1 uses Redis on loopback)"
    )
    parser.add_argument(
        "--backoff-s",
        type=float,
        default=1.0,
        help="after a 503, wait Retry-After capped at this (0: retry at once, a retry storm)",
    )
    parser.add_argument(
        "--per-core",
        action="store_true",
        help="one worker on CPU 0, this load generator on CPU 1 (per-core figures)",
    )
    parser.add_argument(
        "--scenarios",
        type=lambda s: [x for x in s.split(",") if x],
        default=list(SCENARIOS),
        help=f"which of {','.join(SCENARIOS)} to run",
    )
    parser.add_argument("--seed", type=int, default=20190514)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.per_core:
        if args.workers != 1:
            parser.error("--per-core runs one worker")
        os.sched_setaffinity(0, CLIENT_CPUS)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    with served(args) as server:
        directory = args.network or Path(_served_directory(server.base))
        plans = plan_paths(directory, args.queries, args.seed)
        places = place_paths(directory, args.queries, args.seed)
        rows = scenarios(server, args, plans, places)
        pauses = gc_pauses.read(server.base)
    print(f"{gc_pauses.describe(pauses)} (server, since it serves)", flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0


def _served_directory(base: str) -> str:
    with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
        return str(json.load(response)["network"]["directory"])


if __name__ == "__main__":
    raise SystemExit(main())
