"""Street islands: the mainland of a mode, and the nearest mainland node of a coordinate."""

from __future__ import annotations

import dataclasses

import numpy as np

from routing.street_islands import nearest_mainland, on_mainland, stop_nodes
from routing.streets import CsrGraph, StreetGraph
from tests.routing.tiny import tiny_network, trip


def _line_with_island() -> StreetGraph:
    """Nodes 0-1-2 walked both ways, 3-4 an island of their own; 100 m apart west to east."""
    pairs = [(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3)]
    indptr = np.array([0, 1, 3, 4, 5, 6], dtype=np.int32)
    walk = CsrGraph(
        indptr,
        np.array([v for _, v in pairs], dtype=np.int32),
        np.full(6, 100.0, np.float32),
        np.full(6, 1.3, np.float32),
    )
    empty = CsrGraph(np.zeros(6, np.int32), *(np.empty(0, t) for t in (np.int32, "f4", "f4")))
    return StreetGraph(
        node_osm_id=np.arange(5, dtype=np.int64),
        node_lat=np.zeros(5),
        node_lon=np.arange(5.0) * 100.0 / 111_195.0,  # about 100 m apart on the equator
        walk=walk,
        bike=empty,
        car=empty,
        stop_node=np.empty(0, np.int32),
        stop_node_dist_m=np.empty(0, np.float32),
    )


def test_the_mainland_is_the_largest_strongly_connected_part() -> None:
    streets = _line_with_island()
    assert on_mainland(streets, "walk").tolist() == [True, True, True, False, False]
    assert not on_mainland(streets, "bike").any()


def test_points_beside_the_island_get_the_nearest_mainland_node_within_the_bound() -> None:
    streets = _line_with_island()
    lon = np.array([0.0, 3.0, 4.0, np.nan]) * 100.0 / 111_195.0  # at 0, on 3, on 4, unknown
    nodes, metres = nearest_mainland(streets, "walk", np.zeros(4), lon, 150.0)
    assert nodes.tolist() == [0, 2, -1, -1]  # from node 4, node 2 is 200 m: beyond 150 m
    np.testing.assert_allclose(metres[:2], [0.0, 100.0], atol=0.5)
    assert np.isinf(metres[2:]).all()
    nothing, far = nearest_mainland(streets, "bike", np.zeros(1), lon[:1], 150.0)
    assert nothing.tolist() == [-1] and np.isinf(far).all()


def test_stop_nodes_follow_the_network_served_with_the_streets() -> None:
    """One street graph with two networks (other versions, other stops): each its own nodes."""
    streets = _line_with_island()
    near_0 = tiny_network([trip("t1", "A 08:00, B 08:10")])
    near_2 = dataclasses.replace(
        near_0, version="other", stop_lat=np.zeros(2), stop_lon=np.full(2, 200.0 / 111_195.0)
    )
    streets = dataclasses.replace(
        streets, stop_node=np.full(2, -1, np.int32), stop_node_dist_m=np.full(2, np.inf, np.float32)
    )
    assert stop_nodes(near_0, streets, "walk")[0].tolist() == [0, 0]
    assert stop_nodes(near_2, streets, "walk")[0].tolist() == [2, 2]
    assert stop_nodes(near_0, streets, "walk")[0].tolist() == [0, 0]
