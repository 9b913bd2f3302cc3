"""The merged regional timetable as immutable compact arrays: the router's data contract.

Layout (RAPTOR-friendly, as in nigiri and OpenTripPlanner's Raptor module):

* stops ``S``: every GTFS stop, station and entrance of every feed, ids feed-scoped
  (``eptc:123``). Only ``location_type`` 0 (or blank) stops are boarded.
* patterns ``P``: trips of one GTFS route sharing the exact stop sequence and never
  overtaking each other, so a pattern's trips are sorted at every stop.
* stop times: for pattern ``p`` with ``n`` stops and ``k`` trips, the time of its ``j``-th
  trip at position ``i`` lives at ``pattern_time_ptr[p] + i * k + j`` (position-major, so
  finding the first catchable trip at a stop is a binary search over contiguous memory).
* times are int32 seconds since the service day's "noon minus 12 h" (GTFS), and may pass
  86,400 for trips running past midnight; ``service_days[service, day]`` says whether a
  service runs on ``first_date + day``.
* transfers: a CSR list of footpaths from each stop (street walks, crow-fly links between
  feeds, and each feed's transfers.txt), plus a minimum same-stop transfer time.
  Footpaths ``transfer_ptr[s] <= e < transfer_ptr[s + 1]`` lead to ``transfer_to[e]`` in
  ``transfer_s[e]`` seconds (``transfer_kind[e]`` is a ``TRANSFER_*``); they are symmetric.
* ``stop_time_flags`` (``NO_PICKUP`` / ``NO_DROP_OFF`` bits) shares the layout of ``arrival``
  and ``departure``; all trips of a pattern have the same flags (they are part of its key).
* ``pattern_stop_shape_pos[pattern_stop_ptr[p] + i]`` is the index, counted from
  ``shape_ptr[pattern_shape[p]]``, of the shape point nearest the i-th stop of pattern ``p``
  (non-decreasing along the pattern); ``pattern_shape[p]`` and ``stop_parent[s]`` are -1 when
  there is none.
* ``trip_direction`` is each trip's GTFS ``direction_id`` (0 or 1), -1 when the feed leaves
  it blank; realtime matching uses it to tell apart trips of one route leaving at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from routing.ids import FeedScopedId, StopIdx

I8 = npt.NDArray[np.int8]
I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

NO_PICKUP = np.uint8(1)
NO_DROP_OFF = np.uint8(2)

TRANSFER_STREET = 0
TRANSFER_CROW_FLY = 1
TRANSFER_GTFS = 2
TRANSFER_SAME_STATION = 3


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """What one feed contributed to the network, as `hub info` reports it."""

    id: str
    authority: str
    timezone: str
    agencies: tuple[str, ...]
    stops: int
    routes: int
    trips: int
    start_date: str | None
    end_date: str | None
    feed_info_start: str | None
    feed_info_end: str | None
    url: str | None
    errors: int
    warnings: int


@dataclass(frozen=True, eq=False)
class Network:
    """The immutable merged network. Build with `feeds`, save and load with `routing.storage`."""

    version: str
    built_at: str
    timezone: str
    first_date: dt.date
    summary_date: dt.date
    feeds: tuple[FeedSummary, ...]

    stop_ids: tuple[str, ...]
    stop_names: tuple[str, ...]
    stop_lat: F64
    stop_lon: F64
    stop_feed: I16
    stop_parent: I32
    stop_location_type: I8
    stop_wheelchair: I8
    stop_min_transfer_s: I32

    route_ids: tuple[str, ...]
    route_short_names: tuple[str, ...]
    route_long_names: tuple[str, ...]
    route_colors: tuple[str, ...]
    route_text_colors: tuple[str, ...]
    route_agency_names: tuple[str, ...]
    route_type: I16
    route_feed: I16

    trip_ids: tuple[str, ...]
    trip_headsigns: tuple[str, ...]
    trip_route: I32
    trip_service: I32
    trip_pattern: I32
    trip_wheelchair: I8
    trip_bikes: I8
    trip_direction: I8

    pattern_route: I32
    pattern_stop_ptr: I32
    pattern_stops: I32
    pattern_trip_ptr: I32
    pattern_trips: I32
    pattern_time_ptr: I32
    arrival: I32
    departure: I32
    stop_time_flags: U8

    stop_pattern_ptr: I32
    stop_patterns: I32
    stop_pattern_pos: I32

    transfer_ptr: I32
    transfer_to: I32
    transfer_s: I32
    transfer_kind: I8

    service_ids: tuple[str, ...]
    service_days: U8

    pattern_shape: I32
    pattern_stop_shape_pos: I32
    shape_ptr: I32
    shape_lat: F32
    shape_lon: F32

    @property
    def tz(self) -> ZoneInfo:
        """The region's timezone, in which service days are counted."""
        return ZoneInfo(self.timezone)

    @property
    def n_stops(self) -> int:
        """Number of stops (all location types)."""
        return len(self.stop_ids)

    @property
    def n_days(self) -> int:
        """Number of calendar days covered by `service_days`."""
        return int(self.service_days.shape[1])

    @property
    def n_connections(self) -> int:
        """Stop-to-stop hops over all trips (each trip with n stops has n - 1)."""
        n_stops = np.diff(self.pattern_stop_ptr)
        n_trips = np.diff(self.pattern_trip_ptr)
        return int(np.sum((n_stops - 1) * n_trips))

    def day_index(self, day: dt.date) -> int:
        """Index of `day` in `service_days` columns (may be out of range)."""
        return (day - self.first_date).days

    def find_stop(self, stop_id: str | FeedScopedId) -> StopIdx | None:
        """Index of the stop with this feed-scoped id, or None."""
        found = self._stop_index.get(str(stop_id))
        return None if found is None else StopIdx(found)

    def get_stop(self, stop_id: str | FeedScopedId) -> StopIdx:
        """Index of the stop with this feed-scoped id.

        Raises:
            KeyError: when no stop has this id.
        """
        return StopIdx(self._stop_index[str(stop_id)])

    def find_trip(self, trip_id: str | FeedScopedId) -> int | None:
        """Index of the trip with this feed-scoped id, or None."""
        return self._trip_index.get(str(trip_id))

    def get_trip(self, trip_id: str | FeedScopedId) -> int:
        """Index of the trip with this feed-scoped id.

        Raises:
            KeyError: when no trip has this id.
        """
        return self._trip_index[str(trip_id)]

    def find_route(self, route_id: str | FeedScopedId) -> int | None:
        """Index of the route with this feed-scoped id, or None."""
        return self._route_index.get(str(route_id))

    @cached_property
    def _stop_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.stop_ids)}

    @cached_property
    def _trip_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.trip_ids)}

    @cached_property
    def _route_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.route_ids)}

    def trips_active(self, day: int) -> npt.NDArray[np.bool_]:
        """Boolean mask over trips running on service day `day` (False outside the calendar)."""
        if not 0 <= day < self.n_days:
            return np.zeros(len(self.trip_ids), dtype=np.bool_)
        return np.asarray(self.service_days[self.trip_service, day] != 0, dtype=np.bool_)
