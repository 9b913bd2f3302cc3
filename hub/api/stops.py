"""`GET /api/v1/stops/{stop_id}` and `GET /api/v1/stops/{stop_id}/departures`.

A stop's departures are those of the stop, of its station and of the station's other
platforms, and of stops of any feed linked to it as one station: a board of the place, not
of one pole. Realtime delays, cancellations and skips come from `alerts.departures` when an
overlay is given (the realtime issue wires it); without one, times are as scheduled.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from aiohttp import web

from alerts.departures import LiveDeparture, departures
from hub.api.bounds import check_date
from hub.api.models import Departure, DeparturesResponse, StopDetail, Transfer, TransferKind
from hub.api.params import Params
from hub.api.views import lines, served, stop_ref
from hub.plan_request import RequestError, parse_time
from hub.problems import ApiError, invalid_param
from hub.realtime import departures_overlay
from hub.state import STATE
from routing.network import TRANSFER_SAME_STATION, Network
from routing.network_index import network_index, split_id
from routing.planner import service_time
from routing.timeutil import to_datetime

DEPARTURE_PARAMS = frozenset({"at", "limit"})
HORIZON_S = 12 * 3600
TRANSFER_KINDS: tuple[TransferKind, ...] = ("street", "crow_fly", "gtfs", "same_station")
MAX_DEPARTURES = 100


async def get_stop(request: web.Request) -> web.Response:
    """A stop: where it is, its station and platforms, the lines serving it, its footpaths."""
    Params.read(request, ())
    network = served(request).network
    stop = _stop(network, request.match_info["stop_id"])
    parent = int(network.stop_parent[stop])
    children = np.flatnonzero(np.asarray(network.stop_parent) == stop).tolist()
    feed, local = split_id(network.stop_ids[stop])
    ref = stop_ref(network, stop)
    detail = StopDetail(
        id=ref.id,
        feed=feed or "",
        stop_id=local,
        name=ref.name,
        lat=ref.lat,
        lon=ref.lon,
        location_type=int(network.stop_location_type[stop]),
        wheelchair_boarding=int(network.stop_wheelchair[stop]),
        parent_station=stop_ref(network, parent) if parent >= 0 else None,
        children=[stop_ref(network, c) for c in children],
        lines=[lines(network)[r] for r in _routes(network, [stop, *children])],
        transfers=_transfers(network, stop),
    )
    return _json(detail.model_dump_json())


async def get_departures(request: web.Request) -> web.Response:
    """The next departures from the stop and its station, soonest first."""
    params = Params.read(request, DEPARTURE_PARAMS)
    current = served(request)
    network = current.network
    overlay, status = departures_overlay(request.app, current)
    stop = _stop(network, request.match_info["stop_id"])
    limit = params.integer("limit", 10, 1, MAX_DEPARTURES)
    at = _at(request, params, network)
    day, seconds = service_time(network, at)
    group = station_stops(network, stop)
    found: list[tuple[int, LiveDeparture]] = []
    for member in group:
        # Terminating trips are arrivals, not departures: ask for more, keep the others.
        live = departures(
            network, overlay, member, day, seconds, horizon_s=HORIZON_S, limit=limit * 4
        )
        found += [(member, d) for d in live if not d.last_stop]
    found.sort(key=lambda pair: (pair[1].departure_s, pair[1].trip))
    date = network.first_date + dt.timedelta(days=day)
    body = DeparturesResponse(
        stop=stop_ref(network, stop),
        stops=[stop_ref(network, s) for s in group],
        at=at.astimezone(network.tz),
        realtime_status=status,
        departures=[_departure(network, date, s, d) for s, d in found[:limit]],
    )
    return _json(body.model_dump_json())


def station_stops(network: Network, stop: int) -> list[int]:
    """The boardable stops of `stop`'s place: itself, its station's platforms, linked stops."""
    parent = int(network.stop_parent[stop])
    root = parent if parent >= 0 else stop
    members = {stop, root, *np.flatnonzero(np.asarray(network.stop_parent) == root).tolist()}
    for member in list(members):
        lo, hi = int(network.transfer_ptr[member]), int(network.transfer_ptr[member + 1])
        kinds = np.asarray(network.transfer_kind[lo:hi])
        members.update(
            np.asarray(network.transfer_to[lo:hi])[kinds == TRANSFER_SAME_STATION].tolist()
        )
    return sorted(m for m in members if network.stop_location_type[m] == 0)


def _stop(network: Network, stop_id: str) -> int:
    found = network.find_stop(stop_id)
    if found is None:
        hint = "" if ":" in stop_id else " (stop ids are feed:stop_id, e.g. trensurb:MR)"
        raise ApiError(404, f"no stop {stop_id!r} in the network{hint}", param="stop_id")
    return int(found)


def _at(request: web.Request, params: Params, network: Network) -> dt.datetime:
    text = params.text("at")
    if text is None:
        return request.app[STATE].clock.now()
    try:
        at = parse_time(text, network.tz, "at")
    except RequestError as error:
        raise invalid_param("at", error.reason) from None
    check_date(network, at, "at")
    return at


def _routes(network: Network, stops: list[int]) -> list[int]:
    """Route indices serving any of `stops`, in route order."""
    patterns = [
        network.stop_patterns[network.stop_pattern_ptr[s] : network.stop_pattern_ptr[s + 1]]
        for s in stops
    ]
    if not patterns:
        return []
    found = np.unique(np.asarray(network.pattern_route)[np.concatenate(patterns)])
    return [int(r) for r in found]


def _transfers(network: Network, stop: int) -> list[Transfer]:
    lo, hi = int(network.transfer_ptr[stop]), int(network.transfer_ptr[stop + 1])
    order = np.argsort(np.asarray(network.transfer_s[lo:hi]), kind="stable") + lo
    return [
        Transfer(
            stop=stop_ref(network, int(network.transfer_to[e])),
            duration_s=int(network.transfer_s[e]),
            kind=TRANSFER_KINDS[int(network.transfer_kind[e])],
        )
        for e in order.tolist()
    ]


def _departure(network: Network, date: dt.date, stop: int, d: LiveDeparture) -> Departure:
    index = network_index(network)
    route = int(network.trip_route[d.trip])
    tz = network.tz
    return Departure(
        stop=stop_ref(network, stop),
        route=index.routes[route],
        mode=index.route_modes[route],
        headsign=_headsign(network, d.trip),
        trip_id=network.trip_ids[d.trip],
        service_date=network.first_date + dt.timedelta(days=d.day),
        scheduled_departure=to_datetime(date, d.scheduled_departure_s, tz),
        departure=to_datetime(date, d.departure_s, tz),
        delay_s=d.delay_s if d.realtime else None,
        realtime=d.realtime,
        cancelled=d.cancelled,
        skipped=d.skipped,
    )


def _headsign(network: Network, trip: int) -> str:
    """The trip's headsign, else the name of its last stop."""
    if network.trip_headsigns[trip]:
        return network.trip_headsigns[trip]
    pattern = int(network.trip_pattern[trip])
    last = int(network.pattern_stops[int(network.pattern_stop_ptr[pattern + 1]) - 1])
    return stop_ref(network, last).name


def _json(text: str) -> web.Response:
    return web.Response(body=text.encode(), content_type="application/json")
