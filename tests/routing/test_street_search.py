"""Street search checked against networkx's Dijkstra on the same graphs (the oracle)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.osm import load_streets
from routing import street_search
from routing.street_search import (
    distances_between,
    one_to_many,
    path,
    path_length_m,
    shortest_path_tree,
)
from routing.streets import F64, CsrGraph, StreetGraph


def graph_from_edges(n: int, edges: dict[tuple[int, int], float], speed: float = 1.0) -> CsrGraph:
    ordered = sorted(edges)
    tails = np.array([u for u, _ in ordered], dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    return CsrGraph(
        indptr=indptr,
        indices=np.array([v for _, v in ordered], dtype=np.int32),
        length_m=np.array([edges[e] for e in ordered], dtype=np.float32),
        speed_mps=np.full(len(ordered), speed, dtype=np.float32),
    )


def streets_from(n: int, walk: dict[tuple[int, int], float]) -> StreetGraph:
    empty = graph_from_edges(n, {})
    return StreetGraph(
        node_osm_id=np.arange(n, dtype=np.int64),
        node_lat=np.zeros(n),
        node_lon=(np.arange(n) * 0.001).astype(np.float64),
        walk=graph_from_edges(n, walk, speed=2.0),
        bike=empty,
        car=empty,
        stop_node=np.empty(0, np.int32),
        stop_node_dist_m=np.empty(0, np.float32),
    )


def oracle(streets: StreetGraph, mode: str, metres: bool = False) -> nx.DiGraph:
    """The mode's graph in networkx, weighted in seconds (or metres)."""
    graph = streets.graph(mode)
    tails = np.repeat(np.arange(streets.n_nodes), np.diff(graph.indptr))
    weight = graph.length_m.astype(np.float64)
    if not metres:
        weight = weight / graph.speed_mps
    g = nx.DiGraph()
    g.add_nodes_from(range(streets.n_nodes))
    g.add_weighted_edges_from(
        zip(tails.tolist(), graph.indices.tolist(), weight.tolist(), strict=True)
    )
    return g


@pytest.fixture(scope="module")
def porto_alegre(data_dir: Path) -> StreetGraph:
    return load_streets(data_dir / "porto_alegre" / "porto_alegre_center.osm.pbf")


# A line 0-1-2-3 (10 m each, two-way) and a one-way shortcut 0->3 of 25 m; node 4 isolated.
LINE = {(0, 1): 10.0, (1, 0): 10.0, (1, 2): 10.0, (2, 1): 10.0, (2, 3): 10.0, (3, 2): 10.0}
LINE[(0, 3)] = 25.0


def test_one_to_many_on_a_line() -> None:
    streets = streets_from(5, LINE)
    cost = one_to_many(streets, "walk", 0)
    np.testing.assert_allclose(cost, [0.0, 5.0, 10.0, 12.5, np.inf])
    back = one_to_many(streets, "walk", 3)
    np.testing.assert_allclose(back, [15.0, 10.0, 5.0, 0.0, np.inf])


def test_max_cost_bounds_the_search() -> None:
    streets = streets_from(5, LINE)
    cost = one_to_many(streets, "walk", 0, max_cost_s=9.0)
    np.testing.assert_allclose(cost, [0.0, 5.0, np.inf, np.inf, np.inf])


def test_several_sources_with_offsets() -> None:
    streets = streets_from(5, LINE)
    cost = one_to_many(streets, "walk", [0, 3], source_cost_s=[4.0, 1.0])
    np.testing.assert_allclose(cost, [4.0, 9.0, 6.0, 1.0, np.inf])
    with pytest.raises(ValueError, match="one value per source"):
        one_to_many(streets, "walk", [0, 3], source_cost_s=[1.0])


def test_speed_override_scales_costs() -> None:
    streets = streets_from(5, LINE)
    cost = one_to_many(streets, "walk", 0, speed_mps=1.0)
    np.testing.assert_allclose(cost[:4], [0.0, 10.0, 20.0, 25.0])
    with pytest.raises(ValueError, match="positive"):
        one_to_many(streets, "walk", 0, speed_mps=0.0)


def test_negative_source_is_ignored() -> None:
    streets = streets_from(5, LINE)
    assert np.all(np.isinf(one_to_many(streets, "walk", -1)))


