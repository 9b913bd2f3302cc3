"""Serving memory: the network's arrays and every cache the searches derive, per connection.

Usage: ``.venv/bin/python benchmarks/memory.py [--region NAME] [--plans 200] [--seed 1]
[--threads N] [--connection-scan]``

Loads the region as the server does (`hub.reload.Reloader._load_new`: the saved folder
memory-mapped, checked, `routing.raptor.prepare`, the place index), then runs ``--plans``
queries of each kind the server answers (stop-to-stop Pareto depart-at and arrive-by, a
60-minute window, door to door walk, walk + bike, arrive-by and wheelchair, and again with a
realtime overlay) so that every lazily derived cache exists. It then walks each cache: numpy
buffers are counted once (the views of one base buffer are that buffer), memory-mapped files
apart, Python objects by `sys.getsizeof`, in the order of the table (a buffer shared with an
earlier line counts there). Per-thread caches are measured in this thread and counted
``--threads`` times (default: the settings' router threads). The connection scan's streams
exist only with ``--connection-scan``: the server never runs it.

The transit part (it scales with the timetable) is set against issue 3's 50 B/connection;
the street part scales with the OSM extract. Caches the table does not name (a new one in a
routing module) are found by sweeping the modules' weak dictionaries and thread-locals and
listed as "unnamed". The walk is checked against tracemalloc and the resident set:
everything runs once on a first load (kernels, imports), then again on a second load of the
same folder, whose growth is what serving one network costs.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import gc
import mmap
import sys
import threading
import tracemalloc
import types
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # run as a script: import the project from the repository root

import numpy as np  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from benchmarks.queries import DAY, point_queries, query_datetime  # noqa: E402
from benchmarks.transit import queries as stop_queries  # noqa: E402
from hub.integrity import check_network  # noqa: E402
from hub.networks import ensure_built, region_inputs  # noqa: E402
from hub.regions import load_region  # noqa: E402
from hub.settings import Settings  # noqa: E402
from routing import (  # noqa: E402
    access,
    connection_scan,
    itinerary,
    lower_bounds,
    network_index,
    offset_pruning,
    place_search,
    raptor,
    raptor_frame,
    snap,
    stop_links,
    street_islands,
    street_search,
)
from routing.ids import StopIdx  # noqa: E402
from routing.network import Network  # noqa: E402
from routing.place_search import place_index  # noqa: E402
from routing.planner import plan  # noqa: E402
from routing.query import Offset, Query, QueryMode  # noqa: E402
from routing.raptor_frame import DAY_CACHE_SIZE  # noqa: E402
from routing.realtime import RealtimeOverlay  # noqa: E402
from routing.storage import load, load_places  # noqa: E402
from routing.streets import StreetGraph  # noqa: E402

TARGET_B_PER_CONNECTION = 50.0
KDTREE_NODE_BYTES = 72  # scipy's ckdtreenode: nine 8-byte fields
LEAVES = (str, bytes, int, float, complex)
SKIPPED = (type, type(sys), type(len), type(lambda: 0), weakref.ref, bool)
SMALL_B = 16 * 1024  # unnamed caches below this are summed up in one line
STREET_MODULES = ("routing.access_kernel", "routing.snap", "routing.street_search")


class Size(NamedTuple):
    """Bytes on the heap (numpy buffers, Python objects) and in memory-mapped files."""

    heap: int = 0
    mapped: int = 0

    def plus(self, other: Size) -> Size:
        """Both added."""
        return Size(self.heap + other.heap, self.mapped + other.mapped)


class Walker:
    """Sizes of object graphs; each buffer and object counts the first time it is reached.

    A weak dictionary met on the way (a per-thread cache) counts only its values for `keys`:
    the network measured and what is derived from it, not the first load's.
    """

    def __init__(self, keys: Iterable[object]) -> None:
        self.seen: set[int] = set()
        self.keys = {id(k) for k in keys}
        self._held: list[object] = list(keys)  # a counted object's id must not be reused

    def size(self, *objects: object) -> Size:
        """What `objects` hold that no earlier call counted."""
        total, stack = Size(), list(objects)
        while stack:
            obj = stack.pop()
            if obj is None or isinstance(obj, SKIPPED) or not self._first(obj):
                continue
            if isinstance(obj, np.ndarray):
                total = total.plus(self._buffer(obj))
                continue
            total = total.plus(Size(sys.getsizeof(obj)))
            if isinstance(obj, weakref.WeakKeyDictionary):
                stack.extend(v for k, v in list(obj.items()) if id(k) in self.keys)
            else:
                stack.extend(_children(obj))
        return total

    def _first(self, obj: object) -> bool:
        if id(obj) in self.seen:
            return False
        self.seen.add(id(obj))
        self._held.append(obj)
        return True

    def _buffer(self, array: np.ndarray[Any, Any]) -> Size:
        """The base buffer of `array` if not counted yet (a memory map's pages as mapped)."""
        root = array
        while isinstance(root.base, np.ndarray):
            root = root.base
        if root is not array and not self._first(root):
            return Size()
        if isinstance(root.base, mmap.mmap):
            return Size(0, root.nbytes)
        return Size(root.nbytes)


def _children(obj: object) -> Iterable[object]:
    """What a Python object refers to, as far as its memory goes."""
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, tuple | list | set | frozenset):
        return obj
    if isinstance(obj, LEAVES):
        return ()
    if isinstance(obj, cKDTree):
        return [obj.data, obj.indices, np.empty(obj.size * KDTREE_NODE_BYTES, np.uint8)]
    found: list[object] = [vars(obj)] if hasattr(obj, "__dict__") else []
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                found.append(getattr(obj, name))
    return found


