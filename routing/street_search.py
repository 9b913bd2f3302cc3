"""Bounded shortest-path searches on the street graph (numba Dijkstra that stops early)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.geo import haversine_m
from routing.streets import F32, F64, I32, CsrGraph, StreetGraph

# A scipy.sparse.csgraph search allocates and scans arrays of n_nodes per source; this heap
# Dijkstra touches only what it settles, so a 300 m walk costs microseconds, not milliseconds.
# Its loops index with unsigned integers (``U``): numba then skips the wraparound of negative
# indices, which took almost half of a warm search's time (a 15-minute walk: 44 -> 24 us).
U = np.uint64

NodesLike = int | Sequence[int] | I32


class Attached(NamedTuple):
    """Items (stops, places) attached to street nodes: CSR over the nodes of one graph.

    The items of node ``v`` are ``items[ptr[v]:ptr[v + 1]]``.
    """

    ptr: I32
    items: I32


def attached_items(nodes: I32, n_nodes: int) -> Attached:
    """Item ``i`` on node ``nodes[i]`` (negative: on none), grouped by node."""
    nodes = np.asarray(nodes, dtype=np.int64)
    on = np.flatnonzero(nodes >= 0)
    if on.size and int(nodes[on].max()) >= n_nodes:
        raise IndexError(f"node {int(nodes[on].max())} out of range ({n_nodes} nodes)")
    order = on[np.argsort(nodes[on], kind="stable")]
    ptr = np.zeros(n_nodes + 1, dtype=np.int32)
    np.cumsum(np.bincount(nodes[on], minlength=n_nodes), out=ptr[1:])
    return Attached(ptr, order.astype(np.int32))


_NOTHING = Attached(np.zeros(1, dtype=np.int32), np.empty(0, dtype=np.int32))
# Heap entries a thread's workspace starts with. A lazy-deletion Dijkstra may push once per
# edge, but holds at any time about its frontier: a bounded search a few hundred entries,
# a whole city's a few thousand. A search that outgrows the heap doubles it (`_grown`).
HEAP_START = 4096
_local = threading.local()
_PREPARED: weakref.WeakKeyDictionary[CsrGraph, tuple[I32, I32, F32, F32]] = (
    weakref.WeakKeyDictionary()
)


class StreetTree:
    """The result of a one-to-many search: the nodes it reached, their costs and the tree.

    Only reached nodes are kept (a walk reaches a few thousand of a city's nodes), in the
    order the search reached them: ``costs[i]`` is the cost of ``nodes[i]`` in the search's
    unit (seconds, or metres for distances), ``preds[i]`` the node before it on its shortest
    path (-1 at a source). Lookups by node sort them once, when first asked.
    """

    __slots__ = ("_sorted", "costs", "n_nodes", "nodes", "preds")

    def __init__(self, nodes: I32, costs: F64, preds: I32, n_nodes: int) -> None:
        self.nodes, self.costs, self.preds, self.n_nodes = nodes, costs, preds, n_nodes
        self._sorted: tuple[I32, F64, I32] | None = None

    @property
    def cost(self) -> F64:
        """Cost per node of the graph, ``inf`` where the search did not reach."""
        dense = np.full(self.n_nodes, np.inf)
        dense[self.nodes] = self.costs
        return dense

    def cost_at(self, nodes: I32) -> F64:
        """Cost of each of `nodes` (``inf`` where not reached)."""
        keys, costs, _ = self._by_node()
        if keys.size == 0:
            return np.full(np.shape(nodes), np.inf)
        at = np.minimum(np.searchsorted(keys, nodes), keys.size - 1)
        return np.where(keys[at] == nodes, costs[at], np.inf)

    def path_to(self, node: int) -> I32:
        """Nodes from the source to `node` (both included); empty when `node` was not reached."""
        keys, _, preds = self._by_node()
        at = int(keys.searchsorted(node))
        if at >= keys.size or keys[at] != node:
            return np.empty(0, dtype=np.int32)
        found = [node]
        while (before := int(preds[at])) >= 0:
            found.append(before)
            at = int(keys.searchsorted(before))
        return np.asarray(found[::-1], dtype=np.int32)

    def _by_node(self) -> tuple[I32, F64, I32]:
        if self._sorted is None:
            order = np.argsort(self.nodes)
            self._sorted = (self.nodes[order], self.costs[order], self.preds[order])
        return self._sorted


def shortest_path_tree(
    streets: StreetGraph,
    mode: str,
    source_nodes: NodesLike,
    source_cost_s: Sequence[float] | F64 | None = None,
    max_cost_s: float = np.inf,
    speed_mps: float | None = None,
    attached: Attached | None = None,
) -> tuple[StreetTree, tuple[I32, F64]]:
    """Dijkstra from one or more sources over the `mode` graph, stopping at `max_cost_s`.

    Args:
        streets: the street graph.
        mode: ``walk``, ``bike`` or ``car``.
        source_nodes: start node(s); negative ones are ignored (unsnapped).
        source_cost_s: seconds already spent at each source (e.g. from `routing.snap.EdgeSnap`
            distances divided by the speed); zeros when None.
        max_cost_s: nodes costing more are left unreached.
        speed_mps: a uniform speed replacing the edges' own (the traveller's walking or cycling
            pace); None keeps the graph's speeds (1.3 m/s walk, 4.5 m/s bike, car free-flow).
        attached: items (e.g. stops) on the nodes, whose costs are wanted at once.

    Returns:
        The tree of the nodes reached (costs in seconds, predecessors), and the cost of each
        `attached` item the search reached (items, costs).
    """
    sources = np.array(source_nodes, dtype=np.int32, ndmin=1)
    offsets = (
        np.zeros(sources.shape, dtype=np.float64)
        if source_cost_s is None
        else np.array(source_cost_s, dtype=np.float64, ndmin=1)
    )
    if offsets.shape != sources.shape:
        raise ValueError("source_cost_s must have one value per source node")
    uniform = _uniform(speed_mps)
    return _tree(streets, mode, sources, offsets, max_cost_s, uniform, -1, attached)


def one_to_many(
    streets: StreetGraph,
    mode: str,
    source_nodes: NodesLike,
    source_cost_s: Sequence[float] | F64 | None = None,
    max_cost_s: float = np.inf,
    speed_mps: float | None = None,
) -> F64:
    """Travel time in seconds from the sources to every node (``inf`` beyond `max_cost_s`).

    Same arguments as `shortest_path_tree`; read a stop's access time as
    ``costs[streets.stop_node[stop]]`` (plus its snapping distance over the speed).
    """
    tree, _ = shortest_path_tree(streets, mode, source_nodes, source_cost_s, max_cost_s, speed_mps)
    return tree.cost


def path(
    streets: StreetGraph,
    mode: str,
    source: NodesLike,
    target: int,
    source_cost_s: Sequence[float] | F64 | None = None,
    speed_mps: float | None = None,
) -> I32:
    """The quickest node path from `source` (one node or several with costs) to `target`.

    The search stops once `target` is settled. Node coordinates along the path are the leg's
    geometry (``streets.node_lat[path]``, ``streets.node_lon[path]``); use `path_length_m` for
    its length.

    Returns:
        Node indices from the chosen source to `target`; empty when unreachable.
    """
    sources = np.array(source, dtype=np.int32, ndmin=1)
    offsets = (
        np.zeros(sources.shape, dtype=np.float64)
        if source_cost_s is None
        else np.array(source_cost_s, dtype=np.float64, ndmin=1)
    )
    tree, _ = _tree(streets, mode, sources, offsets, np.inf, _uniform(speed_mps), target)
    return tree.path_to(target)


def reached_from(indptr: I32, indices: I32, length: F32, sources: I32) -> tuple[I32, F64]:
    """Dijkstra over any CSR graph from `sources` at once: the nodes reached and their costs.

    Edge ``e`` of node ``u`` (``indptr[u] <= e < indptr[u + 1]``) leads to ``indices[e]`` at
    cost ``length[e]``; unbounded.
    """
    sources = np.asarray(sources, dtype=np.int32)
    cost, pred, mark, touched, heap_k, heap_v = search_workspace(indptr.size - 1)
    arrays = _arrays(indptr, indices, length, length)
    n, heap = _grown(
        *arrays, 1.0, sources, np.zeros(sources.size), np.inf, mark, 1, 0, cost, pred, touched,
        heap_k, heap_v,
    )  # fmt: skip
    keep_heap(heap)
    nodes = touched[:n].copy()
    costs = cost[nodes]
    cost[nodes], pred[nodes] = np.inf, -1
    return nodes, costs


def path_length_m(streets: StreetGraph, nodes: I32) -> float:
    """Length in metres of a node path (the sum of its great-circle segments)."""
    if nodes.shape[0] < 2:
        return 0.0
    lat, lon = streets.node_lat[nodes], streets.node_lon[nodes]
    return float(np.sum(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])))


def distances_between(
    streets: StreetGraph, mode: str, from_nodes: NodesLike, to_nodes: NodesLike, max_m: float
) -> F64:
    """Shortest street distance in metres for each pair ``(from_nodes[i], to_nodes[i])``.

    Pairs are grouped by source: one bounded search per distinct source, stopped once all its
    targets are settled or `max_m` is passed (walking transfers between nearby stops).

    Returns:
        Metres per pair; ``inf`` beyond `max_m`, or when either node is negative (unsnapped).
    """
    src = np.array(from_nodes, dtype=np.int32, ndmin=1)
    dst = np.array(to_nodes, dtype=np.int32, ndmin=1)
    if src.shape != dst.shape:
        raise ValueError("from_nodes and to_nodes must have the same length")
    _check_nodes(streets, src, dst)
    graph = streets.graph(mode)
    return _pair_costs(
        *_arrays(graph.indptr, graph.indices, graph.length_m, graph.speed_mps),
        1.0,
        src,
        dst,
        float(max_m),
        streets.n_nodes,
    )


def _check_nodes(streets: StreetGraph, *nodes: I32) -> None:
    """The kernels do not check bounds: a bad index must fail here, not read stray memory."""
    for array in nodes:
        if array.size and int(array.max()) >= streets.n_nodes:
            raise IndexError(f"node {int(array.max())} out of range ({streets.n_nodes} nodes)")


def _uniform(speed_mps: float | None) -> float:
    if speed_mps is not None and speed_mps <= 0:
        raise ValueError(f"speed_mps must be positive, got {speed_mps}")
    return 0.0 if speed_mps is None else float(speed_mps)


def _arrays(indptr: I32, indices: I32, length: F32, speed: F32) -> tuple[I32, I32, F32, F32]:
    """Contiguous read-only views of a graph's arrays (no copy when already right).

    Graphs loaded from storage are read-only memory maps: passing every graph read-only keeps
    a single compiled signature per kernel instead of one per writability combination.
    """
    return (
        _read_only(indptr, np.int32),
        _read_only(indices, np.int32),
        _read_only(length, np.float32),
        _read_only(speed, np.float32),
    )


def graph_arrays(graph: CsrGraph) -> tuple[I32, I32, F32, F32]:
    """`_arrays` of a graph, made once."""
    found = _PREPARED.get(graph)
    if found is None:
        found = _PREPARED[graph] = _arrays(
            graph.indptr, graph.indices, graph.length_m, graph.speed_mps
        )
    return found


def _read_only(array: npt.NDArray[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
    view = np.ascontiguousarray(array, dtype=dtype).view(np.ndarray)
    view.flags.writeable = False
    return view


def _tree(
    streets: StreetGraph,
    mode: str,
    sources: I32,
    offsets: F64,
    max_cost: float,
    uniform: float,
    target: int,
    attached: Attached | None = None,
) -> tuple[StreetTree, tuple[I32, F64]]:
    """The search, and the `attached` items it reached with their costs."""
    graph = streets.graph(mode)
    _check_nodes(streets, sources)
    on = _NOTHING if attached is None else attached
    if on.ptr.size not in (1, streets.n_nodes + 1):
        raise ValueError("attached items are for a graph of another size")
    if target >= streets.n_nodes:
        raise IndexError(f"node {target} out of range ({streets.n_nodes} nodes)")
    cost, pred, mark, touched, heap_k, heap_v = search_workspace(streets.n_nodes)
    nodes, costs, preds, items, item_costs, heap = bounded_search(
        *graph_arrays(graph), uniform, sources, offsets, float(max_cost), target, on.ptr,
        on.items, cost, pred, mark, touched, heap_k, heap_v,
    )  # fmt: skip
    keep_heap(heap)
    return StreetTree(nodes, costs, preds, streets.n_nodes), (items, item_costs)


def search_workspace(n_nodes: int) -> tuple[F64, I32, I32, I32, F64, I32]:
    """This thread's search arrays for `n_nodes` nodes, and its heap (keys, values).

    Kept between searches (costs at inf, predecessors at -1, marks at 0: each search resets
    what it touched), so a short walk costs what it settles, not what the graph holds. The
    heap starts at `HEAP_START` entries; a search needing more grows its own copy and says
    how large it got, which `keep_heap` keeps for the thread's next searches.
    """
    ws = getattr(_local, "ws", None)
    if ws is None or ws[0].size < n_nodes:
        n = max(n_nodes, 0 if ws is None else ws[0].size)
        heap = HEAP_START if ws is None else ws[4].size
        ws = _local.ws = (
            np.full(n, np.inf), np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.int32),
            np.empty(n, dtype=np.int32), np.empty(heap, dtype=np.float64),
            np.empty(heap, dtype=np.int32),
        )  # fmt: skip
    found: tuple[F64, I32, I32, I32, F64, I32] = ws
    return found


def keep_heap(size: int) -> None:
    """This thread's heap grown to `size` entries, when a search needed that many (rare)."""
    ws = _local.ws
    if ws[4].size < size:
        heap = (np.empty(size, dtype=np.float64), np.empty(size, dtype=np.int32))
        _local.ws = (*ws[:4], *heap)