def test_path_follows_the_quickest_edges() -> None:
    streets = streets_from(5, LINE)
    assert list(path(streets, "walk", 0, 3)) == [0, 3]
    assert list(path(streets, "walk", 3, 0)) == [3, 2, 1, 0]
    assert list(path(streets, "walk", 0, 0)) == [0]
    assert path(streets, "walk", 0, 4).shape == (0,)
    assert list(path(streets, "walk", [1, 3], 2, source_cost_s=[0.0, 100.0])) == [1, 2]


def test_tree_gives_every_path_of_one_search() -> None:
    streets = streets_from(5, LINE)
    tree, _ = shortest_path_tree(streets, "walk", 1)
    assert list(tree.path_to(3)) == [1, 2, 3]
    assert list(tree.path_to(0)) == [1, 0]
    assert tree.path_to(4).shape == (0,)


def test_distances_between_pairs() -> None:
    streets = streets_from(5, LINE)
    got = distances_between(streets, "walk", [0, 3, 0, 1, -1, 2, 0], [3, 0, 4, 1, 2, -1, 2], 30.0)
    np.testing.assert_allclose(got, [25.0, 30.0, np.inf, 0.0, np.inf, np.inf, 20.0])
    assert np.isinf(distances_between(streets, "walk", [3], [0], 29.0)[0])
    with pytest.raises(ValueError, match="same length"):
        distances_between(streets, "walk", [0, 1], [2], 30.0)


def test_node_out_of_range_raises() -> None:
    streets = streets_from(5, LINE)
    with pytest.raises(IndexError):
        one_to_many(streets, "walk", 5)
    with pytest.raises(IndexError):
        path(streets, "walk", 0, 7)
    with pytest.raises(IndexError):
        distances_between(streets, "walk", [0], [9], 10.0)


def test_read_only_arrays_as_from_a_memory_map() -> None:
    streets = streets_from(5, LINE)
    for array in (streets.walk.indptr, streets.walk.indices, streets.walk.length_m):
        array.setflags(write=False)
    assert distances_between(streets, "walk", [0], [3], 100.0)[0] == pytest.approx(25.0)
    assert one_to_many(streets, "walk", 0)[3] == pytest.approx(12.5)


EDGE_LISTS = st.integers(2, 25).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.dictionaries(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            st.floats(0.0, 100.0, allow_nan=False).map(lambda x: float(np.float32(x))),
            max_size=80,
        ),
    )
)


@settings(max_examples=60, deadline=None)
@given(graph=EDGE_LISTS, data=st.data())
def test_random_graphs_agree_with_networkx(
    graph: tuple[int, dict[tuple[int, int], float]], data: st.DataObject
) -> None:
    n, edges = graph
    streets = streets_from(n, edges)
    g = oracle(streets, "walk", metres=True)
    source = data.draw(st.integers(0, n - 1))
    limit = data.draw(st.floats(0.0, 300.0))
    expected = nx.single_source_dijkstra_path_length(g, source, cutoff=limit)
    cost = one_to_many(streets, "walk", source, max_cost_s=limit, speed_mps=1.0)
    assert set(np.flatnonzero(np.isfinite(cost)).tolist()) == set(expected)
    for node, d in expected.items():
        assert cost[node] == pytest.approx(d, rel=1e-9, abs=1e-9)
    targets = np.arange(n, dtype=np.int32)
    pairs = distances_between(streets, "walk", np.full(n, source, np.int32), targets, limit)
    np.testing.assert_allclose(pairs, cost, rtol=1e-9)


@pytest.mark.parametrize(("mode", "limit_s"), [("walk", 900.0), ("bike", 600.0), ("car", 300.0)])
def test_one_to_many_agrees_with_networkx_on_porto_alegre(
    porto_alegre: StreetGraph, mode: str, limit_s: float
) -> None:
    g = oracle(porto_alegre, mode)
    rng = np.random.default_rng(42)
    for source in rng.integers(0, porto_alegre.n_nodes, 6).tolist():
        expected = nx.single_source_dijkstra_path_length(g, source, cutoff=limit_s)
        cost = one_to_many(porto_alegre, mode, source, max_cost_s=limit_s)
        reached = np.flatnonzero(np.isfinite(cost))
        assert set(reached.tolist()) == set(expected)
        want = np.array([expected[n] for n in reached.tolist()])
        np.testing.assert_allclose(cost[reached], want, rtol=1e-9, atol=1e-9)


