"""The stops' links to the street nodes, on the tiny world (see `tests.routing.tiny_world`)."""

from __future__ import annotations

import pytest

from routing.access import Endpoint, street_access
from routing.network import Network
from routing.stop_links import StopLinks, quickest_link, stop_links
from routing.streets import StreetGraph
from tests.routing.tiny_world import m

WALK = 1.3


def links_of(
    links: StopLinks, network: Network, streets: StreetGraph, stop_id: str
) -> dict[int, tuple[float, bool]]:
    """{OSM node id: (metres, along the edge)} of one stop's links."""
    s = network.get_stop(stop_id)
    k = range(links.stop_ptr[s], links.stop_ptr[s + 1])
    return {
        int(streets.node_osm_id[links.node[i]]): (float(links.metres[i]), bool(links.on_edge[i]))
        for i in k
    }


def test_a_stop_links_along_its_edge_and_from_its_nearest_node(
    world: tuple[Network, StreetGraph],
) -> None:
    network, streets = world
    links = stop_links(network, streets, "walk", False)
    # S4 lies 22 m off the street between nodes 43 and 44; 43 is its nearest node.
    s4 = links_of(links, network, streets, "tiny:S4")
    assert set(s4) == {43, 44}
    assert s4[43] == pytest.approx((m(-30.012, -51.194, -30.0118, -51.1931), False), abs=0.1)
    along = m(-30.012, -51.192, -30.012, -51.1931) + m(-30.012, -51.1931, -30.0118, -51.1931)
    assert s4[44] == pytest.approx((along, True), abs=0.2)
    # S1B: from node 2 straight (31 m) rather than along (11 m, then 29 m): one link a node.
    s1b = links_of(links, network, streets, "tiny:S1B")
    assert s1b[2] == pytest.approx((m(-30.0, -51.2, -30.0001, -51.2003), False), abs=0.1)
    assert s1b[3] == pytest.approx((m(-30.002, -51.2, -30.0001, -51.2) + 28.9, True), abs=0.2)
    assert links_of(links, network, streets, "tiny:ST1") == {}  # a station is not boarded
    far = network.get_stop("tiny:FAR")
    assert links_of(links, network, streets, "tiny:FAR") == {}
    assert links.off_streets is not None and far in links.off_streets.stops


def test_the_quickest_link_is_the_one_the_leg_follows(world: tuple[Network, StreetGraph]) -> None:
    network, streets = world
    s4 = int(network.get_stop("tiny:S4"))
    links = stop_links(network, streets, "walk", False)
    for lon, osm_id, on_edge in ((-51.1905, 44, (-51.1931, -30.012)), (-51.1965, 43, None)):
        access = street_access(
            network, streets, Endpoint(-30.0121, lon), "walk", WALK, 900, prune=False
        )
        assert access.tree is not None
        node, point = quickest_link(links, access.tree, WALK, s4)
        assert int(streets.node_osm_id[node]) == osm_id
        assert point == (None if on_edge is None else pytest.approx(on_edge))


def test_links_both_ways_are_kept_once_on_foot(world: tuple[Network, StreetGraph]) -> None:
    """Every footway goes both ways: egress links are the access links, one copy."""
    network, streets = world
    access = stop_links(network, streets, "walk", False)
    assert stop_links(network, streets, "walk", True) is access
    s4 = links_of(access, network, streets, "tiny:S4")
    assert set(s4) == {43, 44}  # the links themselves, as the first test reads them
