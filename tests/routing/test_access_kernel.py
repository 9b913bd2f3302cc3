"""The one-call coordinate search against its steps run one by one, and street costs vs scipy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from routing.access import Endpoint, reversed_streets, street_access, street_end
from routing.access_kernel import CROW_FLY_DETOUR, NAMED, edge_links, reach_stops
from routing.geo import haversine_one
from routing.network import Network
from routing.offset_pruning import useful
from routing.snap import SnapArrays, edge_index
from routing.street_islands import snap_to_mainland, stop_edges, stop_nodes
from routing.street_search import attached_items, shortest_path_tree
from routing.streets import StreetGraph

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]

WALK = 1.3
MAX_S = 900.0


def _points(network: Network, streets: StreetGraph, n: int) -> list[tuple[float, float]]:
    """Seeded coordinates near stops on the street extract (it covers the centre only)."""
    rng = np.random.default_rng(7)
    stops = rng.choice(np.flatnonzero(streets.stop_node >= 0), n, replace=False)
    jitter = rng.normal(0, 0.002, (n, 2))
    lat, lon = network.stop_lat[stops] + jitter[:, 0], network.stop_lon[stops] + jitter[:, 1]
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


def _walk_links(network: Network, streets: StreetGraph) -> tuple[I32, I32, F64, I32]:
    """Each boardable stop's walking links (stop, node, metres), and the stops with none.

    The stops with none are sorted by latitude, as `reach_stops` reads them.

    From both ends of its nearest mainland edge, along it then straight to the stop, and
    straight from its nearest node (walking may use every edge both ways).
    """
    edges = stop_edges(network, streets, "walk")
    sa = edge_index(streets, "walk").arrays
    assert sa.a_to_b.all() and sa.b_to_a.all()
    node_of, node_m = stop_nodes(network, streets, "walk")
    boardable = (network.stop_location_type == 0) & np.isfinite(network.stop_lat)
    on = np.flatnonzero(boardable & (edges.edge >= 0))
    e, at_node = edges.edge[on], np.flatnonzero(boardable & (node_of >= 0))
    to_a = edges.position[on] * sa.length_m[e]
    stop = np.concatenate([on, on, at_node]).astype(np.int32)
    node = np.concatenate([sa.a[e], sa.b[e], node_of[at_node]]).astype(np.int32)
    metres = np.concatenate([to_a, sa.length_m[e] - to_a, np.zeros(at_node.size)])
    metres += np.concatenate([edges.offset_m[on], edges.offset_m[on], node_m[at_node]])
    off = np.flatnonzero(boardable & (edges.edge < 0) & (node_of < 0)).astype(np.int32)
    return stop, node, metres, off[np.argsort(network.stop_lat[off], kind="stable")]


def _step_by_step(
    network: Network, streets: StreetGraph, lat: float, lon: float, reverse: bool
) -> tuple[I32, I32]:
    """Snap, search, reach and prune as separate calls: (stops, whole seconds)."""
    snap = snap_to_mainland(streets, lat, lon, "walk", 500.0)
    assert snap is not None
    nodes, along = snap.arrivals() if reverse else snap.departures()
    link_stop, link_node, link_m, off = _walk_links(network, streets)
    off_lat, off_lon = network.stop_lat[off].astype(float), network.stop_lon[off].astype(float)
    graph = reversed_streets(streets, "walk") if reverse else streets
    _, (at, at_s) = shortest_path_tree(
        graph, "walk", nodes, (along + snap.offset_m) / WALK, MAX_S, WALK,
        attached=attached_items(link_node, streets.n_nodes),
    )  # fmt: skip
    slot = np.full(network.n_stops, -1, np.int32)
    none_i, none_f = np.empty(0, np.int32), np.empty(0)
    stops, seconds, _, _ = reach_stops(
        at, at_s, link_stop, link_m, off, off_lat, off_lon, lat, lon, none_i, none_f,
        WALK, MAX_S, slot,
    )  # fmt: skip
    keep = useful(network, stops, seconds, egress=reverse)
    return stops[keep], np.ceil(seconds[keep] - 1e-9).astype(np.int32)


@pytest.mark.parametrize("reverse", [False, True])
def test_one_call_equals_the_steps(
    porto_alegre_network: Network, porto_alegre_streets: StreetGraph | None, reverse: bool
) -> None:
    network, streets = porto_alegre_network, porto_alegre_streets
    assert streets is not None
    compared = 0
    for lat, lon in _points(network, streets, 60):
        if snap_to_mainland(streets, lat, lon, "walk", 500.0) is None:
            continue
        access = street_access(
            network, streets, Endpoint(lat, lon), "walk", WALK, MAX_S, reverse=reverse
        )
        stops, seconds = _step_by_step(network, streets, lat, lon, reverse)
        assert access.table.stops.tolist() == stops.tolist()
        assert access.table.duration_s.tolist() == seconds.tolist()
        compared += 1
    assert compared >= 50


def test_street_seconds_match_scipy(
    porto_alegre_network: Network, porto_alegre_streets: StreetGraph | None
) -> None:
    """The tree's cost at each reached node is scipy's Dijkstra from the snapped edge's ends."""
    network, streets = porto_alegre_network, porto_alegre_streets
    assert streets is not None
    g = streets.walk
    n = streets.n_nodes
    matrix = sp.csr_matrix((g.length_m.astype(np.float64), g.indices, g.indptr), shape=(n, n))
    checked = 0
    for lat, lon in _points(network, streets, 20):
        snap = street_end(streets, Endpoint(lat, lon), "walk", WALK).snap
        if snap is None:
            continue  # off the centre extract
        access = street_access(network, streets, Endpoint(lat, lon), "walk", WALK, MAX_S)
        assert access.tree is not None
        nodes, along = snap.departures()
        start = np.full(n, np.inf)
        for node, d in zip(nodes.tolist(), (along + snap.offset_m).tolist(), strict=True):
            start[node] = min(start[node], d)
        best = np.min(
            [dijkstra(matrix, indices=int(v), limit=MAX_S * WALK) + start[v] for v in nodes],
            axis=0,
        )
        tree = access.tree
        np.testing.assert_allclose(tree.costs, best[tree.nodes] / WALK, rtol=1e-9, atol=1e-6)
        inside = np.flatnonzero(best / WALK <= MAX_S - 1e-6)
        assert set(inside.tolist()) <= set(tree.nodes.tolist())
        checked += 1
    assert checked >= 15


