"""Sanity checks on a loaded network before it is served: sizes, pointers and index ranges.

A reload only swaps in a network that passes; a truncated or inconsistent folder is refused
with the first problem found, and the old network keeps serving.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from routing.network import Network
from routing.streets import StreetGraph


class InvalidNetwork(Exception):
    """A network is not fit to serve; the message names the first inconsistency."""


def check_network(network: Network, streets: StreetGraph | None) -> None:
    """Check the invariants the router relies on.

    Raises:
        InvalidNetwork: on the first broken invariant.
    """
    _check_nonempty(network)
    _check_lengths(network)
    _check_pointers(network)
    _check_ranges(network)
    if streets is not None and streets.stop_node.shape[0] != network.n_stops:
        raise InvalidNetwork(
            f"streets snap {streets.stop_node.shape[0]} stops, the network has {network.n_stops}"
        )


def _check_nonempty(network: Network) -> None:
    if not network.feeds:
        raise InvalidNetwork("no feed in the network")
    if network.n_stops == 0 or len(network.trip_ids) == 0:
        raise InvalidNetwork("the network has no stop or no trip")


def _check_lengths(network: Network) -> None:
    n_stops, n_routes, n_trips = network.n_stops, len(network.route_ids), len(network.trip_ids)
    expected: dict[str, int] = {
        "stop_lat": n_stops,
        "stop_lon": n_stops,
        "stop_feed": n_stops,
        "stop_parent": n_stops,
        "stop_location_type": n_stops,
        "route_type": n_routes,
        "route_feed": n_routes,
        "trip_route": n_trips,
        "trip_service": n_trips,
        "trip_pattern": n_trips,
        "trip_direction": n_trips,
        "departure": int(network.arrival.shape[0]),
    }
    for name, size in expected.items():
        actual = int(getattr(network, name).shape[0])
        if actual != size:
            raise InvalidNetwork(f"{name} has {actual} entries, expected {size}")
    if network.service_days.shape[0] != len(network.service_ids):
        raise InvalidNetwork("service_days rows do not match service_ids")


def _check_pointers(network: Network) -> None:
    n_patterns = int(network.pattern_route.shape[0])
    pointers = {
        "pattern_stop_ptr": (network.pattern_stop_ptr, n_patterns, network.pattern_stops),
        "pattern_trip_ptr": (network.pattern_trip_ptr, n_patterns, network.pattern_trips),
        "stop_pattern_ptr": (network.stop_pattern_ptr, network.n_stops, network.stop_patterns),
        "transfer_ptr": (network.transfer_ptr, network.n_stops, network.transfer_to),
    }
    for name, (ptr, rows, target) in pointers.items():
        _check_csr(name, ptr, rows, int(target.shape[0]))
    hops = np.diff(network.pattern_stop_ptr) * np.diff(network.pattern_trip_ptr)
    if int(hops.sum()) != int(network.arrival.shape[0]):
        raise InvalidNetwork("stop times do not match the patterns' stops times trips")


def _check_csr(name: str, ptr: npt.NDArray[np.int32], rows: int, size: int) -> None:
    if ptr.shape[0] != rows + 1:
        raise InvalidNetwork(f"{name} has {ptr.shape[0]} entries, expected {rows + 1}")
    if int(ptr[0]) != 0 or int(ptr[-1]) != size or bool(np.any(np.diff(ptr) < 0)):
        raise InvalidNetwork(f"{name} is not a valid offset array over {size} entries")


def _check_ranges(network: Network) -> None:
    n_patterns = int(network.pattern_route.shape[0])
    ranges: dict[str, tuple[npt.NDArray[np.integer], int]] = {
        "pattern_stops": (network.pattern_stops, network.n_stops),
        "transfer_to": (network.transfer_to, network.n_stops),
        "trip_route": (network.trip_route, len(network.route_ids)),
        "trip_pattern": (network.trip_pattern, n_patterns),
        "trip_service": (network.trip_service, len(network.service_ids)),
        "stop_feed": (network.stop_feed, len(network.feeds)),
    }
    for name, (values, bound) in ranges.items():
        if values.shape[0] and (int(values.min()) < 0 or int(values.max()) >= bound):
            raise InvalidNetwork(f"{name} holds indices outside [0, {bound})")
