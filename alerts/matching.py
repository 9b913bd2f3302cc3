"""Finding a realtime trip in the network: by id, by route and start time, and its service day."""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from routing.ids import SEPARATOR
from routing.network import Network
from routing.timeutil import service_day_origin

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]

_START_TIME = re.compile(r"(\d{1,3}):([0-5]\d):([0-5]\d)")
_START_DATE = re.compile(r"\d{8}")
# The GTFS-RT validator refuses start times beyond a week (E020).
MAX_START_TIME_S = 7 * 86_400


def parse_start_time(text: str) -> int | None:
    """Seconds of a TripDescriptor start_time ``HH:MM:SS`` (hours may pass 24), or None if bad."""
    found = _START_TIME.fullmatch(text)
    if found is None:
        return None
    h, m, s = (int(g) for g in found.groups())
    seconds = h * 3600 + m * 60 + s
    return seconds if seconds <= MAX_START_TIME_S else None


def parse_start_date(text: str) -> dt.date | None:
    """The date of a TripDescriptor start_date ``YYYYMMDD``, or None if it is not one."""
    if _START_DATE.fullmatch(text) is None:
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


@dataclass(frozen=True, eq=False)
class TripIndex:
    """Lookups over one network that realtime matching needs, built once per network.

    It keeps the network's arrays, not the network itself, so that a cache keyed weakly by
    the network lets an old network go once it is swapped out.
    """

    first_date: dt.date
    tz: ZoneInfo
    n_days: int
    trip_pattern: I32
    trip_service: I32
    trip_direction: I8
    pattern_trip_ptr: I32
    pattern_time_ptr: I32
    pattern_stop_ptr: I32
    pattern_stops: I32
    departure: I32
    service_days: U8
    trip_slot: I32
    trip_start_s: I32
    trip_end_s: I32
    by_route_start: dict[tuple[int, int], tuple[int, ...]]
    stop_ids: tuple[str, ...]
    _stops: dict[int, list[int]] = field(default_factory=dict)
    _feed_stops: dict[str, dict[str, int]] = field(default_factory=dict)
    _origins: dict[int, int] = field(default_factory=dict)

    def time_index(self, trip: int, position: int) -> int:
        """Index into the network's stop-time arrays of `trip` at pattern `position`."""
        pattern = int(self.trip_pattern[trip])
        width = int(self.pattern_trip_ptr[pattern + 1] - self.pattern_trip_ptr[pattern])
        return int(self.pattern_time_ptr[pattern]) + position * width + int(self.trip_slot[trip])

    def pattern_stops_of(self, trip: int) -> list[int]:
        """The stop indices of `trip`'s pattern in order (cached as a list for fast `index`)."""
        pattern = int(self.trip_pattern[trip])
        stops = self._stops.get(pattern)
        if stops is None:
            lo, hi = int(self.pattern_stop_ptr[pattern]), int(self.pattern_stop_ptr[pattern + 1])
            stops = self.pattern_stops[lo:hi].tolist()
            self._stops[pattern] = stops
        return stops

    def feed_stops(self, feed_id: str) -> dict[str, int]:
        """Stop indices of feed `feed_id` by the feed's own stop ids (``DALY``, not ``bart:DALY``).

        Looking up the raw id saves building the scoped string for every stop time update.
        """
        found = self._feed_stops.get(feed_id)
        if found is None:
            prefix = f"{feed_id}{SEPARATOR}"
            found = {
                stop_id[len(prefix) :]: i
                for i, stop_id in enumerate(self.stop_ids)
                if stop_id.startswith(prefix)
            }
            self._feed_stops[feed_id] = found
        return found

    def trip_slots(self, trip: int, positions: Sequence[int]) -> list[int]:
        """Indices into the stop-time arrays of `trip` at each of `positions`."""
        pattern = int(self.trip_pattern[trip])
        width = int(self.pattern_trip_ptr[pattern + 1] - self.pattern_trip_ptr[pattern])
        first = int(self.pattern_time_ptr[pattern]) + int(self.trip_slot[trip])
        return [first + position * width for position in positions]

    def day_origin(self, day: int) -> int:
        """POSIX seconds of the origin ("noon minus 12 h") of service day index `day`."""
        origin = self._origins.get(day)
        if origin is None:
            date = self.first_date + dt.timedelta(days=day)
            origin = int(service_day_origin(date, self.tz).timestamp())
            self._origins[day] = origin
        return origin

    def day_of(self, date: dt.date) -> int:
        """The service day index of `date` (may be out of the calendar)."""
        return (date - self.first_date).days

    def is_active(self, trip: int, day: int) -> bool:
        """Whether `trip` runs on service day index `day`."""
        if not 0 <= day < self.n_days:
            return False
        return bool(self.service_days[self.trip_service[trip], day])

    def infer_day(self, trip: int, moment: float, position: int | None) -> int | None:
        """The service day on which `trip` is nearest `moment`, among yesterday, today, tomorrow.

        With `position`, `moment` is the realtime time at that stop and is compared with its
        scheduled time; without, with the trip's whole scheduled run.
        """
        today = self.day_of(dt.datetime.fromtimestamp(moment, self.tz).date())
        best: tuple[float, int] | None = None
        for day in (today - 1, today, today + 1):
            if not self.is_active(trip, day):
                continue
            gap = self._gap(trip, day, moment, position)
            if best is None or gap < best[0]:
                best = (gap, day)
        return None if best is None else best[1]

    def _gap(self, trip: int, day: int, moment: float, position: int | None) -> float:
        origin = self.day_origin(day)
        if position is not None:
            return abs(origin + int(self.departure[self.time_index(trip, position)]) - moment)
        start = origin + int(self.trip_start_s[trip])
        end = origin + int(self.trip_end_s[trip])
        return max(start - moment, moment - end, 0.0)

    def find_by_start(
        self, route: int, start_s: int, day: int, direction: int | None = None
    ) -> tuple[int, ...]:
        """Trips of `route` leaving their first stop at `start_s` and running on `day`.

        With a `direction` (0 or 1), trips of the other direction are left out; a trip whose
        feed gives no direction (-1) may run either way and is kept.
        """
        return tuple(
            t
            for t in self.by_route_start.get((route, start_s), ())
            if self.is_active(t, day) and self.runs_towards(t, direction)
        )

    def runs_towards(self, trip: int, direction: int | None) -> bool:
        """Whether `trip` may run in `direction` (None, or a trip without one: any)."""
        own = int(self.trip_direction[trip])
        return direction is None or own < 0 or own == direction