class Part(NamedTuple):
    """One line of the table: what it holds, and how many copies the server keeps."""

    section: str
    name: str
    objects: list[object]
    copies: int = 1


def mine(module: types.ModuleType, name: str) -> Any:
    """This thread's value `name` of a module's thread-local ``_local`` (None when unset)."""
    return getattr(getattr(module, "_local", None), name, None)


def cache(module: types.ModuleType, name: str) -> Any:
    """A module's cache (a weak dictionary), or an empty one when it has none of that name."""
    return getattr(module, name, None) or {}


def parts(net: Network, streets: StreetGraph, overlay: RealtimeOverlay, threads: int) -> list[Part]:
    """Every cache the served network has, in counting order: the network's own arrays first."""
    arrays = [v for v in vars(net).values() if isinstance(v, np.ndarray)]
    rest = [v for v in vars(net).values() if not isinstance(v, np.ndarray)]
    frames = cache(raptor_frame, "_frames").get(net, {})
    bounds = [cache(lower_bounds, "_zones").get(net)]
    slack = [cache(lower_bounds, "_slack").get(f) for f in frames.values()]
    days = cache(raptor_frame, "_days").get(net, {})
    timetable_days = [v for v in days.values() if v[0] is None]
    graphs = (streets.walk, streets.bike, streets.car)
    each = f"x{threads} threads"
    return [
        Part("transit", "network arrays (memory-mapped)", [arrays]),
        Part("transit", "network ids, names, lookups (Python)", rest),
        Part("street", "street graph arrays (memory-mapped)", [streets]),
        Part("transit", "forward frame", [frames.get(False)]),
        Part("transit", "reversed frame", [frames.get(True)]),
        Part("transit", f"per-day arrays ({len(timetable_days)} cached, at most "
             f"{DAY_CACHE_SIZE})", timetable_days),
        Part("transit", "lower bounds (zone tables)", bounds),
        Part("transit", "offset pruning tables", [cache(offset_pruning, "_TABLES").get(net)]),
        Part("transit", "itinerary index", [cache(network_index, "_INDEX").get(net)]),
        Part("transit", "connection-scan streams", [cache(connection_scan, "_timetable").get(net)]),
        Part("transit", f"RAPTOR workspaces ({each})", [mine(raptor, "workspaces")], threads),
        Part("transit", f"RAPTOR journey rows ({each})", [mine(raptor, "rows")], threads),
        Part("transit", f"pruning scratch ({each})", [mine(offset_pruning, "scratch")], threads),
        Part("transit", f"access stop slots ({each})", [mine(access, "slots")], threads),
        Part("realtime", "the overlay (built by alerts)", [overlay]),
        Part("realtime", "overlay in both frames", [cache(raptor_frame, "_realtime").get(overlay)]),
        Part("realtime", "overlay per-day arrays", [v for v in days.values() if v[0] is not None]),
        Part("realtime", "overlay pruning tables, bound slack",
             [cache(offset_pruning, "_REALTIME").get(overlay), slack]),
        Part("realtime", "connection-scan realtime streams",
             [cache(connection_scan, "_realtime").get(net)]),
        Part("street", "reversed street graph (egress)", [cache(access, "_REVERSED").get(streets)]),
        Part("street", "snap grids", [cache(snap, "_CACHE").get(streets)]),
        Part("street", "mainland masks, stops' nodes and edges",
             [cache(street_islands, "_MAINLAND").get(streets),
              cache(street_islands, "_STOP_NODES").get(streets),
              cache(street_islands, "_STOP_EDGES").get(streets)]),
        Part("street", "stop links per mode and direction",
             [cache(stop_links, "_LINKS").get(streets), cache(access, "_STOPS").get(net)]),
        Part("street", "coordinate-end kernel arrays", [cache(access, "_ENDS").get(streets)]),
        Part("street", "prepared search arrays",
             [cache(street_search, "_PREPARED").get(g) for g in graphs]),
        Part("street", "drawn footpaths cache", [cache(itinerary, "_FOOTPATHS").get(streets)]),
        Part("street", f"street search workspace ({each})", [mine(street_search, "ws")], threads),
    ]  # fmt: skip


