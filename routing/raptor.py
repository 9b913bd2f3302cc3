"""The transit search: RAPTOR over the network's patterns, Pareto over (arrival, transfers).

`search` answers depart-at and arrive-by queries, at one time or over a window (range RAPTOR),
between access and egress offsets; see `routing.journey` for the result. Rules it follows:

* Access offsets lead straight to a first boarding and the last ride ends at an egress
  offset's stop: footpaths are only walked *between* two rides, one at most. The network's
  footpaths are not transitively closed, so A -> B -> C on foot is only possible when the
  network lists A -> C itself; a door-to-door caller finds nearby stops in its access search.
* Changing vehicles at one stop needs its ``stop_min_transfer_s``; a footpath needs its own
  ``transfer_s`` and nothing more. Footpaths from a stop to itself are ignored.
* Trips of the service days before and after `day` are used, on the query day's clock
  (-86,400 s and +86,400 s), so trips running past midnight and late searches work.
* Pickup and drop-off types are honoured; `wheelchair` keeps stops and trips marked accessible
  (unknown counts as not accessible); `bikes` keeps trips allowing bikes.
* A `RealtimeOverlay` for one of those days replaces that day's times, drops its cancelled
  trips and skipped stop times, and closes its closed stops to boarding and alighting.
* A journey has at least one ride; a walk alone is the door-to-door planner's to offer.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.journey import Journey
from routing.lower_bounds import realtime_slack, zone_bounds
from routing.network import Network
from routing.query import Offset, OffsetArrays, OffsetLookup
from routing.raptor_arrays import DayArrays, Workspace
from routing.raptor_frame import Frame, day_arrays, departure_times, frame_for
from routing.raptor_kernels import INF, JOURNEY_FIELDS, LEG_FIELDS, NO_POS, range_query
from routing.raptor_paths import pareto, to_journeys
from routing.realtime import RealtimeOverlay

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]


def new_workspace(n_stops: int, n_patterns: int, rounds: int) -> Workspace:
    """Labels for `rounds` rounds (round 0 is the access) over `n_stops` stops.

    Ride labels start at round 1 (row ``k - 1``): round 0 rides nothing.
    """

    def full(shape: int | tuple[int, ...], value: int, dtype: type = np.int32) -> npt.NDArray:  # type: ignore[type-arg]
        return np.full(shape, value, dtype=dtype)

    s, p, r = n_stops, n_patterns, rounds
    return Workspace(
        ride=full((r - 1, s), INF), ready=full((r, s), INF), ride_parent=full((r - 1, s, 2), -1),
        ready_parent=full((r, s), -1), best_ride=full(s, INF), best_ready=full(s, INF),
        access=full(s, INF), egress=full(s, INF), marked=full(s, 0, np.uint8),
        ride_marked=full(s, 0, np.uint8), stop_list=full(s, -1), ride_list=full(s, -1),
        pattern_first=full(p, NO_POS), pattern_last=full(p, -1), pattern_list=full(p, -1),
        target=full(r, INF), target_stop=full(r, -1), improved=full(r, 0, np.uint8),
        counts=full(8, 0, np.int64), lb=full(s, 0),
    )  # fmt: skip


_local = threading.local()


def _workspace(network: Network, frame: Frame, rounds: int) -> Workspace:
    """This thread's workspace for `network`, either direction (nogil kernels share none)."""
    per_thread: weakref.WeakKeyDictionary[Network, Workspace] | None
    per_thread = getattr(_local, "workspaces", None)
    if per_thread is None:
        per_thread = _local.workspaces = weakref.WeakKeyDictionary()
    ws = per_thread.get(network)
    if ws is None or ws.target.size < rounds:
        ws = per_thread[network] = new_workspace(frame.n_stops, frame.n_patterns, max(rounds, 8))
    return ws


Offsets = Sequence[Offset] | OffsetArrays


def search(
    network: Network,
    access: Offsets,
    egress: Offsets,
    day: int,
    time_s: int,
    *,
    arrive_by: bool = False,
    window_s: int = 0,
    max_transfers: int = 6,
    wheelchair: bool = False,
    bikes: bool = False,
    overlay: RealtimeOverlay | None = None,
) -> list[Journey]:
    """Pareto-optimal transit journeys from the access offsets to the egress offsets.

    Args:
        network: the timetable.
        access: stops reachable from the origin, and how long reaching them takes (`Offset`s,
            or the arrays of a street search).
        egress: stops from which the destination is reached, and how long that takes.
        day: the service day (`service_days` column) whose clock `time_s` counts on.
        time_s: the earliest departure, or with `arrive_by` the latest arrival.
        arrive_by: search backwards from `time_s` (latest departure).
        window_s: also depart up to `window_s` later (arrive-by: arrive up to `window_s`
            earlier), returning the Pareto journeys of every departure time in the window
            (range RAPTOR); those of its last instant may leave after it.
        max_transfers: at most this many transfers (rides - 1).
        wheelchair: only stops and trips marked accessible.
        bikes: only trips allowing bikes on board.
        overlay: realtime state for `day`, the day before or the day after.

    Returns:
        Journeys none of which is beaten by another in departure (later), arrival (earlier)
        and transfers (fewer), sorted by departure then arrival.

    Raises:
        ValueError: on a negative window or transfer limit, or an overlay of another network.
    """
    if window_s < 0 or max_transfers < 0:
        raise ValueError("window_s and max_transfers must not be negative")
    frame = frame_for(network, arrive_by)
    days = day_arrays(network, frame, day, wheelchair=wheelchair, bikes=bikes, overlay=overlay)
    sources = _usable(egress if arrive_by else access, days)
    targets = _usable(access if arrive_by else egress, days)
    if not sources[0].size or not targets[0].size:
        return []
    start = -time_s if arrive_by else time_s
    rows = _run(network, frame, days, sources, targets, start, window_s, max_transfers + 2)
    return pareto(to_journeys(frame, day, rows, sources[2], targets[2]))


