"""Door-to-door planning: a `Query` in, a `Plan` out (pure: nothing is changed or kept).

The street searches turn each end into offsets (walk; bike and park; bike on board), the
transit search runs once per combination and never sees streets, direct walks and rides are
added, and the filters keep a small labelled set. Modes: ``walk`` allows walking legs
(access and egress always walk when transit is on), ``bike`` adds bike-and-park and bike
on board (trips allowing bikes only) plus a direct ride, ``transit`` the transit search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from routing.access import Endpoint, StreetAccess, resolve, street_access
from routing.access import street_end as street_target
from routing.direct import DirectPath, direct_path
from routing.geo import haversine_m
from routing.itinerary import LegContext, street_itinerary, transit_itinerary
from routing.itinerary_filters import MAX_ITINERARIES, select
from routing.journey import Journey
from routing.network import Network
from routing.network_index import network_index
from routing.offset_pruning import Mask
from routing.plan import Itinerary, NoResultReason, Place, Plan, RealtimeStatus
from routing.query import AccessMode, Coordinate, Query, QueryMode
from routing.raptor import prepare, search
from routing.realtime import RealtimeOverlay
from routing.streets import StreetGraph
from routing.timeutil import to_service_seconds

# Street-only queries (no transit) may walk or ride this long, as OpenTripPlanner's default
# maximum direct street duration.
DIRECT_ONLY_MAX_S = 4 * 3600
SAME_PLACE_M = 1.0
ALL_MODES: frozenset[QueryMode] = frozenset({"walk", "bike", "transit"})
WHEELCHAIR_NOTE = (
    "wheelchair: only stops and trips marked accessible are used; those of unknown "
    "accessibility are treated as not accessible"
)
__all__ = ["journeys", "plan", "service_time", "warm_up"]


@dataclass(frozen=True, slots=True)
class _Searches:
    """The street searches of one query: from the origin and towards the destination."""

    walk_from: StreetAccess
    walk_to: StreetAccess
    bike_from: StreetAccess | None
    bike_to: StreetAccess | None
    bike_on_board: bool


@dataclass(frozen=True, slots=True)
class _Combination:
    """One way of reaching and leaving transit: the offsets the transit search gets."""

    access: StreetAccess
    egress: StreetAccess
    bikes: bool


@dataclass(frozen=True, slots=True)
class _Setup:
    """What every step of one query shares."""

    query: Query
    ctx: LegContext
    day: int
    time_s: int
    overlay: RealtimeOverlay | None


def plan(
    network: Network,
    streets: StreetGraph | None,
    overlay: RealtimeOverlay | None,
    query: Query,
) -> Plan:
    """Plan door-to-door itineraries for `query` on `network` (and its `streets`, if any).

    Raises:
        routing.access.UnknownStop: when a `StopRef` names no stop of the network (its
            ``role`` says which end).
        ValueError: when the query's time is not timezone-aware.
    """
    ends = (
        resolve(network, query.origin, "origin"),
        resolve(network, query.destination, "destination"),
    )
    notes = [WHEELCHAIR_NOTE] if query.wheelchair else []
    status, live = _realtime(network, overlay, query)
    if _same_place(*ends):
        return Plan(
            itineraries=[], no_result_reason="same_origin_destination", realtime_status=status
        )
    day, time_s = service_time(network, query.time)
    places = (_place(network, ends[0], "origin"), _place(network, ends[1], "destination"))
    ctx = LegContext.create(network, streets, live, day, places, query.walk_speed_mps)
    setup = _Setup(query, ctx, day, time_s, _near(live, day))
    searches = _street_searches(network, streets, ends, query, setup.overlay)
    candidates = [*_transit(setup, searches), *_direct(setup, searches)]
    itineraries = select(
        candidates, arrive_by=query.arrive_by, wheelchair=query.wheelchair, limit=_limit(query)
    )
    reason = None if itineraries else _reason(network, day, searches, query)
    return Plan(
        itineraries=itineraries, no_result_reason=reason, realtime_status=status, notes=notes
    )


def journeys(
    network: Network,
    streets: StreetGraph | None,
    overlay: RealtimeOverlay | None,
    query: Query,
) -> list[Journey]:
    """The door-to-door transit journeys of `query`, without building itineraries.

    The same street searches and transit searches as `plan`, stopping before itineraries,
    direct legs and filters: for callers needing only times (benchmarks, isochrones).
    """
    origin = resolve(network, query.origin, "origin")
    destination = resolve(network, query.destination, "destination")
    when = service_time(network, query.time)
    live = _near(_realtime(network, overlay, query)[1], when[0])
    searches = _street_searches(network, streets, (origin, destination), query, live)
    return [
        journey
        for combination in _combinations(query, searches)
        for journey in _search(network, when, live, query, combination)
    ]


def warm_up(network: Network, streets: StreetGraph | None) -> None:
    """Plan a few queries now, so that no user's waits for what the first ones do.

    A server calls it when it loads a network: numba's kernels are loaded from their on-disk
    cache (or compiled, once per machine: seconds), and the structures derived lazily per
    network and street graph (frames, zone bounds, snapping grids, stop links) are built.
    """
    prepare(network)
    served = np.flatnonzero(
        (np.diff(network.stop_pattern_ptr) > 0)
        & np.isfinite(network.stop_lat)
        & np.isfinite(network.stop_lon)
    )
    if served.size < 2:
        return
    first, last = (
        Coordinate(float(network.stop_lat[s]), float(network.stop_lon[s])) for s in served[[0, -1]]
    )
    noon = dt.datetime.combine(network.summary_date, dt.time(12), tzinfo=network.tz)
    for arrive_by in (False, True):
        plan(network, streets, None, Query(first, last, noon, arrive_by=arrive_by, modes=ALL_MODES))


def service_time(network: Network, moment: dt.datetime) -> tuple[int, int]:
    """(service day index, seconds on that day's clock) of an aware datetime.

    Raises:
        ValueError: when `moment` is naive.
    """
    if moment.tzinfo is None:
        raise ValueError("the query time must be timezone-aware")
    tz = network.tz
    date = moment.astimezone(tz).date()
    return network.day_index(date), to_service_seconds(moment, date, tz)


def _street_searches(
    network: Network,
    streets: StreetGraph | None,
    ends: tuple[Endpoint, Endpoint],
    query: Query,
    live: RealtimeOverlay | None,
) -> _Searches:
    transit = "transit" in query.modes
    usable = _usable(network, query, live)
    walk_s = query.max_walk_min * 60 if transit else DIRECT_ONLY_MAX_S
    walk = query.walk_speed_mps
    origin, destination = ends

    def reach(
        end: Endpoint, mode: AccessMode, speed: float, max_s: float, back: bool
    ) -> StreetAccess:
        return street_access(
            network, streets, end, mode, speed, max_s, reverse=back, usable=usable, overlay=live
        )

    walk_from = reach(origin, "walk", walk, walk_s, False)
    if transit:
        walk_to = reach(destination, "walk", walk, walk_s, True)
    else:
        walk_to = street_target(streets, destination, "walk", walk)
    if "bike" not in query.modes:
        return _Searches(walk_from, walk_to, None, None, False)
    bike, bike_s = query.bike_speed_mps, query.max_bike_min * 60 if transit else DIRECT_ONLY_MAX_S
    bike_from = reach(origin, "bike", bike, bike_s, False)
    on_board = transit and _carries_bikes(network)
    bike_to = (
        reach(destination, "bike", bike, bike_s, True)
        if on_board
        else street_target(streets, destination, "bike", bike)
    )
    return _Searches(walk_from, walk_to, bike_from, bike_to, on_board)


def _combinations(query: Query, searches: _Searches) -> list[_Combination]:
    """Walk to and from transit; bike and park; bike on board (when trips carry bikes)."""
    if "transit" not in query.modes:
        return []
    found = [_Combination(searches.walk_from, searches.walk_to, bikes=False)]
    if searches.bike_from is not None:
        found.append(_Combination(searches.bike_from, searches.walk_to, bikes=False))
        if searches.bike_on_board and searches.bike_to is not None:
            found.append(_Combination(searches.bike_from, searches.bike_to, bikes=True))
    return found


def _search(
    network: Network, when: tuple[int, int], live: RealtimeOverlay | None, query: Query,
    combination: _Combination,
) -> list[Journey]:  # fmt: skip
    """The transit search between one combination's offsets."""
    access, egress = combination.access.table, combination.egress.table
    if not len(access) or not len(egress):
        return []
    found = search(
        network,
        access,
        egress,
        *when,
        arrive_by=query.arrive_by,
        window_s=query.window_min * 60,
        max_transfers=query.max_transfers,
        wheelchair=query.wheelchair,
        bikes=combination.bikes,
        overlay=live,
    )
    return _within_window(found, when[1], query)


def _within_window(found: list[Journey], time_s: int, query: Query) -> list[Journey]:
    """Journeys of a window that leave (arrive, for arrive-by) within it.

    "Leave between 7:30 and 8:30": the search's last departure instant may only be served by
    a much later trip (the next day's first one), which answers a plain query, not a window;
    likewise an arrive-by window's earliest instant and the previous day's last trip. When
    nothing at all falls within the window, the nearest journey is kept as the next possible.
    """
    if query.window_min <= 0 or not found:
        return found
    window_s = query.window_min * 60
    if query.arrive_by:
        inside = [j for j in found if j.arrival_s >= time_s - window_s]
        return inside or [max(found, key=lambda j: (j.arrival_s, j.departure_s))]
    inside = [j for j in found if j.departure_s <= time_s + window_s]
    return inside or [min(found, key=lambda j: (j.departure_s, j.arrival_s))]


def _transit(setup: _Setup, searches: _Searches) -> list[Itinerary]:
    """Itineraries of each combination of access and egress through the transit search."""
    network = setup.ctx.network
    index = network_index(network)
    out = []
    for combination in _combinations(setup.query, searches):
        found = _search(network, (setup.day, setup.time_s), setup.overlay, setup.query, combination)
        access, egress = combination.access, combination.egress
        for journey in found:
            notes = []
            if access.mode == "bike" and not combination.bikes:
                notes.append(f"park the bike at {index.place(int(journey.access.stop)).name}")
            out.append(transit_itinerary(setup.ctx, journey, access, egress, notes))
    return out


def _direct(setup: _Setup, searches: _Searches) -> list[Itinerary]:
    """A direct walk and a direct ride, when the modes allow them and they are short enough."""
    query, streets = setup.query, setup.ctx.streets
    transit = "transit" in query.modes
    paths: list[DirectPath | None] = []
    if "walk" in query.modes:
        limit = 2 * query.max_walk_min * 60 if transit else DIRECT_ONLY_MAX_S
        paths.append(direct_path(searches.walk_from, searches.walk_to, streets, limit))
    if searches.bike_from is not None and searches.bike_to is not None:
        limit = query.max_bike_min * 60 if transit else DIRECT_ONLY_MAX_S
        paths.append(direct_path(searches.bike_from, searches.bike_to, streets, limit))
    return [
        street_itinerary(
            setup.ctx, p, setup.time_s - p.duration_s if query.arrive_by else setup.time_s
        )
        for p in paths
        if p is not None
    ]


def _reason(network: Network, day: int, searches: _Searches, query: Query) -> NoResultReason:
    if "transit" in query.modes:
        reach_from = searches.walk_from.reached or (
            searches.bike_from is not None and searches.bike_from.reached
        )
        if not reach_from or not searches.walk_to.reached:
            return "outside_network"
        if not network.trips_active(day).any():
            return "no_service_that_day"
    return "nothing_within_limits"


def _realtime(
    network: Network, overlay: RealtimeOverlay | None, query: Query
) -> tuple[RealtimeStatus, RealtimeOverlay | None]:
    """The status to report and the overlay to use (one of another network is ignored)."""
    if overlay is None or overlay.network_version != network.version:
        return "none", None
    if not query.realtime:
        return "disabled", None
    return "applied", overlay


def _near(overlay: RealtimeOverlay | None, day: int) -> RealtimeOverlay | None:
    # The transit search reads an overlay of the query day or the days either side.
    return overlay if overlay is not None and abs(overlay.day - day) <= 1 else None


def _usable(network: Network, query: Query, live: RealtimeOverlay | None) -> Mask | None:
    """Stops this query may board or alight at (None: all of them)."""
    usable = None
    if query.wheelchair:
        usable = np.asarray(network.stop_wheelchair) == 1
    if live is not None:
        open_now = ~np.asarray(live.closed_stops, dtype=np.bool_)
        usable = open_now if usable is None else usable & open_now
    return usable


def _carries_bikes(network: Network) -> bool:
    return bool((network.trip_bikes == 1).any())


def _limit(query: Query) -> int:
    # A departure window asks for the journeys of every departure in it: allow more.
    return min(3 * MAX_ITINERARIES, MAX_ITINERARIES + query.window_min // 10)


def _same_place(a: Endpoint, b: Endpoint) -> bool:
    if a.stop >= 0 or b.stop >= 0:
        return a.stop == b.stop
    return float(haversine_m(a.lat, a.lon, b.lat, b.lon)) < SAME_PLACE_M


def _place(network: Network, end: Endpoint, name: str) -> Place:
    if end.stop >= 0:
        return network_index(network).place(end.stop)
    return Place(name=name, lat=end.lat, lon=end.lon)
