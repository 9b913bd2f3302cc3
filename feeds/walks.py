"""Walking between nearby stops: which pairs are close, and how long the walk takes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from feeds.merged_stops import StopTable
from feeds.source import BuildOptions
from routing.geo import EARTH_RADIUS_M, haversine_m
from routing.network import F64, I8, I32, TRANSFER_CROW_FLY, TRANSFER_STREET
from routing.street_search import distances_between
from routing.streets import StreetGraph

# A stop farther than this from its snapped street node is not "covered" by the extract:
# its walk is estimated crow-fly rather than trusted to a far-away street.
COVERED_M = 100.0
# Street walks longer than this many times the crow-fly radius are not searched further.
STREET_BOUND = 3.0


@dataclass(frozen=True, eq=False)
class Walks:
    """Walk duration and how it was measured, per (from, to) stop pair."""

    from_stop: I32
    to_stop: I32
    duration_s: I32
    kind: I8


def nearby_pairs(stops: StopTable, radius_m: float) -> tuple[I32, I32]:
    """Every ordered pair of distinct boardable stops within `radius_m` (crow-fly) of each other."""
    board = np.flatnonzero(stops.boardable)
    if board.size < 2:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty
    lat, lon = np.radians(stops.lat[board]), np.radians(stops.lon[board])
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    # A great-circle distance d is a chord of 2 R sin(d / 2R) on the sphere of radius R.
    chord = 2 * np.sin(radius_m / (2 * EARTH_RADIUS_M))
    pairs = cKDTree(xyz).query_pairs(chord, output_type="ndarray")
    a, b = board[pairs[:, 0]], board[pairs[:, 1]]
    return np.concatenate([a, b]).astype(np.int32), np.concatenate([b, a]).astype(np.int32)


def walk_durations(
    stops: StopTable,
    streets: StreetGraph | None,
    from_stop: I32,
    to_stop: I32,
    options: BuildOptions,
) -> Walks:
    """How long walking from each `from_stop` to the matching `to_stop` takes.

    On the street network (``TRANSFER_STREET``) when both stops lie within `COVERED_M` of
    their snapped node and the street search finds a way, counting the snapping distances;
    else the crow-fly distance times ``options.crow_fly_detour`` (``TRANSFER_CROW_FLY``).
    """
    crow = haversine_m(
        stops.lat[from_stop], stops.lon[from_stop], stops.lat[to_stop], stops.lon[to_stop]
    )
    metres = np.nan_to_num(crow, nan=0.0) * options.crow_fly_detour
    kind = np.full(from_stop.size, TRANSFER_CROW_FLY, dtype=np.int8)
    if streets is not None and streets.stop_node.size == len(stops) and from_stop.size:
        street = _street_metres(streets, from_stop, to_stop, options)
        found = np.isfinite(street)
        metres[found] = street[found]
        kind[found] = TRANSFER_STREET
    seconds = np.ceil(metres / options.walk_speed_mps).astype(np.int32)
    return Walks(from_stop.astype(np.int32), to_stop.astype(np.int32), seconds, kind)


def _street_metres(
    streets: StreetGraph, from_stop: I32, to_stop: I32, options: BuildOptions
) -> F64:
    """Street distance per pair (snapping included), inf when not covered or not found."""
    node, off = streets.stop_node, streets.stop_node_dist_m.astype(np.float64)
    covered = (node >= 0) & (off <= COVERED_M)
    ok = covered[from_stop] & covered[to_stop]
    out = np.full(from_stop.size, np.inf)
    if not ok.any():
        return out
    bound = options.transfer_radius_m * STREET_BOUND
    between = distances_between(streets, "walk", node[from_stop[ok]], node[to_stop[ok]], bound)
    out[ok] = between + off[from_stop[ok]] + off[to_stop[ok]]
    return out
