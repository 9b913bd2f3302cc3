"""Zone lower bounds checked against a networkx Dijkstra over the raw network arrays."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from routing.lower_bounds import INF, realtime_slack, zone_bounds, zones
from routing.network import Network
from routing.raptor_frame import frame_for, realtime_arrays
from routing.raptor_kernels import stop_bounds
from routing.realtime import RealtimeOverlay


def quickest_ride_graph(network: Network) -> nx.DiGraph:
    """Stops, each pattern's hops at their quickest over its trips, and the footpaths."""
    g = nx.DiGraph()
    g.add_nodes_from(range(network.n_stops))

    def edge(u: int, v: int, w: float) -> None:
        if u != v and (not g.has_edge(u, v) or g[u][v]["weight"] > w):
            g.add_edge(u, v, weight=w)

    for p in range(network.pattern_route.size):
        first, last = int(network.pattern_stop_ptr[p]), int(network.pattern_stop_ptr[p + 1])
        k = int(network.pattern_trip_ptr[p + 1] - network.pattern_trip_ptr[p])
        stops = network.pattern_stops[first:last]
        base = int(network.pattern_time_ptr[p])
        for i in range(last - first - 1):
            dep = network.departure[base + i * k : base + (i + 1) * k]
            arr = network.arrival[base + (i + 1) * k : base + (i + 2) * k]
            if k:
                edge(int(stops[i]), int(stops[i + 1]), max(float(np.min(arr - dep)), 0.0))
    for u in range(network.n_stops):
        for e in range(int(network.transfer_ptr[u]), int(network.transfer_ptr[u + 1])):
            edge(u, int(network.transfer_to[e]), float(network.transfer_s[e]))
    return g


def test_zones_split_along_the_wider_side_and_keep_unplaced_stops_apart() -> None:
    lat = np.array([0.0, 0.0, 0.0, 0.0, np.nan])
    lon = np.array([0.0, 0.001, 0.002, 0.003, 0.0])
    zone, k = zones(lat, lon, 2)
    assert k == 3
    assert zone[0] == zone[1] != zone[2] == zone[3]
    assert zone[4] not in (zone[0], zone[2])


@pytest.mark.slow
@pytest.mark.parametrize("reverse", [False, True])
def test_bounds_never_exceed_the_quickest_ride(
    porto_alegre_network: Network, reverse: bool
) -> None:
    """Forward: from each stop to a target; reversed (arrive-by): from a source to each stop."""
    network = porto_alegre_network
    bounds = zone_bounds(network, reverse)
    graph = quickest_ride_graph(network)
    towards_target = graph if reverse else graph.reverse(copy=False)
    rng = np.random.default_rng(4)
    served = np.flatnonzero(np.diff(network.stop_pattern_ptr) > 0)
    out = np.empty(network.n_stops, dtype=np.int32)
    for target in rng.choice(served, 25, replace=False):
        egress = np.array([target], dtype=np.int32)
        stop_bounds(bounds.zone, bounds.matrix, egress, np.array([60], np.int32), 0, out)
        exact = nx.single_source_dijkstra_path_length(towards_target, int(target))
        reached = np.array(sorted(exact))
        quickest = np.array([exact[s] for s in reached]) + 60
        assert (out[reached] <= quickest).all()
        # Bounds are not all zero: far from the target, they prune.
        assert np.median(out[reached]) > 300


def test_a_realtime_hop_quicker_than_the_timetable_lowers_every_bound(
    porto_alegre_network: Network,
) -> None:
    frame = frame_for(porto_alegre_network, False)
    fa = frame.arrays
    bounds = zone_bounds(porto_alegre_network, False)
    assert realtime_slack(frame, bounds, fa.arrival, fa.departure) == 0
    departure = np.array(fa.departure)
    p = int(np.flatnonzero(np.diff(fa.pattern_trip_ptr) > 0)[0])
    x = int(fa.pattern_time_ptr[p])  # its first trip leaves its first stop 100 s late
    gap = int(fa.arrival[x + fa.pattern_trip_ptr[p + 1] - fa.pattern_trip_ptr[p]]) - int(
        departure[x]
    )
    departure[x] += 100
    quicker = bounds.hop[fa.pattern_stop_ptr[p]] - max(gap - 100, 0)
    assert realtime_slack(frame, bounds, fa.arrival, departure) == max(quicker, 0)
    out = np.empty(porto_alegre_network.n_stops, dtype=np.int32)
    stop_bounds(
        bounds.zone, bounds.matrix, np.array([0], np.int32), np.array([0], np.int32), 10**9, out
    )
    assert (out[out < INF] == 0).all()


def test_a_realtime_hop_gains_as_much_read_backwards(porto_alegre_network: Network) -> None:
    """The reversed frame's slack reads the forward hops mirrored: the same gain."""
    network = porto_alegre_network
    fa = frame_for(network, False).arrays
    arrival, departure = np.array(fa.arrival), np.array(fa.departure)
    rng = np.random.default_rng(2)
    late = rng.choice(arrival.size, 500, replace=False)
    departure[late] += 120  # leaving later: the next hop is quicker
    arrival[late] -= 60  # arriving earlier: the hop before is quicker
    overlay = RealtimeOverlay(
        network.version, 0, 0.0, arrival, departure, np.zeros(len(network.trip_ids), np.bool_),
        np.zeros(arrival.size, np.bool_), np.zeros(network.n_stops, np.bool_), frozenset(),
    )  # fmt: skip
    forward = realtime_slack(frame_for(network, False), zone_bounds(network, False),
                             arrival, departure)  # fmt: skip
    assert forward > 0
    back = frame_for(network, True)
    rt = realtime_arrays(network, back, overlay)
    assert realtime_slack(back, zone_bounds(network, True), rt.arrival, rt.departure) == forward
