"""A stop's next departures with their realtime times, delays and cancellations from an overlay."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.network import NO_PICKUP, Network
from routing.realtime import RealtimeOverlay
from routing.timeutil import SECONDS_PER_DAY

I64 = npt.NDArray[np.int64]
DEFAULT_HORIZON_S = 2 * 3600


@dataclass(frozen=True, slots=True)
class LiveDeparture:
    """One departure of trip `trip` (service day `day`) from the stop, at pattern `position`.

    Times are seconds on the clock of the *asked* service day (a trip of the day before has
    its times shifted by -86,400 s). ``realtime`` says an overlay covered that trip's day;
    ``delay_s`` is realtime minus scheduled departure.
    """

    trip: int
    day: int
    position: int
    time_index: int
    scheduled_departure_s: int
    departure_s: int
    delay_s: int
    cancelled: bool
    skipped: bool
    realtime: bool
    last_stop: bool


def departures(
    network: Network,
    overlay: RealtimeOverlay | None,
    stop: int,
    day: int,
    from_s: int,
    *,
    horizon_s: int = DEFAULT_HORIZON_S,
    limit: int = 20,
) -> list[LiveDeparture]:
    """Departures from `stop` between `from_s` and `from_s + horizon_s` on service day `day`.

    Trips of the day before that are still running count too. A departure's realtime time
    decides whether it is in the window (a delayed train that has not left yet is shown);
    cancelled trips and skipped stops are listed with their flag so boards can say so, and
    stop times with no pickup are left out. Sorted by realtime departure, at most `limit`.
    """
    found: list[LiveDeparture] = []
    for service_day in (day - 1, day):
        shift = (service_day - day) * SECONDS_PER_DAY
        live = overlay if overlay is not None and overlay.day == service_day else None
        found += _of_day(network, live, stop, service_day, shift, (from_s, from_s + horizon_s))
    found.sort(key=lambda d: (d.departure_s, d.trip))
    return found[:limit]


def _slots(network: Network, stop: int) -> tuple[I64, I64, I64]:
    """(time index, trip, position) of every stop time at `stop`."""
    lo, hi = int(network.stop_pattern_ptr[stop]), int(network.stop_pattern_ptr[stop + 1])
    cells: list[I64] = []
    trips: list[I64] = []
    positions: list[I64] = []
    for pattern, position in zip(
        network.stop_patterns[lo:hi].tolist(), network.stop_pattern_pos[lo:hi].tolist(), strict=True
    ):
        first, last = (
            int(network.pattern_trip_ptr[pattern]),
            int(network.pattern_trip_ptr[pattern + 1]),
        )
        width = last - first
        base = int(network.pattern_time_ptr[pattern]) + position * width
        cells.append(np.arange(base, base + width, dtype=np.int64))
        trips.append(network.pattern_trips[first:last].astype(np.int64))
        positions.append(np.full(width, position, dtype=np.int64))
    if not cells:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(cells), np.concatenate(trips), np.concatenate(positions)


def _of_day(
    network: Network,
    overlay: RealtimeOverlay | None,
    stop: int,
    day: int,
    shift: int,
    window: tuple[int, int],
) -> list[LiveDeparture]:
    cells, trips, positions = _slots(network, stop)
    keep = network.trips_active(day)[trips] & ((network.stop_time_flags[cells] & NO_PICKUP) == 0)
    cells, trips, positions = cells[keep], trips[keep], positions[keep]
    scheduled = network.departure[cells].astype(np.int64) + shift
    times = scheduled if overlay is None else overlay.departure[cells].astype(np.int64) + shift
    inside = (times >= window[0]) & (times < window[1])
    out = []
    for cell, trip, position, sched, actual in zip(
        cells[inside].tolist(), trips[inside].tolist(), positions[inside].tolist(),
        scheduled[inside].tolist(), times[inside].tolist(), strict=True,
    ):  # fmt: skip
        out.append(
            LiveDeparture(
                trip=trip,
                day=day,
                position=position,
                time_index=cell,
                scheduled_departure_s=sched,
                departure_s=actual,
                delay_s=actual - sched,
                cancelled=overlay is not None and bool(overlay.cancelled[trip]),
                skipped=overlay is not None and bool(overlay.skipped[cell]),
                realtime=overlay is not None,
                last_stop=_is_last(network, trip, position),
            )
        )
    return out


def _is_last(network: Network, trip: int, position: int) -> bool:
    pattern = int(network.trip_pattern[trip])
    n_stops = int(network.pattern_stop_ptr[pattern + 1] - network.pattern_stop_ptr[pattern])
    return position == n_stops - 1
