"""An independent oracle for the transit search: a plain connection scan in pure Python.

It shares no code with `routing.raptor`, only the `Network` arrays it reads, and follows the
same rules, stated here on their own:

* a journey is access offset, then rides; between two rides at most one footpath
  (``transfer_to``/``transfer_s``, never from a stop to itself), or a change at the same stop
  taking ``stop_min_transfer_s``; the last ride ends at an egress offset's stop;
* trips of the service days ``day - 1``, ``day`` and ``day + 1`` run, on the query day's clock;
* no boarding where pickup is forbidden, no alighting where drop-off is;
* `wheelchair` keeps only stops and trips marked 1, `bikes` only trips marked 1;
* a realtime overlay gives its day's trips its times, drops its cancelled trips, forbids
  boarding and alighting at its skipped stop times, and at its closed stops on every day.

For each number of rides ``r`` it computes the earliest arrival with at most ``r`` rides,
scanning connections in departure order: a trip is "held" with the fewest rides it was
boarded with, and each stop keeps the earliest time one may board there with at most ``r``
rides.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass

from routing.network import NO_DROP_OFF, NO_PICKUP, Network
from routing.realtime import RealtimeOverlay

INF = float("inf")
DAY_S = 86_400

# One hop: departure, arrival, from stop, to stop, trip (as in `Connections`), board, alight.
Hop = tuple[int, int, int, int, int, bool, bool]


@dataclass(frozen=True)
class Connections:
    """One day's connections sorted by (departure, arrival), as parallel lists."""

    departure: list[int]
    arrival: list[int]
    from_stop: list[int]
    to_stop: list[int]
    trip: list[int]  # trip * 3 + (service day - day + 1): a trip of one day
    board: list[bool]
    alight: list[bool]
    footpaths: list[list[tuple[int, int]]]  # per stop: (to, seconds), never to itself
    min_transfer_s: list[int]


def connections(
    network: Network,
    day: int,
    *,
    wheelchair: bool = False,
    bikes: bool = False,
    overlay: RealtimeOverlay | None = None,
) -> Connections:
    """Every hop of every trip running on `day - 1`, `day` or `day + 1`, on `day`'s clock."""
    rows: list[Hop] = []
    n_days = network.service_days.shape[1]
    for trip in range(len(network.trip_ids)):
        if (wheelchair and network.trip_wheelchair[trip] != 1) or (
            bikes and network.trip_bikes[trip] != 1
        ):
            continue
        for offset in (-1, 0, 1):
            d = day + offset
            realtime = overlay if overlay is not None and overlay.day == d else None
            if realtime is not None and realtime.cancelled[trip]:
                continue
            if 0 <= d < n_days and network.service_days[network.trip_service[trip], d]:
                rows.extend(_hops(network, trip, offset, wheelchair, realtime, overlay))
    rows.sort()
    ptr, to, seconds = (network.transfer_ptr.tolist(), network.transfer_to.tolist(),
                        network.transfer_s.tolist())  # fmt: skip
    footpaths = [
        [(to[e], seconds[e]) for e in range(ptr[s], ptr[s + 1]) if to[e] != s]
        for s in range(network.n_stops)
    ]
    return Connections(
        departure=[r[0] for r in rows],
        arrival=[r[1] for r in rows],
        from_stop=[r[2] for r in rows],
        to_stop=[r[3] for r in rows],
        trip=[r[4] for r in rows],
        board=[r[5] for r in rows],
        alight=[r[6] for r in rows],
        footpaths=footpaths,
        min_transfer_s=network.stop_min_transfer_s.tolist(),
    )