@njit(cache=True, nogil=True)
def bounded_search(
    indptr: I32, indices: I32, length: F32, speed: F32, uniform: float, sources: I32,
    offsets: F64, max_cost: float, target: int, item_ptr: I32, items: I32, cost: F64,
    pred: I32, mark: I32, touched: I32, heap_k: F64, heap_v: I32,
) -> tuple[I32, F64, I32, I32, F64, int]:  # fmt: skip
    """`_grown` on reusable arrays: nodes reached, costs, preds; items reached; heap size.

    The heap size is what the search needed, for `keep_heap`.

    Items are looked up from the nodes reached (not the reverse), so a short walk reads a few
    hundred entries of the node arrays, not one per stop of the city.

    Leaves `cost`, `pred` and `mark` as it found them (inf, -1, 0).
    """
    if target >= 0:
        mark[target] = 1
    n, heap = _grown(
        indptr, indices, length, speed, uniform, sources, offsets, max_cost, mark, 1,
        1 if target >= 0 else 0, cost, pred, touched, heap_k, heap_v,
    )  # fmt: skip
    if target >= 0:
        mark[target] = 0
    nodes = touched[:n].copy()
    costs, preds = cost[nodes], pred[nodes]
    found, found_costs = np.empty(items.size, np.int32), np.empty(items.size)
    m = 0
    if item_ptr.size > 1:
        for x in range(n):
            v = nodes[x]
            for k in range(item_ptr[v], item_ptr[v + 1]):
                found[m], found_costs[m] = items[k], costs[x]
                m += 1
    cost[nodes] = np.inf
    pred[nodes] = -1
    return nodes, costs, preds, found[:m], found_costs[:m], heap