def prepare(network: Network) -> None:
    """Derive now what the first searches would derive: both frames and their zone bounds.

    A server calls it when it loads a network, so no user's query waits for it (~0.4 s for
    Porto Alegre).
    """
    for reverse in (False, True):
        frame_for(network, reverse)
        zone_bounds(network, reverse)


def journey_rows(n_journeys: int, n_legs: int) -> tuple[I32, I32]:
    """This thread's buffers for the kernels' journey and leg rows, with room for as many.

    Kept between queries: fresh arrays of this size cost more in page faults than a search.
    """
    head, legs = getattr(_local, "rows", (np.empty((0, 0), np.int32),) * 2)
    if head.shape[0] < n_journeys or legs.shape[0] < n_legs:
        head = np.empty((max(n_journeys, 2 * head.shape[0]), JOURNEY_FIELDS), dtype=np.int32)
        legs = np.empty((max(n_legs, 2 * legs.shape[0]), LEG_FIELDS), dtype=np.int32)
        _local.rows = head, legs
    return head, legs


def usable_offsets(offsets: Sequence[Offset], days: DayArrays) -> dict[int, Offset]:
    """The shortest offset to each stop one may board at (or alight at) in `days`."""
    best: dict[int, Offset] = {}
    for o in offsets:
        s = int(o.stop)
        if (
            0 <= s < days.stop_ok.size
            and days.stop_ok[s]
            and (s not in best or o.duration_s < best[s].duration_s)
        ):
            best[s] = o
    return best


def _usable(offsets: Offsets, days: DayArrays) -> tuple[I32, I32, OffsetLookup]:
    """The stops one may board (or alight) at in `days`, their durations, and their offsets."""
    if isinstance(offsets, OffsetArrays):
        kept = offsets
        if not _all_usable(offsets.stops, days.stop_ok):
            inside = (offsets.stops >= 0) & (offsets.stops < days.stop_ok.size)
            inside[inside] = days.stop_ok[offsets.stops[inside]] != 0
            kept = offsets.select(inside)
        stops = kept.stops.astype(np.int32, copy=False)
        return stops, kept.duration_s.astype(np.int32, copy=False), kept
    best = usable_offsets(offsets, days)
    stops = np.fromiter(best, dtype=np.int32, count=len(best))
    durations = np.fromiter((o.duration_s for o in best.values()), np.int32, count=len(best))
    return stops, durations, best


@njit(cache=True, nogil=True)
def _all_usable(stops: I32, stop_ok: U8) -> bool:
    """Whether every one of `stops` is a stop one may use (the usual case, checked quickly)."""
    for s in stops:  # noqa: SIM110 - a loop numba compiles, not a generator
        if s < 0 or s >= stop_ok.size or stop_ok[s] == 0:
            return False
    return True


def _run(
    network: Network,
    frame: Frame,
    days: DayArrays,
    sources: tuple[I32, I32, OffsetLookup],
    targets: tuple[I32, I32, OffsetLookup],
    start: int,
    window_s: int,
    rounds: int,
) -> tuple[I32, I32]:
    """Run the kernels; the journey and leg rows they wrote."""
    stops, durations = sources[0], sources[1]
    # A run at the window's end answers for leaving between its last departure and its end.
    times = np.array([start + window_s], dtype=np.int64)
    if window_s:
        found = departure_times(frame.arrays, days, stops, durations, start, start + window_s - 1)
        times = np.concatenate([times, found])
    ws = _workspace(network, frame, rounds)
    bounds = zone_bounds(network, frame.reverse)
    slack = 0
    if days.ov_slot >= 0:
        slack = realtime_slack(frame, bounds, days.ov_arrival, days.ov_departure)
    ends = (stops, durations, targets[0], targets[1], bounds.zone, bounds.matrix, slack)
    # Each run writes at most one journey per round k >= 1, of k rides and k - 1 footpaths.
    head, legs = journey_rows(times.size * (rounds - 1), times.size * (rounds - 1) ** 2)
    n = range_query(tuple(frame.arrays), tuple(days), tuple(ws), ends, times, rounds, head, legs)
    return head[:n], legs
