"""The stops of all feeds in one table: feed-scoped ids, resolved parents, inherited wheelchair."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from feeds.loaded import LoadedFeed
from routing.network import F64, I8, I16, I32


@dataclass(frozen=True, eq=False)
class StopTable:
    """Stops of every feed, in feed order then file order; index = network stop index."""

    ids: tuple[str, ...]
    local_ids: tuple[str, ...]
    names: tuple[str, ...]
    lat: F64
    lon: F64
    feed: I16
    parent: I32
    location_type: I8
    wheelchair: I8

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index(self) -> dict[str, int]:
        """Network stop index by feed-scoped id (`eptc:123`)."""
        return {v: i for i, v in enumerate(self.ids)}

    @property
    def boardable(self) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
        """Stops a vehicle serves (location_type 0) with usable coordinates."""
        ok = (self.location_type == 0) & np.isfinite(self.lat) & np.isfinite(self.lon)
        return np.asarray(ok, dtype=np.bool_)


def scoped(feed_id: str, ids: pd.Series) -> pd.Series:
    """Namespace a column of a feed's own ids with the feed id (`eptc:123`)."""
    return feed_id + ":" + ids.astype(str)


def merge_stops(feeds: Sequence[LoadedFeed]) -> StopTable:
    """Concatenate the stops of `feeds`, namespacing ids and resolving parent stations.

    A stop with ``wheelchair_boarding`` 0 (unknown) takes its parent station's value, as the
    GTFS reference says. A parent id that names no stop of the same feed gives -1.
    """
    frames = []
    for number, feed in enumerate(feeds):
        stops = feed.stops
        frames.append(
            pd.DataFrame(
                {
                    "id": scoped(feed.id, stops["stop_id"]),
                    "local": stops["stop_id"].astype(str),
                    "name": stops["stop_name"].fillna("").astype(str),
                    "lat": stops["stop_lat"].astype(np.float64),
                    "lon": stops["stop_lon"].astype(np.float64),
                    "feed": np.int16(number),
                    "parent_id": _parent_ids(feed.id, stops["parent_station"]),
                    "location_type": stops["location_type"].astype(np.int8),
                    "wheelchair": stops["wheelchair_boarding"].astype(np.int8),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True) if frames else _empty()
    position = pd.Series(np.arange(len(table), dtype=np.int32), index=table["id"].to_numpy())
    position = position[~position.index.duplicated()]
    parent = table["parent_id"].map(position).fillna(-1).to_numpy(np.int64).astype(np.int32)
    wheelchair = table["wheelchair"].to_numpy(np.int8, copy=True)
    inherits = (wheelchair == 0) & (parent >= 0)
    wheelchair[inherits] = wheelchair[parent[inherits]]
    return StopTable(
        ids=tuple(table["id"].tolist()),
        local_ids=tuple(table["local"].tolist()),
        names=tuple(table["name"].tolist()),
        lat=table["lat"].to_numpy(np.float64),
        lon=table["lon"].to_numpy(np.float64),
        feed=table["feed"].to_numpy(np.int16),
        parent=parent,
        location_type=table["location_type"].to_numpy(np.int8),
        wheelchair=wheelchair,
    )


def positions(index: pd.Index, values: pd.Series) -> np.ndarray[tuple[int], np.dtype[np.intp]]:
    """Position of each value in `index` (which must be unique), -1 when absent."""
    return np.asarray(index.get_indexer(pd.Index(values)), dtype=np.intp)


def _parent_ids(feed_id: str, parents: pd.Series) -> pd.Series:
    text = parents.fillna("").astype(str)
    return scoped(feed_id, text).where(text != "", "")


def _empty() -> pd.DataFrame:
    columns = ["id", "local", "name", "lat", "lon", "feed", "parent_id"]
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame["location_type"] = pd.Series([], dtype=np.int8)
    frame["wheelchair"] = pd.Series([], dtype=np.int8)
    return frame