@njit(cache=True, nogil=True)
def _grown(
    indptr: I32, indices: I32, length: F32, speed: F32, uniform: float, sources: I32,
    offsets: F64, max_cost: float, mark: I32, stamp: int, n_targets: int, cost: F64,
    pred: I32, touched: I32, heap_k: F64, heap_v: I32,
) -> tuple[int, int]:  # fmt: skip
    """`_dijkstra`, run again on a heap twice as large while it overflows.

    The search pushes the same entries in the same order whatever the heap's size, so it
    finds the same tree. The heap first holds every source at least. Returns `_dijkstra`'s
    count of touched nodes and the heap size that sufficed.
    """
    while heap_k.size <= sources.size:
        heap_k, heap_v = np.empty(2 * heap_k.size + 1), np.empty(2 * heap_v.size + 1, np.int32)
    while True:
        n = _dijkstra(
            indptr, indices, length, speed, uniform, sources, offsets, max_cost, mark, stamp,
            n_targets, cost, pred, touched, heap_k, heap_v,
        )  # fmt: skip
        if n >= 0:
            return n, heap_k.size
        for j in range(-1 - n):
            cost[touched[j]] = np.inf
            pred[touched[j]] = -1
        heap_k = np.empty(2 * heap_k.size, np.float64)
        heap_v = np.empty(2 * heap_v.size, np.int32)


