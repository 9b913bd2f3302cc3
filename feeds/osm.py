"""Read an OSM extract (pbf or XML) into routing's `StreetGraph`: walk, bike and car CSR graphs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium

from feeds.osm_access import BIKE_SPEED_MPS, WALK_SPEED_MPS, WayAccess, way_access
from routing.geo import haversine_m
from routing.streets import F32, F64, I32, I64, CsrGraph, StreetGraph

Progress = Callable[[str], None]
B = np.ndarray[tuple[int], np.dtype[np.bool_]]


@dataclass
class _WayNodes:
    """Routable ways as flat node lists (mutable only while reading)."""

    osm_id: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    way: list[int] = field(default_factory=list)
    access: list[WayAccess] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Segments:
    """Consecutive node pairs of routable ways, with the access of their way."""

    u: I32
    v: I32
    length_m: F32
    walk: B
    bike_forward: B
    bike_backward: B
    car_forward: B
    car_backward: B
    car_speed_mps: F32


def load_streets(path: Path, progress: Progress | None = None) -> StreetGraph:
    """Read the OSM extract at `path` into walk, bike and car graphs over one node set.

    Nodes are the OSM nodes of routable ways (intermediate nodes kept, so a node path is a
    leg's geometry); nodes missing from a clipped extract cut their way there. Walk and bike
    edges carry the default speeds (1.3 and 4.5 m/s: the router may scale them), car edges
    their free-flow speed; access and one-way rules are those of `feeds.osm_access`.
    ``stop_node`` / ``stop_node_dist_m`` are empty: fill them with `routing.snap.attach_stops`.

    Args:
        path: an ``.osm.pbf`` or ``.osm`` (XML) file.
        progress: called with a short message at each step.

    Raises:
        FileNotFoundError: when `path` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"OSM extract not found: {path}")
    say = progress or (lambda _msg: None)
    say(f"reading ways of {path.name}")
    ways = _read_ways(path)
    say(f"{len(ways.access)} routable ways, {len(ways.osm_id)} way nodes")
    node_osm_id, node_lat, node_lon, segments = _segments(ways)
    n = int(node_osm_id.shape[0])
    graph = StreetGraph(
        node_osm_id=node_osm_id,
        node_lat=node_lat,
        node_lon=node_lon,
        walk=_walk_graph(n, segments),
        bike=_bike_graph(n, segments),
        car=_car_graph(n, segments),
        stop_node=np.empty(0, np.int32),
        stop_node_dist_m=np.empty(0, np.float32),
    )
    say(
        f"{n} street nodes; edges walk {graph.walk.n_edges}, bike {graph.bike.n_edges}, "
        f"car {graph.car.n_edges}"
    )
    return graph


def _read_ways(path: Path) -> _WayNodes:
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    ways = _WayNodes()
    for way in processor:
        if not isinstance(way, osmium.osm.Way):
            continue
        access = way_access(dict(way.tags))
        if not access.routable:
            continue
        index = len(ways.access)
        ways.access.append(access)
        for ref in way.nodes:
            location = ref.location
            valid = location.valid()
            ways.osm_id.append(ref.ref)
            # NaN marks a node outside a clipped extract: no segment touches it.
            ways.lat.append(location.lat if valid else np.nan)
            ways.lon.append(location.lon if valid else np.nan)
            ways.way.append(index)
    return ways