def _hops(
    network: Network,
    trip: int,
    offset: int,
    wheelchair: bool,
    realtime: RealtimeOverlay | None,
    overlay: RealtimeOverlay | None,
) -> list[Hop]:
    """The trip's hops that day; `realtime` is the overlay of that day, if any."""
    p = int(network.trip_pattern[trip])
    first, last = network.pattern_stop_ptr[p], network.pattern_stop_ptr[p + 1]
    trips = list(
        network.pattern_trips[network.pattern_trip_ptr[p] : network.pattern_trip_ptr[p + 1]]
    )
    j, n = trips.index(trip), len(trips)
    stops = [int(s) for s in network.pattern_stops[first:last]]
    cell = [int(network.pattern_time_ptr[p]) + i * n + j for i in range(len(stops))]
    shift = offset * DAY_S

    def usable(s: int) -> bool:
        closed = overlay is not None and bool(overlay.closed_stops[s])
        return not closed and (not wheelchair or network.stop_wheelchair[s] == 1)

    def served(x: int) -> bool:
        return realtime is None or not realtime.skipped[x]

    times = network if realtime is None else realtime
    key = trip * 3 + offset + 1
    out: list[Hop] = []
    for i in range(len(stops) - 1):
        a, b = cell[i], cell[i + 1]
        board = not network.stop_time_flags[a] & NO_PICKUP and usable(stops[i]) and served(a)
        alight = not network.stop_time_flags[b] & NO_DROP_OFF and usable(stops[i + 1]) and served(b)
        dep, arr = int(times.departure[a]) + shift, int(times.arrival[b]) + shift
        out.append((dep, arr, stops[i], stops[i + 1], key, bool(board), bool(alight)))
    return out


def pareto(
    conns: Connections,
    access: Mapping[int, int],
    egress: Mapping[int, int],
    time_s: int,
    max_rides: int,
    horizon_s: float = INF,
) -> dict[int, int]:
    """Earliest arrival for each Pareto-optimal number of rides: {rides: arrival}.

    `access` and `egress` map stops to offset durations; departure at `time_s`. Only journeys
    arriving before `horizon_s` are sought: those found are exact, the others left out.
    """
    n = len(conns.footpaths)
    # ready[r][s]: earliest time to board at s having made at most r rides.
    ready = [[INF] * n for _ in range(max_rides + 1)]
    for s, d in access.items():
        for r in range(max_rides + 1):
            ready[r][s] = min(ready[r][s], time_s + d)
    best = [float(horizon_s)] * (max_rides + 1)
    held: dict[int, int] = {}  # trip -> fewest rides with which one is aboard
    latest = ready[max_rides - 1]  # the earliest boarding with any number of rides
    start = bisect.bisect_left(conns.departure, time_s)
    columns = (conns.departure, conns.arrival, conns.from_stop, conns.to_stop, conns.trip,
               conns.board, conns.alight)  # fmt: skip
    for dep, arr, u, v, trip, board, alight in zip(*(c[start:] for c in columns), strict=True):
        if dep >= best[1]:
            break  # every later arrival is later than the best, which more rides only lower
        rides = held.get(trip, max_rides + 1)
        if board and latest[u] <= dep:
            boarded = 1  # the fewest rides after which one is at u by dep (latest[u] is)
            while ready[boarded - 1][u] > dep:
                boarded += 1
            # Boarding pays only if it can still arrive before the best with as many rides.
            if boarded < rides and dep < best[boarded]:
                rides = held[trip] = boarded
        # An arrival no earlier than the best with as many rides leads nowhere better.
        if rides <= max_rides and alight and arr < best[rides]:
            _arrive(conns, ready, best, egress, v, arr, rides)
    out, previous = {}, INF
    for r in range(1, max_rides + 1):
        if best[r] < previous and best[r] < horizon_s:
            out[r] = int(best[r])
            previous = best[r]
    return out


def _arrive(
    conns: Connections,
    ready: list[list[float]],
    best: list[float],
    egress: Mapping[int, int],
    v: int,
    arrival: int,
    rides: int,
) -> None:
    if v in egress:
        for r in range(rides, len(best)):
            best[r] = min(best[r], arrival + egress[v])
    bound = best[rides]  # boarding no earlier than this cannot lead to a better arrival
    # `_improve` is called only where it changes something (its first test, done here, is
    # what most footpaths fail): most of the oracle's time was calls that did nothing.
    row = ready[rides]
    t = arrival + conns.min_transfer_s[v]
    if t < bound and t < row[v]:
        _improve(ready, v, t, rides)
    for w, seconds in conns.footpaths[v]:
        t = arrival + seconds
        if t < bound and t < row[w]:
            _improve(ready, w, t, rides)


def _improve(ready: list[list[float]], s: int, t: int, rides: int) -> None:
    for r in range(rides, len(ready)):
        if t >= ready[r][s]:
            break  # ready[r] only shrinks as r grows: the rest is no later already
        ready[r][s] = t
