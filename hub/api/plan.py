"""`GET /api/v1/plan`: door-to-door itineraries, the same Plan JSON as `hub plan --json`.

Parameters are read by `hub.plan_request` as the CLI and the batch read them (``from``,
``to``, ``depart`` or ``arrive``, ``window_min``, ``max_walk_min``, ``modes`` comma
separated, ``wheelchair``, ``realtime``, ``lang``). Cheap checks run first on the event
loop (unknown stop, point outside the region, date outside every feed's service); the plan
itself runs in the router's thread pool, serialised to JSON there too.
"""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from hub.api.bounds import Area, check_date, check_point, service_area
from hub.api.limits import DEADLINE_S
from hub.api.metrics import METRICS
from hub.api.params import Params
from hub.api.pool import POOL, Overloaded
from hub.api.views import served
from hub.plan_request import MAX_WINDOW_MIN, Defaults, RequestError, parse_request, to_query
from hub.problems import invalid_param, problem
from hub.realtime import REALTIME, plan_with_realtime
from hub.realtime_service import RealtimeService
from hub.reload import Served
from hub.state import STATE
from routing.access import UnknownStop
from routing.query import Coordinate, Location, Query

PLAN_PARAMS = frozenset(
    {"from", "to", "depart", "arrive", "window_min", "max_walk_min", "modes", "wheelchair",
     "realtime", "lang"}
)  # fmt: skip
DEFAULT_DEADLINE_S = 10.0
PLAN_PATTERN_MODES = r"^ *(walk|bike|transit) *(, *(walk|bike|transit) *)*$"
FLAGS = ("wheelchair", "realtime")
# Integer parameters and their bounds (those of `hub.plan_request.PlanRequest`).
INTEGERS = {"window_min": (0, MAX_WINDOW_MIN), "max_walk_min": (0, 180)}


async def plan_handler(request: web.Request) -> web.Response:
    """Plan the query of the request's parameters."""
    pool = request.app[POOL]
    if pool.full:  # shed before any work: under overload every millisecond of the loop counts
        return _shed(request, pool.overloaded())
    params = Params.read(request, PLAN_PARAMS)
    fields = _fields(params)
    current = served(request)
    try:
        checked = parse_request(fields)
        query = to_query(checked, _defaults(request, current))
    except RequestError as error:
        raise invalid_param(error.field, error.reason) from None
    _check(current, query)
    deadline_s = request.app.get(DEADLINE_S, DEFAULT_DEADLINE_S)
    try:
        body, elapsed_s = await pool.run(
            functools.partial(_plan_json, request.app[REALTIME], current, query, checked.lang),
            deadline_s,
        )
    except Overloaded as error:
        return _shed(request, error)
    except UnknownStop as error:
        raise invalid_param("from" if error.role == "origin" else "to", str(error)) from None
    request.app[METRICS].routing.observe(elapsed_s)
    response = web.Response(body=body, content_type="application/json")
    if checked.lang:
        response.headers["Content-Language"] = checked.lang
    return response


def _shed(request: web.Request, error: Overloaded) -> web.Response:
    """503 with Retry-After, counted by reason."""
    request.app[METRICS].shed.inc((error.reason,))
    response = problem(503, error.detail)
    response.headers["Retry-After"] = str(error.retry_after_s)
    return response


def _fields(params: Params) -> dict[str, Any]:
    """Query parameters as `parse_request` takes them (``modes`` a list, flags booleans)."""
    fields: dict[str, Any] = dict(params.values)
    if "depart" in fields and "arrive" in fields:
        raise invalid_param("arrive", "give either depart or arrive, not both")
    if "modes" in fields:
        fields["modes"] = [m.strip() for m in fields["modes"].split(",")]
    for name in FLAGS:
        if name in fields:
            fields[name] = params.flag(name, default=False)
    for name, (low, high) in INTEGERS.items():
        if name in fields:
            fields[name] = params.integer(name, 0, low, high)
    return fields


def _defaults(request: web.Request, current: Served) -> Defaults:
    """The clock's now and the region's walking defaults."""
    state = request.app[STATE]
    spec = None if state.region is None else state.region.spec.defaults
    return Defaults(
        now=state.clock.now(),
        tz=current.network.tz,
        max_walk_min=15 if spec is None else round(spec.max_walk_min),
        walk_speed_mps=1.3 if spec is None else spec.walk_speed_mps,
    )


def _check(current: Served, query: Query) -> None:
    """Refuse unknown stops, points outside the region and dates outside every feed."""
    area = service_area(current.network, current.streets)
    for location, name in ((query.origin, "from"), (query.destination, "to")):
        _check_location(current, area, location, name)
    check_date(current.network, query.time, "arrive" if query.arrive_by else "depart")


def _check_location(current: Served, area: Area, location: Location, name: str) -> None:
    if isinstance(location, Coordinate):
        check_point(area, location.lat, location.lon, name)
    elif current.network.find_stop(location.stop_id) is None:
        raise invalid_param(name, f"no stop {location.stop_id!r} in the network")


def _plan_json(service: RealtimeService, current: Served, query: Query, lang: str | None) -> bytes:
    """Plan on the realtime snapshot, attach its alerts, and serialise (in a router thread)."""
    result = plan_with_realtime(service, current, query, lang)
    return result.model_dump_json(by_alias=True).encode()