def unnamed(walker: Walker, owners: dict[int, str], threads: int) -> list[tuple[Part, Size]]:
    """What routing's module caches hold that no line of `parts` counted.

    `owners` gives the section of each object the caches are keyed by; thread-locals go to
    the street section when their module is one of the street searches.
    """
    found = []
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("routing."):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, weakref.WeakKeyDictionary):
                for key, held in list(value.items()):
                    if id(key) in owners:
                        part = Part(owners[id(key)], f"unnamed: {name}.{attr}", [held])
                        found.append((part, walker.size(held)))
            elif isinstance(value, threading.local):
                section = "street" if name in STREET_MODULES else "transit"
                part = Part(section, f"unnamed: {name}.{attr} (x{threads} threads)", [], threads)
                found.append((part, walker.size(vars(value))))
    small: dict[str, list[Size]] = {}
    for part, size in found:
        if 0 < size.heap + size.mapped < SMALL_B:
            small.setdefault(part.section, []).append(size)
    big = [(part, size) for part, size in found if size.heap + size.mapped >= SMALL_B]
    for section, sizes in small.items():
        total = _sum(sizes)
        big.append(
            (Part(section, f"unnamed: {len(sizes)} caches under {SMALL_B // 1024} kB", []), total)
        )
    return big


def _sum(sizes: Iterable[Size]) -> Size:
    total = Size()
    for size in sizes:
        total = total.plus(size)
    return total


@dataclasses.dataclass(frozen=True, slots=True)
class Served:
    """What the server holds for one network."""

    net: Network
    streets: StreetGraph
    places: object


def load_served(folder: Path) -> Served:
    """Load `folder` as `hub.reload.Reloader._load_new` does."""
    net, streets = load(folder)
    if streets is None:
        raise SystemExit("the region has no streets: door-to-door needs OSM")
    check_network(net, streets)
    raptor.prepare(net)
    saved = load_places(folder)
    return Served(net, streets, None if saved is None else place_index(saved))


