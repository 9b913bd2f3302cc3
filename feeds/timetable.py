"""Routes, trips and stop times of all feeds merged onto network indices (ids feed-scoped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from feeds.frequencies import expand_frequencies
from feeds.loaded import LoadedFeed
from feeds.merged_stops import StopTable, positions, scoped
from feeds.patterns import StopTimes
from routing.network import I8, I16, I32, NO_DROP_OFF, NO_PICKUP


@dataclass(frozen=True, eq=False)
class RouteTable:
    """Routes of every feed, in feed order then file order."""

    ids: tuple[str, ...]
    short_names: tuple[str, ...]
    long_names: tuple[str, ...]
    colors: tuple[str, ...]
    text_colors: tuple[str, ...]
    agency_names: tuple[str, ...]
    type: I16
    feed: I16


@dataclass(frozen=True, eq=False)
class TripTable:
    """Trips of every feed after frequency expansion, and their stop times."""

    ids: tuple[str, ...]
    headsigns: tuple[str, ...]
    route: I32
    service: I32
    shape: I32
    wheelchair: I8
    bikes: I8
    direction: I8
    feed: I16
    times: StopTimes


def merge_routes(feeds: Sequence[LoadedFeed]) -> RouteTable:
    """Concatenate the routes of `feeds`, with each route's agency name resolved."""
    frames = [_routes(number, feed) for number, feed in enumerate(feeds)]
    table = pd.concat(frames, ignore_index=True)

    def text(column: str) -> tuple[str, ...]:
        return tuple(table[column].fillna("").astype(str).tolist())

    return RouteTable(
        ids=text("id"),
        short_names=text("route_short_name"),
        long_names=text("route_long_name"),
        colors=text("route_color"),
        text_colors=text("route_text_color"),
        agency_names=text("agency_name"),
        type=table["route_type"].to_numpy(np.int16),
        feed=table["feed"].to_numpy(np.int16),
    )


def _routes(number: int, feed: LoadedFeed) -> pd.DataFrame:
    agency = feed.agency.drop_duplicates("agency_id")
    names = pd.Series(agency["agency_name"].to_numpy(), index=agency["agency_id"].astype(str))
    routes = feed.routes.copy()
    # A feed with one agency may leave routes.agency_id blank: the route is that agency's.
    default = str(agency["agency_name"].iloc[0]) if len(agency) else ""
    routes["agency_name"] = routes["agency_id"].astype(str).map(names).fillna(default)
    routes["id"] = scoped(feed.id, routes["route_id"])
    routes["feed"] = np.int16(number)
    return routes


def merge_trips(
    feeds: Sequence[LoadedFeed],
    stops: StopTable,
    routes: RouteTable,
    services: pd.Index,
    shapes: pd.Index,
) -> TripTable:
    """Expand frequencies and merge the trips of `feeds` onto network indices.

    Stop times naming an unknown trip or stop are left out, and so are trips with fewer than
    two stop times left or an unknown route: they have no stop-to-stop hop to ride.
    """
    index = _Indexes(pd.Index(stops.ids), pd.Index(routes.ids), services, shapes)
    parts = [_feed_trips(number, feed, index) for number, feed in enumerate(feeds)]
    offsets = np.cumsum([0] + [len(t) for t, _ in parts])
    trips = pd.concat([t for t, _ in parts], ignore_index=True)
    times = pd.concat(
        [st.assign(trip=st["trip"] + off) for (_, st), off in zip(parts, offsets, strict=False)],
        ignore_index=True,
    )
    return TripTable(
        ids=tuple(trips["id"].tolist()),
        headsigns=tuple(trips["trip_headsign"].fillna("").astype(str).tolist()),
        route=trips["route"].to_numpy(np.int32),
        service=trips["service"].to_numpy(np.int32),
        shape=trips["shape"].to_numpy(np.int32),
        wheelchair=trips["wheelchair_accessible"].to_numpy(np.int8),
        bikes=trips["bikes_allowed"].to_numpy(np.int8),
        direction=trips["direction_id"].to_numpy(np.int8),
        feed=trips["feed"].to_numpy(np.int16),
        times=StopTimes(
            trip=times["trip"].to_numpy(np.int32),
            stop_sequence=times["stop_sequence"].to_numpy(np.int32),
            stop=times["stop"].to_numpy(np.int32),
            arrival=times["arrival_s"].to_numpy(np.int32),
            departure=times["departure_s"].to_numpy(np.int32),
            flags=times["flags"].to_numpy(np.uint8),
        ),
    )


@dataclass(frozen=True, eq=False)
class _Indexes:
    stops: pd.Index
    routes: pd.Index
    services: pd.Index
    shapes: pd.Index


def _feed_trips(
    number: int, feed: LoadedFeed, index: _Indexes
) -> tuple[pd.DataFrame, pd.DataFrame]:
    trips, times = expand_frequencies(
        feed.trips.drop_duplicates("trip_id"), feed.stop_times, feed.frequencies
    )
    trips = trips.assign(
        id=scoped(feed.id, trips["trip_id"]),
        route=positions(index.routes, scoped(feed.id, trips["route_id"])),
        service=positions(index.services, scoped(feed.id, trips["service_id"])),
        shape=positions(index.shapes, scoped(feed.id, trips["shape_id"])),
        feed=np.int16(number),
    )
    times = times.assign(
        trip=positions(pd.Index(trips["trip_id"]), times["trip_id"]),
        stop=positions(index.stops, scoped(feed.id, times["stop_id"])),
        flags=_flags(times),
    )
    times = times[(times["trip"] >= 0) & (times["stop"] >= 0)]
    count = np.bincount(times["trip"].to_numpy(np.int64), minlength=len(trips))
    keep = (count >= 2) & (trips["route"].to_numpy() >= 0) & (trips["service"].to_numpy() >= 0)
    renumber = np.cumsum(keep) - 1
    times = times[keep[times["trip"].to_numpy()]]
    times = times.assign(trip=renumber[times["trip"].to_numpy()])
    return trips[keep].reset_index(drop=True), times


def _flags(times: pd.DataFrame) -> np.ndarray[tuple[int], np.dtype[np.uint8]]:
    # Only type 1 forbids; 2 and 3 (phone / ask the driver) still let a rider on or off.
    pickup = np.where(times["pickup_type"].to_numpy() == 1, NO_PICKUP, 0)
    drop_off = np.where(times["drop_off_type"].to_numpy() == 1, NO_DROP_OFF, 0)
    return np.asarray(pickup | drop_off, dtype=np.uint8)
