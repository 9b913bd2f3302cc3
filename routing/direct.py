"""Direct street legs: walking or cycling from door to door, without transit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from routing.access import CROW_FLY_DETOUR, Coords, StreetAccess, node_coordinates
from routing.geo import haversine_m
from routing.query import AccessMode
from routing.snap import EdgeSnap
from routing.streets import StreetGraph


@dataclass(frozen=True, slots=True)
class DirectPath:
    """A walk or a ride from the origin to the destination; `coordinates` are (lon, lat)."""

    mode: AccessMode
    duration_s: int
    distance_m: float
    coordinates: Coords
    crow_fly: bool = False


def direct_path(
    origin: StreetAccess, destination: StreetAccess, streets: StreetGraph | None, max_s: float
) -> DirectPath | None:
    """The quickest path between the ends of two searches of one mode, if within `max_s`.

    With a search from each end (the destination's against the edges), the path goes through
    the node where the sum of both costs is least: exact whenever the path is shorter than
    both bounds together. A destination without a search is reached by the origin's alone
    through its snapped edge. An end off the streets gives a crow-fly line with a detour.
    """
    if origin.tree is None or streets is None or _off_streets(destination):
        return _crow_fly(origin, destination, max_s)
    found = _through_trees(origin, destination, streets)
    along = _same_edge(origin.snap, destination.snap, origin.speed_mps)
    if along is not None and (found is None or along < found[0]):
        ends = [(s.lon, s.lat) for s in (origin.snap, destination.snap) if s is not None]
        found = (along, ends)
    if found is None or found[0] > max_s:
        return None
    seconds, middle = found
    line = [(origin.end.lon, origin.end.lat), *middle, (destination.end.lon, destination.end.lat)]
    distance = round(seconds * origin.speed_mps, 1)
    return DirectPath(origin.mode, math.ceil(seconds - 1e-9), distance, line)


def _off_streets(access: StreetAccess) -> bool:
    return access.tree is None and access.snap is None


def _through_trees(
    origin: StreetAccess, destination: StreetAccess, streets: StreetGraph
) -> tuple[float, Coords] | None:
    """Seconds and the line between the snapped points, through the best meeting node."""
    assert origin.tree is not None  # checked by the caller
    speed = origin.speed_mps
    if destination.tree is not None:
        a, b = origin.tree, destination.tree
        common, at_a, at_b = np.intersect1d(a.nodes, b.nodes, True, return_indices=True)
        if common.size == 0:
            return None
        total = a.costs[at_a] + b.costs[at_b]
        best = int(np.argmin(total))
        node, seconds = int(common[best]), float(total[best])
        back = b.path_to(node)[::-1][1:]
    elif destination.snap is not None:
        nodes, along = destination.snap.arrivals()
        if nodes.size == 0:
            return None
        total = origin.tree.cost_at(nodes) + (along + destination.snap.offset_m) / speed
        best = int(np.argmin(total))
        node, seconds, back = int(nodes[best]), float(total[best]), nodes[:0]
    else:
        return None
    if not math.isfinite(seconds):
        return None
    line = [
        *_snapped(origin.snap),
        *node_coordinates(streets, origin.tree.path_to(node)),
        *node_coordinates(streets, back),
        *_snapped(destination.snap),
    ]
    return seconds, line


def _same_edge(a: EdgeSnap | None, b: EdgeSnap | None, speed_mps: float) -> float | None:
    """Seconds along the one edge both points snapped onto, when it may be travelled so."""
    if a is None or b is None or (a.node_a, a.node_b) != (b.node_a, b.node_b):
        return None
    forward = b.dist_a_m >= a.dist_a_m
    if not (a.a_to_b if forward else a.b_to_a):
        return None
    return (abs(b.dist_a_m - a.dist_a_m) + a.offset_m + b.offset_m) / speed_mps


def _crow_fly(origin: StreetAccess, destination: StreetAccess, max_s: float) -> DirectPath | None:
    a, b = origin.end, destination.end
    metres = float(haversine_m(a.lat, a.lon, b.lat, b.lon)) * CROW_FLY_DETOUR
    seconds = metres / origin.speed_mps
    if not math.isfinite(seconds) or seconds > max_s:
        return None
    line = [(a.lon, a.lat), (b.lon, b.lat)]
    return DirectPath(origin.mode, math.ceil(seconds - 1e-9), round(metres, 1), line, True)


def _snapped(snap: EdgeSnap | None) -> Coords:
    return [] if snap is None else [(snap.lon, snap.lat)]