def _trip_slots(net: Network) -> I32:
    counts = np.diff(net.pattern_trip_ptr)
    slots = np.zeros(len(net.trip_ids), dtype=np.int32)
    ranks = np.arange(len(net.pattern_trips), dtype=np.int32) - np.repeat(
        net.pattern_trip_ptr[:-1], counts
    )
    slots[net.pattern_trips] = ranks
    return slots


def _build(net: Network) -> TripIndex:
    slots = _trip_slots(net)
    patterns = net.trip_pattern
    widths = net.pattern_trip_ptr[patterns + 1] - net.pattern_trip_ptr[patterns]
    n_stops = net.pattern_stop_ptr[patterns + 1] - net.pattern_stop_ptr[patterns]
    first = net.pattern_time_ptr[patterns] + slots
    last = first + (n_stops - 1) * widths
    start = net.departure[first].astype(np.int32)
    end = net.arrival[last].astype(np.int32)
    by_route_start: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    routes = net.trip_route.tolist()
    for trip, (route, seconds) in enumerate(zip(routes, start.tolist(), strict=True)):
        by_route_start[(route, seconds)].append(trip)
    return TripIndex(
        first_date=net.first_date,
        tz=net.tz,
        n_days=net.n_days,
        trip_pattern=net.trip_pattern,
        trip_service=net.trip_service,
        trip_direction=net.trip_direction,
        pattern_trip_ptr=net.pattern_trip_ptr,
        pattern_time_ptr=net.pattern_time_ptr,
        pattern_stop_ptr=net.pattern_stop_ptr,
        pattern_stops=net.pattern_stops,
        departure=net.departure,
        service_days=net.service_days,
        trip_slot=slots,
        trip_start_s=start,
        trip_end_s=end,
        by_route_start={k: tuple(v) for k, v in by_route_start.items()},
        stop_ids=net.stop_ids,
    )


_INDEXES: weakref.WeakKeyDictionary[Network, TripIndex] = weakref.WeakKeyDictionary()


def trip_index(network: Network) -> TripIndex:
    """The `TripIndex` of `network`, built on first use and kept as long as the network lives."""
    found = _INDEXES.get(network)
    if found is None:
        found = _build(network)
        _INDEXES[network] = found
    return found