def synthetic_overlay(net: Network, day: int) -> RealtimeOverlay:
    """Every fifth trip 3 minutes late and every fiftieth cancelled on `day`."""
    ptr, trip_ptr = np.asarray(net.pattern_time_ptr), np.asarray(net.pattern_trip_ptr)
    pattern = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    n = np.diff(trip_ptr)[pattern]
    slot = trip_ptr[pattern] + (np.arange(ptr[-1]) - ptr[pattern]) % np.maximum(n, 1)
    late = slot % 5 == 0
    arrival = np.asarray(net.arrival) + 180 * late
    departure = np.asarray(net.departure) + 180 * late
    cancelled = np.zeros(len(net.trip_ids), dtype=np.bool_)
    cancelled[::50] = True
    delayed = frozenset(np.asarray(net.pattern_trips)[np.unique(slot[late])].tolist())
    return RealtimeOverlay(
        net.version, day, 0.0, arrival.astype(np.int32), departure.astype(np.int32), cancelled,
        np.zeros(arrival.size, np.bool_), np.zeros(net.n_stops, np.bool_), delayed,
    )  # fmt: skip


def run_queries(s: Served, n: int, seed: int, overlay: RealtimeOverlay, csa: bool) -> int:
    """Every kind of query the server answers, `n` of each; the number of answers."""
    net, day, found = s.net, s.net.day_index(DAY), 0
    for a, b, t in stop_queries(net, n, seed):
        ends = [Offset(StopIdx(a), 0, "walk")], [Offset(StopIdx(b), 0, "walk")]
        found += len(raptor.search(net, *ends, day, t))
        found += len(raptor.search(net, *ends, day, t + 3600, arrive_by=True))
        if t % 4 == 0:
            found += len(raptor.search(net, *ends, day, t, window_s=3600))
        if csa:
            found += len(connection_scan.earliest_arrival(net, *ends, day, t))
    walk: frozenset[QueryMode] = frozenset({"walk", "transit"})
    bike: frozenset[QueryMode] = frozenset({"walk", "bike", "transit"})
    kinds: list[tuple[frozenset[QueryMode], dict[str, Any]]] = [
        (walk, {}), (bike, {}), (walk, {"arrive_by": True}), (walk, {"wheelchair": True}),
    ]  # fmt: skip
    for q in point_queries(net, s.streets, n, seed):
        when = query_datetime(net, q.time_s)
        for modes, options in kinds:
            query = Query(q.origin, q.destination, when, modes=modes, **options)
            found += len(plan(net, s.streets, None, query).itineraries)
        for arrive_by in (False, True):
            query = Query(q.origin, q.destination, when, arrive_by=arrive_by)
            found += len(plan(net, s.streets, overlay, query).itineraries)
    return found


def rss_kb() -> dict[str, int]:
    """RssAnon and RssFile of this process, in kB, once freed memory went back to the system."""
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)  # glibc keeps freed blocks: the transient ones of queries
    lines = Path("/proc/self/status").read_text().splitlines()
    fields = (line.split() for line in lines if line.startswith(("RssAnon", "RssFile")))
    return {f[0].rstrip(":"): int(f[1]) for f in fields}