@njit(cache=True, nogil=True, inline="always")
def _push(keys: F64, vals: I32, size: int, key: float, val: int) -> int:
    """Insert into the 8-ary min-heap: shallow, so a pop moves an entry fewer levels.

    Eight children (64 bytes of keys) measured quicker than four or two on a
    15-minute walk: 34.5, 36.5 and 42.9 us a search.
    """
    i = size
    while i > 0:
        parent = (i - 1) >> 3
        if keys[U(parent)] <= key:
            break
        keys[U(i)] = keys[U(parent)]
        vals[U(i)] = vals[U(parent)]
        i = parent
    keys[U(i)] = key
    vals[U(i)] = val
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(keys: F64, vals: I32, size: int) -> int:
    """Remove the root of the 8-ary heap (read it first); returns the new size."""
    size -= 1
    key, val = keys[U(size)], vals[U(size)]
    i = 0
    while True:
        first = 8 * i + 1
        if first >= size:
            break
        child, best = first, keys[U(first)]
        for c in range(first + 1, min(first + 8, size)):
            if keys[U(c)] < best:
                child, best = c, keys[U(c)]
        if key <= best:
            break
        keys[U(i)] = best
        vals[U(i)] = vals[U(child)]
        i = child
    keys[U(i)] = key
    vals[U(i)] = val
    return size


