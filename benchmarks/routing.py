"""Routing benchmark: our searches and their peers (nigiri, ferrobus) on the same seeded queries.

Usage: ``.venv/bin/python benchmarks/routing.py [--queries 1000] [--seed 1] [--region NAME]
[--skip-peers] [--scale [K]]``

Default region (Porto Alegre: EPTC + Trensurb + the OSM centre extract), service day
2019-05-14, departures 12:00-16:00, one process, warm-up excluded; the first call of each
kind is reported apart. The planner is warmed up first, as the hub does when it loads a
network (numba kernels loaded from their on-disk cache, or compiled): (b)-(e)'s first calls
find them loaded, while (a)'s connection scan, which the hub never runs, loads its kernels
and builds its streams in its first call. Kinds:
(a) stop-to-stop earliest arrival (connection scan), (b) Pareto (arrival, transfers) at a
fixed departure (RAPTOR), (c) Pareto over a 60-minute window (range RAPTOR), (d) door to door
between coordinates, walk + transit, journeys without itineraries, (e) walk + bike + transit,
the full plan (itineraries with geometry; JSON output not timed). Peers on the same queries:
nigiri for (b) (stop offsets; its own footpaths), ferrobus for (d) (OSM walking, both ends
snapped inside the timing). Both read an interpolated copy of the feeds, as ferrobus rejects
blank stop times. The host's speed drifts (by up to 30 % over minutes), so the targets'
ratios peer/ours are not taken between phases run minutes apart: each query runs on ours and
on the peer back to back (which side goes first alternates from query to query) and the ratios
come from these paired timings, printed with both sides; the peers' table holds their side.
(d') is (d) walking at ferrobus's fixed 1.4 m/s; the queries where ferrobus still arrives
earlier are counted by cause (`benchmarks.ferrobus_causes`). `benchmarks/door_phases.py` splits
(d)'s time into its street and transit kernels and the rest, with two host gauges. The host
also has phases, switching within seconds, in which everything, pure Python included, runs
1.5-3x slower; they hit absolute figures such as (a)'s (a 1,000-query kind takes well under a
second), not the paired ratios. A pure-Python gauge (`benchmarks.queries.python_gauge`) is
printed before and after our kinds as a hint of the phase a run met; it can change in between.

``--scale [K]`` also builds the feeds replicated K times (no K: about 5 million connections),
each copy under its own feed ids and moved in space and time, without OSM, and times (a) and
(b) on queries inside one copy.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # this file's name would shadow the routing package

from benchmarks.queries import (  # noqa: E402
    Inputs,
    PointQuery,
    StopQuery,
    Timed,
    python_gauge,
    query_datetime,
    timed,
)
from hub.heap import freeze_long_lived  # noqa: E402
from routing.connection_scan import earliest_arrival, stream_bytes  # noqa: E402
from routing.ids import StopIdx  # noqa: E402
from routing.journey import Journey  # noqa: E402
from routing.network import Network  # noqa: E402
from routing.planner import journeys, plan, warm_up  # noqa: E402
from routing.query import Offset, Query, QueryMode  # noqa: E402
from routing.raptor import prepare, search  # noqa: E402

# (earliest arrival on the service day's clock or None, number of journeys or itineraries)
Found = tuple[int | None, int]
Results = dict[str, Timed[Found]]
Kind = Callable[[Inputs], Timed[Found]]
# (ours, the peer's) timed back to back on each query
Paired = tuple[Timed[Found], Timed[Any]]
TARGET_CONNECTIONS = 5_000_000


def stop_offsets(q: StopQuery) -> tuple[list[Offset], list[Offset]]:
    return [Offset(StopIdx(q[0]), 0, "walk")], [Offset(StopIdx(q[1]), 0, "walk")]


def footpath_egress(network: Network, stop: int) -> list[Offset]:
    """The stop, and the stops one footpath away (taken as symmetric) with its duration.

    Our transit search never ends a journey with a footpath (egress starts aboard, as the
    planner's egress offsets hold the walks); nigiri does. This puts both on one footing.
    """
    a, b = network.transfer_ptr[stop], network.transfer_ptr[stop + 1]
    near = zip(network.transfer_to[a:b], network.transfer_s[a:b], strict=True)
    return [Offset(StopIdx(stop), 0, "walk")] + [
        Offset(StopIdx(int(u)), int(s), "walk") for u, s in near
    ]


def pareto_with_footpaths(inputs: Inputs) -> Timed[Found]:
    """(b) with the destination's footpaths as egress offsets: for agreement with nigiri."""
    net, day = inputs.network, inputs.day

    def run(q: StopQuery) -> Found:
        access = [Offset(StopIdx(q[0]), 0, "walk")]
        return found(search(net, access, footpath_egress(net, q[1]), day, q[2]))

    return timed(run, inputs.stops)


def found(js: list[Journey]) -> Found:
    return (min((j.arrival_s for j in js), default=None), len(js))


def door_query(
    network: Network,
    q: PointQuery,
    modes: frozenset[QueryMode],
    walk_speed_mps: float | None = None,
) -> Query:
    query = Query(q.origin, q.destination, query_datetime(network, q.time_s), modes=modes)
    return query if walk_speed_mps is None else replace(query, walk_speed_mps=walk_speed_mps)


def earliest(inputs: Inputs, net: Network | None = None) -> Timed[Found]:
    net, day = net or inputs.network, inputs.day
    ran = timed(lambda q: found(earliest_arrival(net, *stop_offsets(q), day, q[2])), inputs.stops)
    print(f"(a) connection-scan streams: {stream_bytes(net) / net.n_connections:.1f} B/connection")
    return ran


def pareto_runner(
    inputs: Inputs, window_s: int = 0, net: Network | None = None
) -> Callable[[StopQuery], Found]:
    """What runs one query of (b), or (c) given a window."""
    net, day = net or inputs.network, inputs.day
    return lambda q: found(search(net, *stop_offsets(q), day, q[2], window_s=window_s))


def pareto(inputs: Inputs, window_s: int = 0, net: Network | None = None) -> Timed[Found]:
    return timed(pareto_runner(inputs, window_s, net), inputs.stops)


def door_runner(
    inputs: Inputs, walk_speed_mps: float | None = None
) -> Callable[[PointQuery], Found]:
    """What runs one query of (d); at another walking speed than the query's default when given."""
    net, streets = inputs.network, inputs.streets
    modes: frozenset[QueryMode] = frozenset({"walk", "transit"})
    return lambda q: found(journeys(net, streets, None, door_query(net, q, modes, walk_speed_mps)))


def door_to_door(inputs: Inputs, walk_speed_mps: float | None = None) -> Timed[Found]:
    """(d); at another walking speed than the query's default when given (for a peer's)."""
    return timed(door_runner(inputs, walk_speed_mps), inputs.points)


def full_plan(inputs: Inputs) -> Timed[Found]:
    net, streets = inputs.network, inputs.streets
    modes: frozenset[QueryMode] = frozenset({"walk", "bike", "transit"})

    def run(q: PointQuery) -> Found:
        result = plan(net, streets, None, door_query(net, q, modes))
        arrivals = [i.arrival for i in result.itineraries]
        origin = query_datetime(net, 0)
        first = min(arrivals, default=None)
        return (None if first is None else int((first - origin).total_seconds()), len(arrivals))

    return timed(run, inputs.points)


KINDS: dict[str, Kind] = {
    "a": earliest,
    "b": pareto,
    "c": lambda inputs: pareto(inputs, window_s=3600),
    "d": door_to_door,
    "e": full_plan,
}
TITLES = {
    "a": "(a) stop-to-stop earliest arrival (CSA)",
    "b": "(b) Pareto arrival/transfers, fixed departure",
    "c": "(c) Pareto over a 60-minute window",
    "d": "(d) door to door, walk+transit (journeys)",
    "e": "(e) walk+bike+transit, full plan + geometry",
}


def tally(answer: Any) -> tuple[bool, int]:
    """(found anything, how many journeys) of our answer or a peer's."""
    if isinstance(answer, list):  # nigiri's Pareto set
        return bool(answer), len(answer)
    if isinstance(answer, tuple):  # ours
        return answer[0] is not None, answer[1]
    return bool(answer.used_transit), int(answer.arrival_s is not None)  # ferrobus


def row(title: str, t: Timed[Any]) -> str:
    tallies = [tally(a) for a in t.answers]
    hits, count = sum(h for h, _ in tallies), sum(n for _, n in tallies)
    return (
        f"{title:<48} {len(t.ms):>5} {hits:>6} {count:>7} {t.percentile(50):>8.3f} "
        f"{t.percentile(95):>8.3f} {max(t.ms):>9.3f} {t.first_ms:>10.1f}"
    )


def print_table(results: dict[str, Timed[Any]], titles: dict[str, str]) -> None:
    print(f"\n{'kind':<48} {'N':>5} {'found':>6} {'answers':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'max ms':>9} {'first ms':>10}")  # fmt: skip
    for key, t in results.items():
        print(row(titles.get(key, key), t))


def ratio(pair: Paired | None, q: float) -> float:
    """The peer's q-th percentile over ours, of timings paired query by query."""
    return math.nan if pair is None else pair[1].percentile(q) / pair[0].percentile(q)


def paired_line(title: str, peer: str, pair: Paired) -> str:
    """Both sides' percentiles of a paired timing, and their ratios."""
    ours, theirs = pair
    # `paired` runs ours first on even queries, second on odd ones: an order effect (caches,
    # a peer's worker threads still spinning) shows as a gap between these two medians.
    first, second = (float(np.percentile(ours.ms[k::2], 50)) for k in (0, 1))
    return (
        f"{title} paired with {peer}, query by query: ours p50 {ours.percentile(50):.3f} / "
        f"p95 {ours.percentile(95):.3f} ms, {peer} p50 {theirs.percentile(50):.3f} / "
        f"p95 {theirs.percentile(95):.3f} ms, ratio p50 {ratio(pair, 50):.2f} / "
        f"p95 {ratio(pair, 95):.2f}; ours p50 when run first {first:.3f}, second {second:.3f} ms"
    )


def verdict(ok: bool | None) -> str:
    """PASS, MISS, or SKIP where the run could not tell (its peers were not run)."""
    return "SKIP" if ok is None else "PASS" if ok else "MISS"


@dataclass(frozen=True, slots=True)
class Peers:
    """Ours and each peer's timings, paired query by query; do we find as many door to door."""

    nigiri: Paired | None = None  # with (b)
    ferrobus: Paired | None = None  # with (d)
    as_many: bool = False


def run_peers(inputs: Inputs, ours: Results, folder: Path) -> Peers:
    from benchmarks.feed_copies import interpolated_copies
    from benchmarks.peers_ferrobus import (
        WALK_SPEED_MPS,
        causes,
        finds_as_many,
        route_times,
        run_ferrobus,
    )
    from benchmarks.peers_ferrobus import agreement as ferrobus_agreement
    from benchmarks.peers_nigiri import agreement as nigiri_agreement
    from benchmarks.peers_nigiri import run_nigiri

    feeds = interpolated_copies(inputs.region.sources(), folder)
    print("\npeers (interpolated copies of the feeds)")
    with_nigiri = run_nigiri(inputs, feeds, pareto_runner(inputs))
    osm = inputs.region.osm_path()
    if osm is None:
        raise SystemExit("ferrobus needs the region's OSM extract")
    peer, d, ferrobus = run_ferrobus(inputs, osm, [f for _, f in feeds], door_runner(inputs))
    nigiri, with_ferrobus = with_nigiri[1], (d, ferrobus)
    print_table({"nigiri (b)": nigiri, "ferrobus (d), snapping included": ferrobus}, {})
    print(paired_line("(b)", "nigiri", with_nigiri))
    print(paired_line("(d)", "ferrobus", with_ferrobus))
    walked = pareto_with_footpaths(inputs)
    print(f"(b') ours with the destination's footpaths as egress: p50 {walked.percentile(50):.3f}"
          f" ms, p95 {walked.percentile(95):.3f} ms")  # fmt: skip
    paced = door_to_door(inputs, WALK_SPEED_MPS)
    print(f"(d') ours walking at ferrobus's {WALK_SPEED_MPS} m/s: p50 {paced.percentile(50):.3f}"
          f" ms, p95 {paced.percentile(95):.3f} ms")  # fmt: skip
    for title, lines in (
        ("(b) vs nigiri", nigiri_agreement(ours["b"], nigiri)),
        ("(b') vs nigiri", nigiri_agreement(walked, nigiri)),
        ("(d) vs ferrobus", [*ferrobus_agreement(ours["d"], ferrobus), route_times(ferrobus)]),
        (
            "(d') vs ferrobus",
            ferrobus_agreement(paced, ferrobus)
            + causes(inputs, [i for i, _ in feeds], peer, paced, ferrobus),
        ),
    ):
        print(f"{title}: " + "\n    ".join(lines))
    return Peers(with_nigiri, with_ferrobus, finds_as_many(ours["d"], ferrobus))


def print_targets(ours: Results, peers: Peers, scale: Results | None) -> None:
    a, c, e = (ours[k] for k in "ace")
    b_50, b_95, d_50, d_95 = (ratio(p, q) for p in (peers.nigiri, peers.ferrobus) for q in (50, 95))
    nigiri, ferrobus = peers.nigiri is not None, peers.ferrobus is not None
    lines: list[tuple[str, bool | None]] = [
        (f"(a) p50 {a.percentile(50):.3f} ms <= 0.3", a.percentile(50) <= 0.3),
        (f"(a) p95 {a.percentile(95):.3f} ms <= 1", a.percentile(95) <= 1.0),
        (f"(b) nigiri/ours p50 {b_50:.2f} (paired) >= 1", b_50 >= 1 if nigiri else None),
        (f"(b) nigiri/ours p95 {b_95:.2f} (paired) >= 1", b_95 >= 1 if nigiri else None),
        (f"(c) p95 {c.percentile(95):.3f} ms <= 30", c.percentile(95) <= 30),
        (f"(d) ferrobus/ours p50 {d_50:.2f} (paired) >= 1", d_50 >= 1 if ferrobus else None),
        (f"(d) ferrobus/ours p95 {d_95:.2f} (paired) >= 1", d_95 >= 1 if ferrobus else None),
        ("(d) finds at least as many journeys as ferrobus", peers.as_many if ferrobus else None),
        (f"(e) p95 {e.percentile(95):.3f} ms <= 20", e.percentile(95) <= 20),
    ]
    if scale is not None:
        p95 = scale["a"].percentile(95)
        lines.append((f"scale: (a) p95 {p95:.3f} ms <= 10", p95 <= 10))
    print("\ntargets (issue 3)")
    for text, ok in lines:
        print(f"  {verdict(ok)}  {text}")
    print(f"load average now: {Path('/proc/loadavg').read_text().strip()} ({os.cpu_count()} cores)")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--region", default=None, help="region name (default: the settings')")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument(
        "--scale", type=int, nargs="?", const=0, default=None,
        help="replicate the feeds K times (no K: about 5 million connections)",
    )  # fmt: skip
    return parser.parse_args()


def run_scale(inputs: Inputs, copies: int, folder: Path) -> Results:
    from benchmarks.feed_copies import replicated_network

    k = copies or max(1, round(TARGET_CONNECTIONS / inputs.network.n_connections))
    net, stops = replicated_network(inputs, k, folder)
    day = net.day_index(query_datetime(net, 0).date())
    scaled = Inputs(inputs.region, net, inputs.streets, day, stops, [])
    print(f"\nscale: {k} copies, {net.n_stops} stops, {net.n_connections} connections")
    results: Results = {"a": earliest(scaled), "b": pareto(scaled)}
    print_table(results, TITLES)
    return results


def main() -> None:
    args = arguments()
    inputs = Inputs.create(args.region, args.queries, args.seed)
    # As `hub serve` does once a network is loaded (hub.reload, hub.heap): derive what the
    # first queries would, load every kernel the planner calls, then freeze the heap.
    prepare(inputs.network)
    warm_up(inputs.network, inputs.streets)
    freeze_long_lived()
    print(inputs.describe())
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()}")
    before = python_gauge()
    ours: Results = {key: kind(inputs) for key, kind in KINDS.items()}
    print(f"host gauge (pure Python, best of 5) before / after our kinds: {before:.2f} / "
          f"{python_gauge():.2f} ms")  # fmt: skip
    print_table(ours, TITLES)
    peers = Peers()
    if not args.skip_peers:
        with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
            peers = run_peers(inputs, ours, Path(tmp))
    scale = None
    if args.scale is not None:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            scale = run_scale(inputs, args.scale, Path(tmp))
    print_targets(ours, peers, scale)


if __name__ == "__main__":
    main()
