"""`GET /api/v1/routes` and `GET /api/v1/routes/{route_id}` (stops in order, shapes as GeoJSON).

A route's patterns (the network's stop sequences) are grouped by stop sequence, so patterns
split only to keep trips from overtaking show once; each gets an id hashed from its stop
ids (stable across rebuilds of the same timetable), its most common headsign (else its last
stop's name) and its shape clipped to its first and last stop (else straight lines).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import get_args

import numpy as np
from aiohttp import web

from hub.api.models import Pattern, RouteDetail, RoutesResponse, RouteSummary, StopRef
from hub.api.params import Params
from hub.api.views import served, stop_ref
from hub.problems import ApiError, invalid_param
from routing.network import Network
from routing.network_index import network_index
from routing.plan import LegMode, LineString

ROUTES_PARAMS = frozenset({"feed", "mode"})
MODES: tuple[str, ...] = get_args(LegMode)


async def list_routes(request: web.Request) -> web.Response:
    """Every route, optionally of one feed or one mode, with its number of patterns and trips."""
    params = Params.read(request, ROUTES_PARAMS)
    network = served(request).network
    feed, mode = params.text("feed"), params.text("mode")
    feeds = [f.id for f in network.feeds]
    if feed is not None and feed not in feeds:
        raise invalid_param("feed", f"unknown feed (feeds: {', '.join(feeds)})")
    if mode is not None and mode not in MODES:
        raise invalid_param("mode", f"unknown mode (modes: {', '.join(MODES)})")
    index = network_index(network)
    n_routes = len(network.route_ids)
    patterns = np.bincount(np.asarray(network.pattern_route), minlength=n_routes)
    trips = np.bincount(np.asarray(network.trip_route), minlength=n_routes)
    routes = [
        RouteSummary(
            route=index.routes[r],
            mode=index.route_modes[r],
            patterns=int(patterns[r]),
            trips=int(trips[r]),
        )
        for r in range(n_routes)
        if (feed is None or index.routes[r].feed == feed)
        and (mode is None or index.route_modes[r] == mode)
    ]
    return _json(RoutesResponse(routes=routes).model_dump_json())


async def get_route(request: web.Request) -> web.Response:
    """A route with its stop sequences, their stops in order and their shapes."""
    Params.read(request, ())
    network = served(request).network
    route_id = request.match_info["route_id"]
    route = network.find_route(route_id)
    if route is None:
        raise ApiError(404, f"no route {route_id!r} in the network", param="route_id")
    index = network_index(network)
    detail = RouteDetail(
        route=index.routes[route], mode=index.route_modes[route], patterns=patterns(network, route)
    )
    return _json(detail.model_dump_json())


def patterns(network: Network, route: int) -> list[Pattern]:
    """The stop sequences of `route`, busiest first."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for p in np.flatnonzero(np.asarray(network.pattern_route) == route).tolist():
        groups.setdefault(_stops(network, p), []).append(p)
    found = [_pattern(network, network.route_ids[route], stops, ps) for stops, ps in groups.items()]
    return sorted(found, key=lambda pattern: (-pattern.trips, pattern.id))


def _stops(network: Network, p: int) -> tuple[int, ...]:
    lo, hi = int(network.pattern_stop_ptr[p]), int(network.pattern_stop_ptr[p + 1])
    return tuple(np.asarray(network.pattern_stops[lo:hi]).tolist())


def _pattern(network: Network, route_id: str, stops: tuple[int, ...], ps: list[int]) -> Pattern:
    trips = np.concatenate(
        [
            network.pattern_trips[network.pattern_trip_ptr[p] : network.pattern_trip_ptr[p + 1]]
            for p in ps
        ]
    )
    refs = [stop_ref(network, s) for s in stops]
    signs = Counter(network.trip_headsigns[t] for t in trips.tolist() if network.trip_headsigns[t])
    digest = hashlib.sha1("|".join(r.id for r in refs).encode(), usedforsecurity=False)
    return Pattern(
        id=f"{route_id}:{digest.hexdigest()[:10]}",
        headsign=signs.most_common(1)[0][0] if signs else refs[-1].name,
        trips=int(trips.size),
        stops=refs,
        geometry=_geometry(network, ps, refs),
    )


def _geometry(network: Network, ps: list[int], refs: list[StopRef]) -> LineString:
    """The shape of the first pattern that has one, from its first to its last stop."""
    for p in ps:
        shape = int(network.pattern_shape[p])
        if shape < 0:
            continue
        lo, hi = int(network.pattern_stop_ptr[p]), int(network.pattern_stop_ptr[p + 1])
        base = int(network.shape_ptr[shape])
        first = base + int(network.pattern_stop_shape_pos[lo])
        last = base + int(network.pattern_stop_shape_pos[hi - 1])
        lat = np.asarray(network.shape_lat[first : last + 1], dtype=np.float64)
        lon = np.asarray(network.shape_lon[first : last + 1], dtype=np.float64)
        if lat.size >= 2:
            return LineString(
                coordinates=list(
                    zip(np.round(lon, 6).tolist(), np.round(lat, 6).tolist(), strict=True)
                )
            )
    points = [(r.lon, r.lat) for r in refs if r.lat is not None and r.lon is not None]
    return LineString(coordinates=[(round(x, 6), round(y, 6)) for x, y in points])


def _json(text: str) -> web.Response:
    return web.Response(body=text.encode(), content_type="application/json")