def test_distances_between_agrees_with_networkx_on_porto_alegre(porto_alegre: StreetGraph) -> None:
    g = oracle(porto_alegre, "walk", metres=True)
    rng = np.random.default_rng(3)
    sources = rng.integers(0, porto_alegre.n_nodes, 40)
    # Targets near each source (a random node among those 300 to 600 m away) or anywhere.
    to_nodes = []
    for s in sources.tolist():
        near = nx.single_source_dijkstra_path_length(g, s, cutoff=600.0)
        far = [n for n, d in near.items() if d > 300.0]
        to_nodes.append(int(rng.choice(far)) if far else int(rng.integers(porto_alegre.n_nodes)))
    from_nodes = np.concatenate([sources, sources[:20]]).astype(np.int32)
    targets = np.array(to_nodes + rng.integers(0, porto_alegre.n_nodes, 20).tolist(), np.int32)
    got = distances_between(porto_alegre, "walk", from_nodes, targets, 500.0)
    for s, t, d in zip(from_nodes.tolist(), targets.tolist(), got.tolist(), strict=True):
        try:
            want = nx.dijkstra_path_length(g, s, t)
        except nx.NetworkXNoPath:
            want = np.inf
        assert d == (pytest.approx(want, rel=1e-9) if want <= 500.0 else np.inf)
    assert np.isfinite(got).sum() > 10
    assert np.isinf(got).sum() > 10


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_paths_are_shortest_on_porto_alegre(porto_alegre: StreetGraph, mode: str) -> None:
    g = oracle(porto_alegre, mode)
    rng = np.random.default_rng(5)
    found = 0
    for s, t in rng.integers(0, porto_alegre.n_nodes, (15, 2)).tolist():
        nodes = path(porto_alegre, mode, s, t)
        if not nx.has_path(g, s, t):
            assert nodes.shape == (0,)
            continue
        found += 1
        assert nodes[0] == s and nodes[-1] == t
        hops = list(zip(nodes[:-1].tolist(), nodes[1:].tolist(), strict=True))
        cost = sum(g.edges[u, v]["weight"] for u, v in hops)
        assert cost == pytest.approx(nx.dijkstra_path_length(g, s, t), rel=1e-9)
        if mode == "walk":  # seconds at 1.3 m/s back to metres
            assert path_length_m(porto_alegre, nodes) == pytest.approx(cost * 1.3, rel=1e-4)
    assert found > 5


def test_search_works_on_a_copy_with_stops(porto_alegre: StreetGraph) -> None:
    attached = dataclasses.replace(porto_alegre, stop_node=np.array([0, 1], np.int32))
    cost = one_to_many(attached, "walk", attached.stop_node, max_cost_s=60.0)
    assert cost[0] == 0.0 and cost[1] == 0.0


def test_a_search_outgrowing_its_heap_grows_it_and_finds_the_same_costs(
    porto_alegre: StreetGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread's heap starts small: an unbounded bike search overflows it many times."""
    monkeypatch.setattr(street_search, "HEAP_START", 1)
    g = oracle(porto_alegre, "bike")
    source = int(np.flatnonzero(np.diff(porto_alegre.bike.indptr) > 0)[0])
    expected = nx.single_source_dijkstra_path_length(g, source)
    found: list[tuple[F64, int]] = []

    def fresh_thread() -> None:
        cost = one_to_many(porto_alegre, "bike", source)
        found.append((cost, street_search.search_workspace(porto_alegre.n_nodes)[4].size))

    worker = threading.Thread(target=fresh_thread)
    worker.start()
    worker.join()
    cost, heap = found[0]
    reached = np.flatnonzero(np.isfinite(cost))
    assert set(reached.tolist()) == set(expected)
    want = np.array([expected[n] for n in reached.tolist()])
    np.testing.assert_allclose(cost[reached], want, rtol=1e-9, atol=1e-9)
    assert 1 < heap < porto_alegre.bike.n_edges  # grown, yet to its frontier, not every edge
