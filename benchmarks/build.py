"""Build benchmark for a region: cold build (GTFS, OSM separately), cached load, memory, size.

Usage: ``.venv/bin/python benchmarks/build.py [--region porto-alegre] [--runs 3]``

Each cold build and each load runs in a fresh subprocess, so peak memory (ru_maxrss) and
load time are those of a process doing only that, imports excluded from the timings.
Targets (issue 2, 2-core machine): cold build <= 30 s, cached load <= 0.5 s,
peak memory <= 1.5 GiB, serving network <= 50 bytes per connection.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

CHILD_BUILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from hub.settings import Settings
    from hub.regions import load_region
    from feeds.build import build_network
    from routing.storage import save
    s = Settings(region=sys.argv[1])
    region = load_region(s.region, s.regions_dir, s.data_dir)
    started = time.perf_counter()
    report = build_network(region.sources(), region.osm_path(), region.build_options())
    total = time.perf_counter() - started
    save(report.network, report.streets, Path(sys.argv[2]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"total_s": total, "timings": report.timings_s, "peak_rss": rss,
                      "connections": report.network.n_connections}))
    """
)

CHILD_LOAD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    import numpy as np
    from routing.storage import load
    started = time.perf_counter()
    network, streets = load(Path(sys.argv[1]))
    # Touch every array once so the figure includes paging the data in, not just mapping it.
    touched = sum(int(np.asarray(v).sum() != 0) for v in vars(network).values()
                  if isinstance(v, np.ndarray))
    network.find_stop("none:none")
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"load_s": elapsed, "peak_rss": rss, "touched": touched}))
    """
)


def run_child(code: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, cwd=REPO
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def network_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.npy"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="porto-alegre")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "net"
        builds = []
        for i in range(args.runs):
            builds.append(run_child(CHILD_BUILD, args.region, str(out)))
            print(f"cold build {i + 1}/{args.runs}: {builds[-1]['total_s']:.2f} s", file=sys.stderr)
        loads = [run_child(CHILD_LOAD, str(out)) for _ in range(max(5, args.runs))]
        conns = int(builds[0]["connections"])
        net_b = network_bytes(out / "network")
        street_b = network_bytes(out / "streets") + sum(
            network_bytes(d) for d in (out / "streets").iterdir() if d.is_dir()
        )
    med = statistics.median
    total = med(float(b["total_s"]) for b in builds)
    steps = {k: med(float(b["timings"][k]) for b in builds) for k in builds[0]["timings"]}
    peak = max(int(b["peak_rss"]) for b in builds)
    load_s = med(float(x["load_s"]) for x in loads)
    rows = [
        ("cold build, total (median)", f"{total:.2f} s", "<= 30 s"),
        *((f"  step {k}", f"{v:.2f} s", "") for k, v in steps.items()),
        ("cached load (median, arrays touched)", f"{load_s * 1000:.0f} ms", "<= 500 ms"),
        ("peak memory of a cold build", f"{peak / 2**20:.0f} MiB", "<= 1536 MiB"),
        ("connections", f"{conns}", ""),
        ("network arrays per connection", f"{net_b / conns:.1f} B", "<= 50 B"),
        ("network + streets per connection", f"{(net_b + street_b) / conns:.1f} B", ""),
    ]
    print(f"region {args.region}, {args.runs} cold builds, {len(loads)} loads")
    for name, value, target in rows:
        print(f"{name:<40} {value:>12}  {target}")


if __name__ == "__main__":
    main()
