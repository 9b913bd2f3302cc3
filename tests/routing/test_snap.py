"""Snapping: nearest usable node and nearest usable edge, checked against brute force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from feeds.osm import load_streets
from routing.geo import EARTH_RADIUS_M, haversine_m
from routing.snap import attach_stops, nearest_nodes, snap_point, snap_points
from routing.streets import CsrGraph, StreetGraph


def csr(n: int, edges: list[tuple[int, int]], lat: np.ndarray, lon: np.ndarray) -> CsrGraph:
    """A CSR graph with great-circle lengths from a list of directed edges."""
    ordered = sorted(edges)
    tails = np.array([u for u, _ in ordered], dtype=np.int64)
    heads = np.array([v for _, v in ordered], dtype=np.int32)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    length = haversine_m(lat[tails], lon[tails], lat[heads], lon[heads]).astype(np.float32)
    return CsrGraph(indptr, heads, length, np.full(len(ordered), 1.3, np.float32))


def tiny(
    coords: list[tuple[float, float]],
    walk: list[tuple[int, int]],
    car: list[tuple[int, int]] | None = None,
) -> StreetGraph:
    lat = np.array([c[0] for c in coords])
    lon = np.array([c[1] for c in coords])
    n = len(coords)
    both = walk + [(v, u) for u, v in walk]
    return StreetGraph(
        node_osm_id=np.arange(n, dtype=np.int64),
        node_lat=lat,
        node_lon=lon,
        walk=csr(n, both, lat, lon),
        bike=csr(n, [], lat, lon),
        car=csr(n, car or [], lat, lon),
        stop_node=np.empty(0, np.int32),
        stop_node_dist_m=np.empty(0, np.float32),
    )


@pytest.fixture(scope="module")
def porto_alegre(data_dir: Path) -> StreetGraph:
    return load_streets(data_dir / "porto_alegre" / "porto_alegre_center.osm.pbf")


def random_points(streets: StreetGraph, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points over the extract's bounding box and a little beyond it."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(streets.node_lat.min() - 0.01, streets.node_lat.max() + 0.01, count)
    lon = rng.uniform(streets.node_lon.min() - 0.01, streets.node_lon.max() + 0.01, count)
    return lat, lon


def usable_nodes(streets: StreetGraph, mode: str) -> np.ndarray:
    graph = streets.graph(mode)
    used = np.diff(graph.indptr) > 0
    used[graph.indices] = True
    return np.flatnonzero(used)


@pytest.mark.parametrize("mode", ["walk", "bike", "car"])
def test_nearest_nodes_match_brute_force(porto_alegre: StreetGraph, mode: str) -> None:
    lat, lon = random_points(porto_alegre, 300, seed=7)
    nodes, dist = nearest_nodes(porto_alegre, lat, lon, mode=mode, max_dist_m=250.0)
    candidates = usable_nodes(porto_alegre, mode)
    for i in range(lat.shape[0]):
        d = haversine_m(
            lat[i], lon[i], porto_alegre.node_lat[candidates], porto_alegre.node_lon[candidates]
        )
        if d.min() > 250.0:
            assert nodes[i] == -1
            assert np.isinf(dist[i])
        else:
            assert nodes[i] in candidates
            assert dist[i] == pytest.approx(d.min(), abs=1e-6)
    assert (nodes >= 0).sum() > 50
    assert (nodes == -1).sum() > 10


def test_nearest_nodes_accepts_scalars(porto_alegre: StreetGraph) -> None:
    lat, lon = porto_alegre.node_lat[123], porto_alegre.node_lon[123]
    nodes, dist = nearest_nodes(porto_alegre, lat, lon)
    assert nodes.shape == (1,)
    assert dist[0] == pytest.approx(0.0, abs=1e-6)


def test_nearest_nodes_per_mode_skip_unusable_nodes() -> None:
    # Node 0 is on a footway only; a car must start from node 1.
    streets = tiny([(0.0, 0.0), (0.0, 0.001), (0.0, 0.002)], walk=[(0, 1)], car=[(1, 2), (2, 1)])
    walk_node, _ = nearest_nodes(streets, 0.0, -0.0001, mode="walk")
    car_node, car_dist = nearest_nodes(streets, 0.0, -0.0001, mode="car")
    assert walk_node[0] == 0
    assert car_node[0] == 1
    assert car_dist[0] == pytest.approx(haversine_m(0.0, -0.0001, 0.0, 0.001))


def test_attach_stops_fills_stop_arrays() -> None:
    streets = tiny([(0.0, 0.0), (0.0, 0.001)], walk=[(0, 1)])
    attached = attach_stops(streets, [0.0, 0.0, 1.0], [0.0009, -0.0001, 1.0], max_dist_m=100.0)
    assert list(attached.stop_node) == [1, 0, -1]
    assert attached.stop_node_dist_m.dtype == np.float32
    assert attached.stop_node_dist_m[0] == pytest.approx(haversine_m(0, 0.0009, 0, 0.001), rel=1e-5)
    assert np.isinf(attached.stop_node_dist_m[2])
    assert streets.stop_node.shape == (0,)
    assert attached.walk is streets.walk


def planar_offset(lat: float, lon: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Point-to-segment distance in a plane tangent at the point itself (brute force)."""
    k = np.radians(1.0) * EARTH_RADIUS_M
    scale = np.array([k * np.cos(np.radians(lat)), k])
    pa, ab = (a - [lon, lat]) * scale, (b - a) * scale
    t = np.clip(
        -np.einsum("ij,ij->i", pa, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12), 0, 1
    )
    return np.asarray(np.hypot(*(pa + t[:, None] * ab).T), dtype=np.float64)


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_snap_point_matches_brute_force_edge(porto_alegre: StreetGraph, mode: str) -> None:
    graph = porto_alegre.graph(mode)
    tails = np.repeat(np.arange(porto_alegre.n_nodes), np.diff(graph.indptr))
    lonlat = np.column_stack([porto_alegre.node_lon, porto_alegre.node_lat])
    a, b = lonlat[tails], lonlat[graph.indices]
    lat, lon = random_points(porto_alegre, 150, seed=11)
    snapped = 0
    for i in range(lat.shape[0]):
        best = planar_offset(lat[i], lon[i], a, b).min()
        snap = snap_point(porto_alegre, lat[i], lon[i], mode=mode, max_dist_m=400.0)
        if best > 401.0:
            assert snap is None
        elif best < 399.0:
            assert snap is not None
            snapped += 1
            assert snap.offset_m == pytest.approx(best, abs=0.5)
            ends = [snap.node_a, snap.node_b]
            lat_ab, lon_ab = porto_alegre.node_lat[ends], porto_alegre.node_lon[ends]
            edge_m = haversine_m(lat_ab[0], lon_ab[0], lat_ab[1], lon_ab[1])
            assert snap.dist_a_m + snap.dist_b_m == pytest.approx(edge_m, rel=1e-4)
    assert snapped > 50


