"""Shapes of all feeds as CSR point arrays, and where each pattern stop lies along its shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from feeds.loaded import LoadedFeed
from feeds.merged_stops import scoped
from routing.network import F32, F64, I32

METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True, eq=False)
class ShapeTable:
    """Shape ``s`` is the points ``ptr[s] <= i < ptr[s + 1]`` of ``lat`` / ``lon``."""

    ids: tuple[str, ...]
    ptr: I32
    lat: F32
    lon: F32

    @cached_property
    def index(self) -> dict[str, int]:
        """Shape index by feed-scoped shape id."""
        return {v: i for i, v in enumerate(self.ids)}


def merge_shapes(feeds: Sequence[LoadedFeed]) -> ShapeTable:
    """Concatenate the shapes of `feeds` (already sorted by shape and sequence by the loader)."""
    frames = [
        pd.DataFrame(
            {
                "id": scoped(feed.id, feed.shapes["shape_id"]),
                "lat": feed.shapes["shape_pt_lat"].astype(np.float32),
                "lon": feed.shapes["shape_pt_lon"].astype(np.float32),
            }
        )
        for feed in feeds
        if not feed.shapes.empty
    ]
    if not frames:
        empty = np.zeros(0, dtype=np.float32)
        return ShapeTable((), np.zeros(1, dtype=np.int32), empty, empty)
    points = pd.concat(frames, ignore_index=True)
    ids = points["id"].to_numpy()
    # The loader sorts by shape then sequence, so each shape is one run of equal ids.
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ptr = np.append(starts, len(points)).astype(np.int32)
    return ShapeTable(
        ids=tuple(str(v) for v in ids[starts]),
        ptr=ptr,
        lat=points["lat"].to_numpy(np.float32),
        lon=points["lon"].to_numpy(np.float32),
    )


def stop_shape_positions(
    pattern_shape: I32,
    stop_ptr: I32,
    pattern_stops: I32,
    stop_lat: F64,
    stop_lon: F64,
    shapes: ShapeTable,
) -> I32:
    """For each pattern stop, the index (from the shape's start) of its nearest shape point.

    The indices never decrease along a pattern: among monotone assignments the one with the
    least total stop-to-point distance is taken, so a shape passing a stop twice (loops,
    there-and-back lines) is matched in the right order. Patterns without a shape get 0.
    """
    out = np.zeros(pattern_stops.size, dtype=np.int32)
    done: dict[tuple[int, bytes], I32] = {}
    for p, shape in enumerate(pattern_shape.tolist()):
        if shape < 0:
            continue
        stops = pattern_stops[stop_ptr[p] : stop_ptr[p + 1]]
        key = (shape, stops.tobytes())
        if key not in done:
            lo, hi = int(shapes.ptr[shape]), int(shapes.ptr[shape + 1])
            done[key] = monotone_nearest(
                stop_lat[stops], stop_lon[stops], shapes.lat[lo:hi], shapes.lon[lo:hi]
            )
        out[stop_ptr[p] : stop_ptr[p + 1]] = done[key]
    return out


def monotone_nearest(lat: F64, lon: F64, shape_lat: F32, shape_lon: F32) -> I32:
    """Non-decreasing shape point indices for the points (lat, lon), least total distance."""
    if shape_lat.size == 0:
        return np.zeros(lat.size, dtype=np.int32)
    scale = np.cos(np.radians(float(np.nanmean(lat)) if lat.size else 0.0))
    dx = (lon[:, None] - shape_lon[None, :].astype(np.float64)) * scale
    dy = lat[:, None] - shape_lat[None, :].astype(np.float64)
    # A stop without coordinates constrains nothing: count it as on every point.
    distance = np.nan_to_num(np.hypot(dx, dy) * METRES_PER_DEGREE, nan=0.0)
    cost = np.empty_like(distance)
    cost[0] = distance[0]
    for i in range(1, lat.size):
        # Best total cost of stops 0..i with stop i on point q, over earlier points <= q.
        cost[i] = distance[i] + np.minimum.accumulate(cost[i - 1])
    position = np.empty(lat.size, dtype=np.int32)
    position[-1] = int(np.argmin(cost[-1]))
    for i in range(lat.size - 2, -1, -1):
        position[i] = int(np.argmin(cost[i, : position[i + 1] + 1]))
    return position