def _segments(ways: _WayNodes) -> tuple[I64, F64, F64, _Segments]:
    """Number the nodes used by valid segments and list the segments with their access."""
    osm_id = np.asarray(ways.osm_id, dtype=np.int64)
    lat = np.asarray(ways.lat, dtype=np.float64)
    lon = np.asarray(ways.lon, dtype=np.float64)
    way = np.asarray(ways.way, dtype=np.int64)
    located = ~np.isnan(lat)
    ok = (way[1:] == way[:-1]) & located[1:] & located[:-1] & (osm_id[1:] != osm_id[:-1])
    first = np.flatnonzero(ok)
    ends = np.concatenate([first, first + 1])
    node_osm_id, where, inverse = np.unique(osm_id[ends], return_index=True, return_inverse=True)
    u = inverse[: first.shape[0]].astype(np.int32)
    v = inverse[first.shape[0] :].astype(np.int32)
    length = haversine_m(lat[first], lon[first], lat[first + 1], lon[first + 1])
    seg_way = way[first]
    flags = np.array(
        [
            (a.walk, a.bike_forward, a.bike_backward, a.car_forward, a.car_backward)
            for a in ways.access
        ],
        dtype=np.bool_,
    ).reshape(-1, 5)[seg_way]
    speeds = np.array([a.car_speed_mps for a in ways.access], dtype=np.float32)[seg_way]
    node_lat, node_lon = lat[ends][where], lon[ends][where]
    # Number nodes along a space-filling curve: a walk's nodes then sit close in memory.
    rank = np.empty(node_osm_id.shape[0], dtype=np.int32)
    order = np.argsort(_morton(node_lat, node_lon), kind="stable")
    rank[order] = np.arange(order.shape[0], dtype=np.int32)
    segments = _Segments(
        u=rank[u],
        v=rank[v],
        length_m=length.astype(np.float32),
        walk=flags[:, 0],
        bike_forward=flags[:, 1],
        bike_backward=flags[:, 2],
        car_forward=flags[:, 3],
        car_backward=flags[:, 4],
        car_speed_mps=speeds,
    )
    return node_osm_id[order], node_lat[order], node_lon[order], segments


def _morton(lat: F64, lon: F64) -> npt.NDArray[np.uint64]:
    """Z-order code of each point over the points' bounding box (16 bits per axis)."""

    def spread(value: F64) -> npt.NDArray[np.uint64]:
        if value.size == 0:
            return np.zeros(0, dtype=np.uint64)
        span = float(np.ptp(value)) or 1.0
        q = ((value - value.min()) / span * 65535).astype(np.uint64)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            q = (q | (q << np.uint64(shift))) & np.uint64(mask)
        spread_out: npt.NDArray[np.uint64] = q
        return spread_out

    return spread(lon) | (spread(lat) << np.uint64(1))


def _directed(s: _Segments, forward: B, backward: B) -> tuple[I32, I32, F32, F32]:
    """Directed edges (tail, head, length, car speed) of segments usable each way."""
    u = np.concatenate([s.u[forward], s.v[backward]])
    v = np.concatenate([s.v[forward], s.u[backward]])
    length = np.concatenate([s.length_m[forward], s.length_m[backward]])
    speed = np.concatenate([s.car_speed_mps[forward], s.car_speed_mps[backward]])
    return u, v, length, speed


def _walk_graph(n: int, s: _Segments) -> CsrGraph:
    u, v, length, _ = _directed(s, s.walk, s.walk)
    return _csr(n, u, v, length, np.full(length.shape, WALK_SPEED_MPS, np.float32))


def _bike_graph(n: int, s: _Segments) -> CsrGraph:
    u, v, length, _ = _directed(s, s.bike_forward, s.bike_backward)
    return _csr(n, u, v, length, np.full(length.shape, BIKE_SPEED_MPS, np.float32))


def _car_graph(n: int, s: _Segments) -> CsrGraph:
    u, v, length, speed = _directed(s, s.car_forward, s.car_backward)
    return _csr(n, u, v, length, speed)


def _csr(n: int, u: I32, v: I32, length: F32, speed: F32) -> CsrGraph:
    """CSR adjacency sorted by tail then head; parallel edges keep the quickest only."""
    order = np.lexsort((length / speed, v, u))
    u, v, length, speed = u[order], v[order], length[order], speed[order]
    # Two ways joining the same pair of nodes: only the quickest edge can be on a shortest path.
    keep = np.ones(u.shape, dtype=np.bool_)
    keep[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, length, speed = u[keep], v[keep], length[keep], speed[keep]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return CsrGraph(
        indptr=indptr,
        indices=v.astype(np.int32),
        length_m=length.astype(np.float32),
        speed_mps=speed.astype(np.float32),
    )