def test_snap_point_mid_edge() -> None:
    streets = tiny([(0.0, 0.0), (0.0, 0.001)], walk=[(0, 1)])
    snap = snap_point(streets, 0.0001, 0.0003)
    assert snap is not None
    edge_m = float(haversine_m(0.0, 0.0, 0.0, 0.001))
    assert (snap.node_a, snap.node_b) == (0, 1)
    assert snap.dist_a_m == pytest.approx(0.3 * edge_m, rel=1e-3)
    assert snap.dist_b_m == pytest.approx(0.7 * edge_m, rel=1e-3)
    assert snap.offset_m == pytest.approx(haversine_m(0.0, 0.0, 0.0001, 0.0), rel=1e-3)
    assert snap.lat == pytest.approx(0.0, abs=1e-9)
    assert snap.lon == pytest.approx(0.0003, abs=1e-9)
    nodes, dists = snap.departures()
    assert list(nodes) == [0, 1]
    np.testing.assert_allclose(dists, [snap.dist_a_m, snap.dist_b_m])


def test_snap_point_beyond_the_end_lands_on_the_node() -> None:
    streets = tiny([(0.0, 0.0), (0.0, 0.001)], walk=[(0, 1)])
    snap = snap_point(streets, 0.0, 0.0012)
    assert snap is not None
    assert snap.dist_b_m == pytest.approx(0.0, abs=1e-6)


def test_snap_point_on_oneway_edge_departs_and_arrives_one_way() -> None:
    streets = tiny([(0.0, 0.0), (0.0, 0.001)], walk=[(0, 1)], car=[(0, 1)])
    snap = snap_point(streets, 0.0, 0.0005, mode="car")
    assert snap is not None
    assert (snap.a_to_b, snap.b_to_a) == (True, False)
    assert list(snap.departures()[0]) == [1]
    assert list(snap.arrivals()[0]) == [0]


def test_snap_point_outside_the_extract_is_none(porto_alegre: StreetGraph) -> None:
    assert snap_point(porto_alegre, -30.5, -51.2) is None
    assert snap_point(porto_alegre, 0.0, 0.0) is None


def test_snap_point_without_edges_of_the_mode_is_none() -> None:
    streets = tiny([(0.0, 0.0), (0.0, 0.001)], walk=[(0, 1)])
    assert snap_point(streets, 0.0, 0.0005, mode="bike") is None


def test_coordinates_that_are_not_numbers_snap_to_nothing() -> None:
    streets = tiny([(0.0, 0.0), (0.0, 0.001)], walk=[(0, 1)])
    nodes, dist = nearest_nodes(streets, [np.nan, 0.0], [0.0, 0.0])
    assert list(nodes) == [-1, 0]
    assert np.isinf(dist[0])
    assert snap_point(streets, np.nan, 0.0) is None


def test_snap_points_snaps_many_at_once() -> None:
    """Mid-edge, past the end, beyond the bound, and not a number."""
    streets = tiny([(0.0, 0.0), (0.0, 0.001), (0.001, 0.001)], walk=[(0, 1), (1, 2)])
    lat, lon = np.array([0.0001, 0.0, 0.01, np.nan]), np.array([0.0003, -0.0002, 0.0, 0.0])
    found = snap_points(streets, lat, lon, "walk", 300.0)
    assert found.edge.tolist() == [0, 0, -1, -1]  # edge 0 joins nodes 0 and 1
    np.testing.assert_allclose(found.position[:2], [0.3, 0.0], atol=1e-9)
    np.testing.assert_allclose(found.lat[:2], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(found.lon[:2], [0.0003, 0.0], atol=1e-9)
    expected = [haversine_m(0.0, 0.0, 0.0001, 0.0), haversine_m(0.0, 0.0, 0.0, 0.0002)]
    np.testing.assert_allclose(found.offset_m[:2], expected, rtol=1e-3)
    inside = np.array([True, True, False])  # node 2 left out: the edge (1, 2) does not count
    near_2 = snap_points(streets, np.array([0.0009]), np.array([0.0011]), "walk", 300.0, inside)
    assert near_2.edge[0] == 0 and near_2.position[0] == pytest.approx(1.0)
    assert near_2.offset_m[0] == pytest.approx(haversine_m(0.0009, 0.0011, 0.0, 0.001), rel=1e-3)