@njit(cache=True, nogil=True)
def _dijkstra(
    indptr: I32,
    indices: I32,
    length: F32,
    speed: F32,
    uniform: float,
    sources: I32,
    offsets: F64,
    max_cost: float,
    mark: I32,
    stamp: int,
    n_targets: int,
    cost: F64,
    pred: I32,
    touched: I32,
    heap_k: F64,
    heap_v: I32,
) -> int:
    """Bounded multi-source Dijkstra writing `cost`/`pred` (which must start at inf / -1).

    Stops when `n_targets` (> 0) nodes with ``mark == stamp`` are settled. Returns how many
    nodes it touched, listed in `touched` so a caller can reset them for the next search;
    ``-1 - touched`` when the heap filled up (the search stopped there, unfinished). The heap
    must hold the sources.
    """
    size = 0
    n_touched = 0
    per_m = 1.0 / uniform if uniform > 0 else 0.0  # a product per edge, not a division
    for i in range(sources.shape[0]):
        s = sources[i]
        if s < 0 or offsets[i] > max_cost or offsets[i] >= cost[s]:
            continue
        if cost[s] == np.inf:
            touched[n_touched] = s
            n_touched += 1
        cost[s] = offsets[i]
        pred[s] = -1
        size = _push(heap_k, heap_v, size, offsets[i], s)
    found = 0
    while size > 0:
        k, u = heap_k[0], heap_v[0]
        size = _pop(heap_k, heap_v, size)
        if k > cost[U(u)]:
            continue  # stale entry: u was reached more cheaply since
        if mark[U(u)] == stamp:
            found += 1
            if found == n_targets:
                break
        for e in range(indptr[U(u)], indptr[U(u + 1)]):
            v = indices[U(e)]
            c = k + (
                length[U(e)] * per_m if uniform > 0 else length[U(e)] / np.float64(speed[U(e)])
            )
            if c < cost[U(v)] and c <= max_cost:
                if cost[U(v)] == np.inf:
                    touched[U(n_touched)] = v
                    n_touched += 1
                cost[U(v)] = c
                pred[U(v)] = u
                if size == heap_k.shape[0]:
                    return -1 - n_touched
                size = _push(heap_k, heap_v, size, c, v)
    return n_touched


@njit(cache=True, nogil=True)
def _pair_costs(
    indptr: I32,
    indices: I32,
    length: F32,
    speed: F32,
    uniform: float,
    src: I32,
    dst: I32,
    max_cost: float,
    n: int,
) -> F64:
    """Cost per pair, one bounded search per distinct source; work arrays reused between them."""
    out = np.full(src.shape[0], np.inf)
    cost = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int32)
    mark = np.zeros(n, dtype=np.int32)
    touched = np.empty(n, dtype=np.int32)
    heap_k = np.empty(indices.shape[0] + 2, dtype=np.float64)
    heap_v = np.empty(indices.shape[0] + 2, dtype=np.int32)
    one = np.zeros(1, dtype=np.float64)
    order = np.argsort(src, kind="mergesort")
    start = 0
    stamp = 0
    while start < order.shape[0]:
        s = src[order[start]]
        end = start
        while end < order.shape[0] and src[order[end]] == s:
            end += 1
        stamp += 1
        n_targets = 0
        for j in range(start, end):
            t = dst[order[j]]
            if t >= 0 and mark[t] != stamp:
                mark[t] = stamp
                n_targets += 1
        if s >= 0 and n_targets > 0:
            sources = np.full(1, s, dtype=np.int32)
            n_touched = _dijkstra(
                indptr, indices, length, speed, uniform, sources, one, max_cost, mark, stamp,
                n_targets, cost, pred, touched, heap_k, heap_v,
            )  # fmt: skip
            for j in range(start, end):
                t = dst[order[j]]
                if t >= 0:
                    out[order[j]] = cost[t]
            for j in range(n_touched):
                cost[touched[j]] = np.inf
        start = end
    return out
