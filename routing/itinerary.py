"""Transit journeys and direct paths turned into `Itinerary` models: legs, places, times, shapes.

Times become aware datetimes in the network's timezone (ISO 8601 with the local offset once
serialised). A ride's geometry follows its trip's shape between the boarding and alighting
stops (straight lines between its stops when the feed has no shape); walks and rides on the
street follow the street path found by the search.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from routing.access import CROW_FLY_DETOUR, Coords, StreetAccess, leg_coordinates, node_coordinates
from routing.direct import DirectPath
from routing.emissions import leg_co2_g
from routing.geo import haversine_m
from routing.journey import Journey, RideLeg, TransferLeg
from routing.network import TRANSFER_CROW_FLY, TRANSFER_STREET, Network
from routing.network_index import NetworkIndex, network_index
from routing.plan import Itinerary, Leg, LegMode, LineString, Place, trusted
from routing.query import Offset
from routing.realtime import RealtimeOverlay
from routing.street_search import path, path_length_m
from routing.streets import StreetGraph
from routing.timeutil import SECONDS_PER_DAY, service_day_origin

# Street footpaths between two stops, as drawn: (metres, line) by (from, to) stop, per street
# graph. A transfer's path search costs more than the rest of its itinerary, and the same
# transfers serve many queries; the oldest are dropped beyond the cap.
MAX_FOOTPATHS = 20_000
_Footpath = tuple[float, tuple[tuple[float, float], ...]]
_FOOTPATHS: weakref.WeakKeyDictionary[StreetGraph, dict[tuple[int, int], _Footpath]] = (
    weakref.WeakKeyDictionary()
)
_FOOTPATHS_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class LegContext:
    """What building legs of one query needs: the network, its clock and the query's ends."""

    network: Network
    streets: StreetGraph | None
    overlay: RealtimeOverlay | None
    day: int
    origin: Place
    destination: Place
    walk_speed_mps: float
    clock_origin: dt.datetime
    tz: ZoneInfo
    fixed_origin: dt.datetime | None
    index: NetworkIndex
    # Each instant made once per query: the stops of a ride mostly arrive when they depart,
    # and the journeys of one query share their trips.
    _times: dict[int, dt.datetime] = field(default_factory=dict, repr=False)

    @classmethod
    def create(
        cls,
        network: Network,
        streets: StreetGraph | None,
        overlay: RealtimeOverlay | None,
        day: int,
        ends: tuple[Place, Place],
        walk_speed_mps: float,
    ) -> LegContext:
        """A context for service day `day` (an index into the network's calendar)."""
        tz = network.tz
        date = network.first_date + dt.timedelta(days=day)
        # Kept in UTC: adding seconds to a zoned datetime would add wall-clock time.
        origin = service_day_origin(date, tz).astimezone(dt.UTC)
        fixed = _fixed_offset(origin, tz)
        index = network_index(network)
        return cls(network, streets, overlay, day, *ends, walk_speed_mps, origin, tz, fixed, index)

    def at(self, seconds: int) -> dt.datetime:
        """The local time `seconds` after the query day's origin."""
        found = self._times.get(seconds)
        if found is None:
            delta = dt.timedelta(seconds=int(seconds))
            if self.fixed_origin is not None:
                found = self.fixed_origin + delta
            else:
                found = (self.clock_origin + delta).astimezone(self.tz)
            self._times[seconds] = found
        return found


