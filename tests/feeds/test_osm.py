"""OSM reading: access rules on tiny inline extracts, and the real extracts' graphs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from feeds.osm import load_streets
from feeds.osm_access import KMH, parse_maxspeed_kmh, way_access
from routing.geo import haversine_m
from routing.streets import CsrGraph, StreetGraph

# Nodes 1..9 on a row along the equator, 0.001 degree (about 111 m) apart.
NODES = {i: (0.0, 0.001 * i) for i in range(1, 10)}


def write_osm(folder: Path, ways: list[tuple[list[int], dict[str, str]]]) -> Path:
    """Write an .osm XML file with the row of NODES and the given (node refs, tags) ways."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    used = sorted({ref for refs, _ in ways for ref in refs if ref in NODES})
    lines += [f'<node id="{i}" version="1" lat="{NODES[i][0]}" lon="{NODES[i][1]}"/>' for i in used]
    for way_id, (refs, tags) in enumerate(ways, start=100):
        lines.append(f'<way id="{way_id}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path = folder / "tiny.osm"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def edges(streets: StreetGraph, mode: str) -> set[tuple[int, int]]:
    """Directed edges of a mode as OSM node id pairs."""
    graph = streets.graph(mode)
    tails = np.repeat(np.arange(streets.n_nodes), np.diff(graph.indptr))
    ids = streets.node_osm_id
    return {(int(ids[u]), int(ids[v])) for u, v in zip(tails, graph.indices, strict=True)}


def load_one(tmp_path: Path, tags: dict[str, str]) -> StreetGraph:
    return load_streets(write_osm(tmp_path, [([1, 2], tags)]))


BOTH = {(1, 2), (2, 1)}
FORWARD = {(1, 2)}
BACKWARD = {(2, 1)}


def test_footway_is_walkable_not_bikeable_nor_drivable(tmp_path: Path) -> None:
    streets = load_one(tmp_path, {"highway": "footway"})
    assert edges(streets, "walk") == BOTH
    assert edges(streets, "bike") == set()
    assert edges(streets, "car") == set()


@pytest.mark.parametrize("bicycle", ["yes", "designated"])
def test_footway_bikeable_when_bicycle_allowed(tmp_path: Path, bicycle: str) -> None:
    streets = load_one(tmp_path, {"highway": "footway", "bicycle": bicycle})
    assert edges(streets, "bike") == BOTH


@pytest.mark.parametrize("highway", ["pedestrian", "steps"])
def test_no_bikes_on_pedestrian_ways_and_steps(tmp_path: Path, highway: str) -> None:
    streets = load_one(tmp_path, {"highway": highway})
    assert edges(streets, "walk") == BOTH
    assert edges(streets, "bike") == set()


def test_bicycle_dismount_is_not_rideable(tmp_path: Path) -> None:
    streets = load_one(tmp_path, {"highway": "footway", "bicycle": "dismount"})
    assert edges(streets, "bike") == set()


@pytest.mark.parametrize("highway", ["motorway", "trunk", "motorway_link", "trunk_link"])
def test_motorway_and_trunk_not_walkable(tmp_path: Path, highway: str) -> None:
    streets = load_one(tmp_path, {"highway": highway, "oneway": "no"})
    assert edges(streets, "walk") == set()
    assert edges(streets, "car") == BOTH


def test_trunk_walkable_with_foot_yes(tmp_path: Path) -> None:
    streets = load_one(tmp_path, {"highway": "trunk", "foot": "yes"})
    assert edges(streets, "walk") == BOTH


def test_motorway_is_implicitly_oneway(tmp_path: Path) -> None:
    streets = load_one(tmp_path, {"highway": "motorway"})
    assert edges(streets, "car") == FORWARD
    assert edges(streets, "bike") == set()


def test_foot_no_forbids_walking_only(tmp_path: Path) -> None:
    streets = load_one(tmp_path, {"highway": "primary", "foot": "no"})
    assert edges(streets, "walk") == set()
    assert edges(streets, "bike") == BOTH
    assert edges(streets, "car") == BOTH


def test_access_no_forbids_all_unless_foot_yes(tmp_path: Path) -> None:
    streets = load_streets(
        write_osm(
            tmp_path,
            [
                ([1, 2], {"highway": "service", "access": "no"}),
                ([3, 4], {"highway": "service", "access": "no", "foot": "yes"}),
            ],
        )  # fmt: skip
    )
    assert edges(streets, "walk") == {(3, 4), (4, 3)}
    assert edges(streets, "bike") == set()
    assert edges(streets, "car") == set()


@pytest.mark.parametrize(
    ("tags", "car", "bike"),
    [
        ({"oneway": "yes"}, FORWARD, FORWARD),
        ({"oneway": "-1"}, BACKWARD, BACKWARD),
        ({"junction": "roundabout"}, FORWARD, FORWARD),
        ({"junction": "roundabout", "oneway": "no"}, BOTH, BOTH),
        ({"oneway": "yes", "oneway:bicycle": "no"}, FORWARD, BOTH),
        ({"oneway": "yes", "cycleway": "opposite"}, FORWARD, BOTH),
        ({"oneway": "yes", "cycleway:left": "opposite_lane"}, FORWARD, BOTH),
        ({"oneway": "yes", "cycleway:right": "opposite_track"}, FORWARD, BOTH),
        ({"oneway": "no", "oneway:bicycle": "yes"}, BOTH, FORWARD),
        ({}, BOTH, BOTH),
    ],
)
def test_oneway_for_cars_and_bikes_unless_contraflow(
    tmp_path: Path, tags: dict[str, str], car: set[tuple[int, int]], bike: set[tuple[int, int]]
) -> None:
    streets = load_one(tmp_path, {"highway": "residential", **tags})
    assert edges(streets, "car") == car
    assert edges(streets, "bike") == bike
    assert edges(streets, "walk") == BOTH


@pytest.mark.parametrize(
    ("tags", "kmh"),
    [
        ({"highway": "primary", "maxspeed": "50"}, 50.0),
        ({"highway": "primary", "maxspeed": "30 mph"}, 30 * 1.609344),
        ({"highway": "primary", "maxspeed": "BR:urban"}, 50.0),
        ({"highway": "primary", "maxspeed": "40;60"}, 40.0),
        ({"highway": "primary"}, 60.0),
        ({"highway": "residential", "maxspeed": "none"}, 30.0),
        ({"highway": "living_street"}, 10.0),
    ],
)
def test_car_speed_from_maxspeed_else_class_default(
    tmp_path: Path, tags: dict[str, str], kmh: float
) -> None:
    streets = load_one(tmp_path, tags)
    np.testing.assert_allclose(streets.car.speed_mps, kmh * KMH, rtol=1e-6)


def test_walk_and_bike_default_speeds(tmp_path: Path) -> None:
    streets = load_one(tmp_path, {"highway": "residential"})
    np.testing.assert_allclose(streets.walk.speed_mps, 1.3, rtol=1e-6)
    np.testing.assert_allclose(streets.bike.speed_mps, 4.5, rtol=1e-6)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("50 mph", 50 * 1.609344),
        ("DE:rural", 90.0),
        ("BR:urban", 50.0),
        ("walk", 5.0),
        ("none", None),
        ("signals", None),
        ("", None),
        ("0", None),
    ],
)
def test_parse_maxspeed(value: str, kmh: float | None) -> None:
    result = parse_maxspeed_kmh(value)
    assert result == (pytest.approx(kmh) if kmh is not None else None)