def test_edge_links_follow_the_edge_directions() -> None:
    """On a one-way edge a -> b a stop is reached from a only, and left towards b only."""
    one_way = SnapArrays(
        1.0, 0.0, 0.0, 100.0, 1, 1, np.zeros(2, np.int32), np.zeros(1, np.int32),
        np.array([4], np.int32), np.array([9], np.int32), np.array([True]), np.array([False]),
        np.array([100.0], np.float32), np.zeros((10, 2)),
    )  # fmt: skip
    stops, edge = np.array([0, 2], np.int32), np.array([0, -1, 0], np.int32)
    position, offset_m = np.array([0.3, 0.0, 1.0]), np.array([5.0, 0.0, 2.0])
    access = edge_links(one_way, stops, edge, position, offset_m, False)
    egress = edge_links(one_way, stops, edge, position, offset_m, True)
    assert [a.tolist() for a in access] == [[0, 2], [4, 4], [35.0, 102.0]]
    assert [a.tolist() for a in egress] == [[0, 2], [9, 9], [75.0, 2.0]]


def test_a_named_stop_is_reached_as_named_even_where_a_straight_line_ties() -> None:
    """The stop a query names, also off the streets at the very point, is reached as named."""
    empty_i, empty_f = np.empty(0, np.int32), np.empty(0)
    stop = np.array([3], np.int32)
    here_lat, here_lon = np.array([-30.0]), np.array([-51.2])
    stops, seconds, _, how = reach_stops(
        empty_i, empty_f, empty_i, empty_f, stop, here_lat, here_lon, -30.0, -51.2,
        stop, np.zeros(1), WALK, MAX_S, np.full(5, -1, np.int32),
    )  # fmt: skip
    assert stops.tolist() == [3] and seconds.tolist() == [0.0]
    assert how.tolist() == [NAMED]


def test_straight_lines_reach_the_stops_within_walking_and_no_others() -> None:
    """Stops off the streets, read by latitude band, are reached exactly as a full scan would.

    Stops every ~50 m north and south of the point and some far east and west: each is
    reached when its straight line, lengthened by the detour factor, is walked in time.
    """
    lat0, lon0 = -30.03, -51.23
    north = np.arange(-60, 61) * 0.00045  # ~50 m steps, ~3 km each way
    lat = np.concatenate([lat0 + north, [lat0, lat0]])
    lon = np.concatenate([np.full(north.size, lon0), [lon0 - 0.05, lon0 + 0.05]])
    order = np.argsort(lat, kind="stable")
    stops = np.arange(lat.size, dtype=np.int32)[order]
    empty_i, empty_f = np.empty(0, np.int32), np.empty(0)
    found, seconds, _, _ = reach_stops(
        empty_i, empty_f, empty_i, empty_f, stops, lat[order], lon[order], lat0, lon0,
        empty_i, empty_f, WALK, MAX_S, np.full(lat.size, -1, np.int32),
    )  # fmt: skip
    walk_s = np.array([haversine_one(lat0, lon0, a, b) for a, b in zip(lat, lon, strict=True)])
    walk_s *= CROW_FLY_DETOUR / WALK
    expected = np.flatnonzero(walk_s <= MAX_S)
    assert 0 < expected.size < north.size
    assert found.tolist() == expected.tolist()
    np.testing.assert_allclose(seconds, walk_s[expected])