def _fixed_offset(origin: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """`origin` in a fixed UTC offset when `tz` keeps one from a day before to 3 days after.

    Adding seconds to it is then exact and far cheaper than converting every time.
    """
    local = origin.astimezone(tz)
    offset = local.utcoffset()
    around = (origin + dt.timedelta(days=d) for d in (-1, 3))
    if offset is None or any(m.astimezone(tz).utcoffset() != offset for m in around):
        return None
    return local.astimezone(dt.timezone(offset))


def transit_itinerary(
    ctx: LegContext,
    journey: Journey,
    access: StreetAccess,
    egress: StreetAccess,
    notes: Sequence[str] = (),
) -> Itinerary:
    """The itinerary of a transit journey; access leaves just in time for the first ride."""
    rides = [leg for leg in journey.legs if isinstance(leg, RideLeg)]
    start = rides[0].departure_s - journey.access.duration_s
    end = rides[-1].arrival_s + journey.egress.duration_s
    legs: list[Leg] = []
    if journey.access.duration_s > 0 or journey.access.stop != access.end.stop:
        legs.append(_access_leg(ctx, access, journey.access, start, rides[0]))
    for part in journey.legs:
        legs.append(ride_leg(ctx, part) if isinstance(part, RideLeg) else transfer_leg(ctx, part))
    if journey.egress.duration_s > 0 or journey.egress.stop != egress.end.stop:
        legs.append(_egress_leg(ctx, egress, journey.egress, rides[-1], end))
    return _itinerary(ctx, legs, start, end, len(rides) - 1, notes)


def street_itinerary(ctx: LegContext, direct: DirectPath, start_s: int) -> Itinerary:
    """The itinerary of a direct walk or ride leaving at `start_s`."""
    end = start_s + direct.duration_s
    leg = street_leg(
        ctx,
        direct.mode,
        (ctx.origin, ctx.destination),
        (start_s, end),
        direct.distance_m,
        direct.coordinates,
        crow_fly=direct.crow_fly,
    )
    return _itinerary(ctx, [leg], start_s, end, 0, ())


def street_leg(
    ctx: LegContext,
    mode: LegMode,
    places: tuple[Place, Place],
    times: tuple[int, int],
    distance_m: float,
    coordinates: Coords,
    *,
    crow_fly: bool = False,
) -> Leg:
    """A walk or a bike ride between two places."""
    departure, arrival = ctx.at(times[0]), ctx.at(times[1])
    return _leg(
        mode=mode,
        transit=False,
        from_=places[0],
        to=places[1],
        departure=departure,
        arrival=arrival,
        scheduled_departure=departure,
        scheduled_arrival=arrival,
        delay_s=0,
        realtime=False,
        distance_m=round(float(distance_m), 1),
        duration_s=times[1] - times[0],
        route=None,
        trip_id=None,
        headsign=None,
        intermediate_stops=[],
        geometry=_line(coordinates),
        crow_fly=crow_fly,
    )


def ride_leg(ctx: LegContext, ride: RideLeg) -> Leg:
    """A leg aboard one trip, with its stops in between and its shape."""
    index = ctx.index
    net = index.arrays
    p, j = ride.pattern, int(index.trip_position[ride.trip])
    n_trips = int(net.pattern_trip_ptr[p + 1] - net.pattern_trip_ptr[p])
    first_cell = int(net.pattern_time_ptr[p]) + ride.board_pos * n_trips + j
    last_cell = first_cell + (ride.alight_pos - ride.board_pos) * n_trips
    shift = (ride.day - ctx.day) * SECONDS_PER_DAY
    scheduled_dep = int(net.departure[first_cell]) + shift
    scheduled_arr = int(net.arrival[last_cell]) + shift
    live = ctx.overlay is not None and ctx.overlay.day == ride.day
    route = int(net.trip_route[ride.trip])
    distance, coordinates = _ride_shape(ctx, ride)
    between = slice(first_cell + n_trips, last_cell, n_trips)
    return _leg(
        mode=index.route_modes[route],
        transit=True,
        from_=index.place(ride.board_stop),
        to=index.place(ride.alight_stop),
        departure=ctx.at(ride.departure_s),
        arrival=ctx.at(ride.arrival_s),
        scheduled_departure=ctx.at(scheduled_dep),
        scheduled_arrival=ctx.at(scheduled_arr),
        delay_s=ride.departure_s - scheduled_dep,
        realtime=live,
        distance_m=round(distance, 1),
        duration_s=ride.arrival_s - ride.departure_s,
        route=index.routes[route],
        trip_id=index.trip_local_id(ride.trip),
        headsign=ctx.network.trip_headsigns[ride.trip] or None,
        intermediate_stops=_intermediate(ctx, ride, between, shift, live),
        geometry=_line(coordinates),
        crow_fly=False,
    )


def transfer_leg(ctx: LegContext, walk: TransferLeg) -> Leg:
    """A footpath between two stops, along the streets when it was measured on them."""
    a, b = walk.from_stop, walk.to_stop
    streets = ctx.streets
    if walk.kind == TRANSFER_STREET and streets is not None:
        metres, line = _street_footpath(ctx, streets, a, b)
    else:
        metres, line = _straight_footpath(ctx, a, b)
        if walk.kind == TRANSFER_CROW_FLY:
            metres *= CROW_FLY_DETOUR
    places = (ctx.index.place(a), ctx.index.place(b))
    return street_leg(
        ctx, "walk", places, (walk.departure_s, walk.arrival_s), metres, line,
        crow_fly=walk.kind == TRANSFER_CROW_FLY,
    )  # fmt: skip


def _straight_footpath(ctx: LegContext, a: int, b: int) -> tuple[float, Coords]:
    """Metres and line of the straight walk from stop `a` to stop `b`."""
    net = ctx.index.arrays
    line: Coords = [
        (float(net.stop_lon[a]), float(net.stop_lat[a])),
        (float(net.stop_lon[b]), float(net.stop_lat[b])),
    ]
    return float(haversine_m(line[0][1], line[0][0], line[1][1], line[1][0])), line


def _street_footpath(ctx: LegContext, streets: StreetGraph, a: int, b: int) -> tuple[float, Coords]:
    """Metres and line of the walk along the streets from stop `a` to stop `b` (cached).

    Straight when either stop has no street node or no path joins them.
    """
    known = _FOOTPATHS.get(streets)
    found = None if known is None else known.get((a, b))
    if found is None:
        metres, line = _straight_footpath(ctx, a, b)
        na, nb = int(streets.stop_node[a]), int(streets.stop_node[b])
        nodes = path(streets, "walk", na, nb) if na >= 0 and nb >= 0 else np.empty(0, np.int32)
        if nodes.size:
            metres = path_length_m(streets, nodes) + float(
                streets.stop_node_dist_m[a] + streets.stop_node_dist_m[b]
            )
            line = [line[0], *node_coordinates(streets, nodes), line[1]]
        found = (metres, tuple(line))
        with _FOOTPATHS_LOCK:
            cache = _FOOTPATHS.setdefault(streets, {})
            if len(cache) >= MAX_FOOTPATHS:
                del cache[next(iter(cache))]
            cache[(a, b)] = found
    return found[0], list(found[1])


def _access_leg(
    ctx: LegContext, access: StreetAccess, offset: Offset, start: int, first: RideLeg
) -> Leg:
    stop = int(offset.stop)
    coordinates = leg_coordinates(access, ctx.network, ctx.streets, stop)
    return street_leg(
        ctx, access.mode, (ctx.origin, ctx.index.place(stop)), (start, first.departure_s),
        offset.distance_m, coordinates, crow_fly=stop in access.crow_fly,
    )  # fmt: skip


def _egress_leg(
    ctx: LegContext, egress: StreetAccess, offset: Offset, last: RideLeg, end: int
) -> Leg:
    stop = int(offset.stop)
    coordinates = leg_coordinates(egress, ctx.network, ctx.streets, stop)
    return street_leg(
        ctx, egress.mode, (ctx.index.place(stop), ctx.destination), (last.arrival_s, end),
        offset.distance_m, coordinates, crow_fly=stop in egress.crow_fly,
    )  # fmt: skip


def _intermediate(
    ctx: LegContext, ride: RideLeg, cells: slice, shift: int, live: bool
) -> list[Place]:
    """The stops passed between boarding and alighting, with their times (realtime if any).

    `cells` are their stop times in the timetable arrays.
    """
    net, overlay = ctx.index.arrays, ctx.overlay
    arrival, departure = net.arrival, net.departure
    if live and overlay is not None:
        arrival, departure = overlay.arrival, overlay.departure
    first = int(net.pattern_stop_ptr[ride.pattern]) + ride.board_pos + 1
    stops = net.pattern_stops[first : first + ride.alight_pos - ride.board_pos - 1].tolist()
    arr = (arrival[cells] + shift).tolist()
    dep = (departure[cells] + shift).tolist()
    if live and overlay is not None:
        shown = (~overlay.skipped[cells]).tolist()
        stops, arr, dep = (
            [x for x, ok in zip(column, shown, strict=True) if ok] for column in (stops, arr, dep)
        )
    place, at = ctx.index.place, ctx.at
    return [place(s, at(a), at(d)) for s, a, d in zip(stops, arr, dep, strict=True)]


def _ride_shape(ctx: LegContext, ride: RideLeg) -> tuple[float, Coords]:
    """Metres and (lon, lat) line of a ride: along the shape, else through its stops."""
    index = ctx.index
    net = index.arrays
    first = int(net.pattern_stop_ptr[ride.pattern])
    shape = int(net.pattern_shape[ride.pattern])
    if shape >= 0:
        base = int(net.shape_ptr[shape])
        lo = base + int(net.pattern_stop_shape_pos[first + ride.board_pos])
        hi = base + int(net.pattern_stop_shape_pos[first + ride.alight_pos])
        if hi > lo:
            # Shapes are stored as float32 (about 0.5 m): print them at that precision.
            lon = np.round(net.shape_lon[lo : hi + 1].astype(np.float64), 6).tolist()
            lat = np.round(net.shape_lat[lo : hi + 1].astype(np.float64), 6).tolist()
            metres = float(index.shape_cum_m[hi] - index.shape_cum_m[lo])
            return metres, list(zip(lon, lat, strict=True))
    cells = slice(first + ride.board_pos, first + ride.alight_pos + 1)
    stops = net.pattern_stops[cells]
    metres = float(index.stop_cum_m[cells.stop - 1] - index.stop_cum_m[cells.start])
    lon, lat = net.stop_lon[stops].tolist(), net.stop_lat[stops].tolist()
    return metres, list(zip(lon, lat, strict=True))


def _line(coordinates: Coords) -> LineString:
    # Built here from the network's own floats: validating every point would only cost time.
    points = coordinates if len(coordinates) > 1 else [*coordinates, *coordinates]
    return trusted(LineString, {"type": "LineString", "coordinates": points})


def _leg(**fields: object) -> Leg:
    """A leg of every field but its alerts (attached later), in their declared order.

    The order is that of the JSON: a trusted model is serialised in its dict's order.
    """
    return trusted(Leg, {**fields, "alerts": []})


def _itinerary(
    ctx: LegContext, legs: list[Leg], start: int, end: int, transfers: int, notes: Sequence[str]
) -> Itinerary:
    walk = bike = co2 = 0.0
    for leg in legs:
        if leg.mode == "walk":
            walk += leg.distance_m
        elif leg.mode == "bike":
            bike += leg.distance_m
        co2 += leg_co2_g(leg.mode, leg.distance_m)
    return trusted(
        Itinerary,
        {
            "departure": ctx.at(start),
            "arrival": ctx.at(end),
            "duration_s": end - start,
            "transfers": transfers,
            "walk_distance_m": round(walk, 1),
            "bike_distance_m": round(bike, 1),
            "co2_g": round(co2, 1),
            "tags": [],
            "legs": legs,
            "alerts": [],
            "notes": list(notes),
        },
    )