def test_intermediate_nodes_kept_and_lengths_are_great_circle(tmp_path: Path) -> None:
    streets = load_streets(write_osm(tmp_path, [([1, 2, 3, 4], {"highway": "residential"})]))
    assert list(streets.node_osm_id) == [1, 2, 3, 4]
    assert edges(streets, "walk") == {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)}
    expected = haversine_m(0.0, 0.0, 0.0, 0.001)
    np.testing.assert_allclose(streets.walk.length_m, expected, rtol=1e-5)
    assert streets.stop_node.shape == (0,)
    assert streets.stop_node_dist_m.shape == (0,)


def test_node_missing_from_extract_cuts_the_way(tmp_path: Path) -> None:
    # Node 77 is referenced but absent, as at the border of a clipped extract.
    streets = load_streets(write_osm(tmp_path, [([1, 2, 77, 3, 4], {"highway": "residential"})]))
    assert edges(streets, "walk") == {(1, 2), (2, 1), (3, 4), (4, 3)}


def test_unroutable_ways_give_no_nodes(tmp_path: Path) -> None:
    streets = load_streets(
        write_osm(
            tmp_path,
            [
                ([1, 2], {"building": "yes"}),
                ([2, 3], {"highway": "proposed"}),
                ([3, 4], {"highway": "footway"}),
            ],
        )  # fmt: skip
    )
    assert list(streets.node_osm_id) == [3, 4]