def table(rows: list[tuple[Part, Size]], n_conn: int, streets: StreetGraph) -> int:
    """Print the table; the walked heap bytes of this network (per-thread lines apart)."""
    print(f"\n{'component':<46} {'heap B':>11} {'mapped B':>11} {'B/conn':>8}")
    for section in ("transit", "realtime", "street"):
        print(f"{section}")
        total = Size()
        for part, size in rows:
            if part.section == section:
                size = Size(size.heap * part.copies, size.mapped * part.copies)
                total = total.plus(size)
                print(f"  {part.name:<44} {size.heap:>11,} {size.mapped:>11,} "
                      f"{(size.heap + size.mapped) / n_conn:>8.2f}")  # fmt: skip
        per = (total.heap + total.mapped) / n_conn
        print(f"  {section + ' total':<44} {total.heap:>11,} {total.mapped:>11,} {per:>8.2f}")
        if section == "transit":
            verdict = "PASS" if per <= TARGET_B_PER_CONNECTION else "MISS"
            print(f"  {verdict}  transit {per:.1f} B/connection <= {TARGET_B_PER_CONNECTION:.0f}")
        if section == "street":
            edges = sum(g.n_edges for g in (streets.walk, streets.bike, streets.car))
            print(f"  ({streets.n_nodes:,} street nodes, {edges:,} edges: "
                  f"{(total.heap + total.mapped) / streets.n_nodes:.0f} B/node)")  # fmt: skip
    return sum(size.heap for part, size in rows if part.copies == 1)


def measure(args: argparse.Namespace, folder: Path, threads: int) -> None:
    warm = load_served(folder)  # kernels, imports, per-thread buffers: not the network's cost
    day = warm.net.day_index(DAY)
    run_queries(warm, args.plans, args.seed, synthetic_overlay(warm.net, day), args.connection_scan)
    gc.collect()
    before = rss_kb()
    tracemalloc.start()
    served = load_served(folder)
    net = served.net
    overlay = synthetic_overlay(net, day)
    answers = run_queries(served, args.plans, args.seed, overlay, args.connection_scan)
    gc.collect()
    traced, after = tracemalloc.get_traced_memory()[0], rss_kb()
    own = tracemalloc.get_tracemalloc_memory()  # its traces: in RssAnon, not in the network's
    tracemalloc.stop()
    streets = served.streets
    frames = list(cache(raptor_frame, "_frames").get(net, {}).values())
    owners = {id(net): "transit", id(overlay): "realtime", id(streets): "street"}
    owners |= {id(f): "transit" for f in frames}
    owners |= {id(g): "street" for g in (streets.walk, streets.bike, streets.car)}
    walker = Walker([net, overlay, streets, *frames, streets.walk, streets.bike, streets.car])
    rows = [(p, walker.size(*p.objects)) for p in parts(net, streets, overlay, threads)]
    rows += unnamed(walker, owners, threads)
    places = walker.size(served.places, place_search._INDEX)
    n_conn = net.n_connections
    print(f"{args.region or 'default region'}, {DAY}: {net.n_stops} stops, {n_conn:,} connections; "
          f"{args.plans} queries of each kind, {answers} answers")  # fmt: skip
    walked = table(rows, n_conn, streets)
    print(f"places (place index: names, not connections): {places.heap + places.mapped:,} B")
    print("\ncross-check, growth of a second load of the same network and its queries")
    print(
        f"  walked heap (per-thread buffers apart, places included) {walked + places.heap:>12,} B"
    )
    print(f"  tracemalloc, traced Python and numpy allocations      {traced:>12,} B")
    anon = (after["RssAnon"] - before["RssAnon"]) * 1024
    print(f"  RssAnon growth less tracemalloc's own {own:,} B        {anon - own:>12,} B")
    print(f"  RssFile growth (mapped files' pages)                   "
          f"{(after['RssFile'] - before['RssFile']) * 1024:>12,} B")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--region", default=None, help="region name (default: the settings')")
    parser.add_argument("--plans", type=int, default=200, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None, help="router threads (settings')")
    parser.add_argument("--connection-scan", action="store_true", help="also run the CSA")
    args = parser.parse_args()
    settings = Settings()
    region = load_region(args.region or settings.region, settings.regions_dir, settings.data_dir)
    folder = Path(ensure_built(region_inputs(region, settings.cache_dir)).directory)
    measure(args, folder, args.threads or settings.plan_threads)


if __name__ == "__main__":
    main()