def test_parallel_ways_keep_the_quickest_car_edge(tmp_path: Path) -> None:
    streets = load_streets(
        write_osm(
            tmp_path,
            [
                ([1, 2], {"highway": "residential", "maxspeed": "20"}),
                ([1, 2], {"highway": "primary", "maxspeed": "60"}),
            ],
        )  # fmt: skip
    )
    assert streets.car.n_edges == 2
    np.testing.assert_allclose(streets.car.speed_mps, 60 * KMH, rtol=1e-6)


def test_csr_is_sorted_by_tail(tmp_path: Path) -> None:
    streets = load_streets(
        write_osm(
            tmp_path, [([3, 1, 2, 5], {"highway": "residential"}), ([2, 4], {"highway": "path"})]
        )
    )
    for mode in ("walk", "bike", "car"):
        graph = streets.graph(mode)
        assert graph.indptr[0] == 0
        assert graph.indptr[-1] == graph.n_edges
        assert np.all(np.diff(graph.indptr) >= 0)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.osm.pbf"):
        load_streets(tmp_path / "nope.osm.pbf")


TAG_VALUES = st.sampled_from(["yes", "no", "-1", "designated", "private", "opposite", "50"])
TAGS = st.dictionaries(
    st.sampled_from(["oneway", "oneway:bicycle", "cycleway", "junction", "maxspeed", "bicycle"]),
    TAG_VALUES,
)


@given(
    highway=st.sampled_from(["residential", "primary", "footway", "cycleway", "service"]),
    tags=TAGS,
)
def test_walking_ignores_oneway_and_bike_tags(highway: str, tags: dict[str, str]) -> None:
    plain = way_access({"highway": highway})
    tagged = way_access({"highway": highway, **tags})
    assert tagged.walk == plain.walk
    if not tagged.car_forward and not tagged.car_backward:
        assert tagged.car_speed_mps == 0.0


def _largest_weak_share(streets: StreetGraph, graph: CsrGraph) -> float:
    n = streets.n_nodes
    matrix = csr_matrix((graph.length_m, graph.indices, graph.indptr), shape=(n, n))
    _, labels = connected_components(matrix, directed=True, connection="weak")
    used = np.diff(graph.indptr) > 0
    used[graph.indices] = True
    return float(np.bincount(labels[used]).max() / used.sum())


def test_porto_alegre_graph_is_sensible(data_dir: Path) -> None:
    start = time.perf_counter()
    streets = load_streets(data_dir / "porto_alegre" / "porto_alegre_center.osm.pbf")
    elapsed = time.perf_counter() - start
    # SOURCES.md: 43264 nodes in the file, some of which are not on routable ways.
    assert 30_000 < streets.n_nodes < 43_264
    assert streets.walk.n_edges > streets.bike.n_edges > 0
    assert streets.car.n_edges > 0.5 * streets.bike.n_edges
    for mode in ("walk", "bike", "car"):
        assert _largest_weak_share(streets, streets.graph(mode)) > 0.95
    lat, lon = streets.node_lat, streets.node_lon
    assert lat.min() > -30.12 and lat.max() < -29.98
    assert lon.min() > -51.27 and lon.max() < -51.13
    # Intermediate nodes are kept, so most edges are short pieces of a street.
    assert np.median(streets.walk.length_m) < 100
    assert elapsed < 10


@pytest.mark.parametrize(
    "relative", ["sao_paulo/sao_paulo_center.osm.pbf", "gtfs-samples/roads_zhelez.osm.pbf"]
)
def test_other_extracts_load(data_dir: Path, relative: str) -> None:
    messages: list[str] = []
    streets = load_streets(data_dir / relative, progress=messages.append)
    assert streets.n_nodes > 10_000
    assert messages
    assert _largest_weak_share(streets, streets.walk) > 0.9
