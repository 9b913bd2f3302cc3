"""`GET /api/v1/places` (autocomplete by name) and `GET /api/v1/places/reverse` (by position).

Both search the served network's place index in memory on the event loop: a query takes
about a tenth of a millisecond, less than handing it to a thread would cost.
"""

from __future__ import annotations

from aiohttp import web

from hub.api.bounds import check_point, service_area
from hub.api.models import PlaceResult, PlacesResponse
from hub.api.params import Params
from hub.api.views import lines, served
from hub.problems import ApiError, invalid_param
from hub.reload import Served
from routing.network_index import split_id
from routing.place_search import PlaceIndex, PlaceMatch, nearest, search
from routing.place_text import tokens

SEARCH_PARAMS = frozenset({"q", "lat", "lon", "limit"})
REVERSE_PARAMS = frozenset({"lat", "lon", "limit", "radius_m"})
MAX_LIMIT = 50


async def search_places(request: web.Request) -> web.Response:
    """Places whose name matches `q` (accents, case, punctuation and typos forgiven)."""
    params = Params.read(request, SEARCH_PARAMS)
    query = params.text("q", required=True)
    assert query is not None  # required
    if not tokens(query):
        raise invalid_param("q", "needs at least one letter or digit")
    near = params.point()
    limit = params.integer("limit", 10, 1, MAX_LIMIT)
    current = served(request)
    if near is not None:
        area = service_area(current.network, current.streets)
        check_point(area, near[0], near[1], "lat")
    matches = search(_index(current), query, near=near, limit=limit)
    return _answer(PlacesResponse(query=query, places=_results(current, matches)))


async def reverse_places(request: web.Request) -> web.Response:
    """Stops, streets and places nearest to `lat`/`lon`, nearest first."""
    params = Params.read(request, REVERSE_PARAMS)
    point = params.point()
    if point is None:
        raise invalid_param("lat", "required (with lon)")
    limit = params.integer("limit", 5, 1, MAX_LIMIT)
    radius_m = params.integer("radius_m", 500, 1, 5000)
    current = served(request)
    check_point(service_area(current.network, current.streets), point[0], point[1], "lat")
    matches = nearest(_index(current), point[0], point[1], limit=limit, max_distance_m=radius_m)
    return _answer(PlacesResponse(places=_results(current, matches)))


def _index(current: Served) -> PlaceIndex:
    if current.places is None:  # a Reloader always sets it; other `Served` makers may not
        raise ApiError(503, "the place index is not loaded")
    return current.places


def _results(current: Served, matches: list[PlaceMatch]) -> list[PlaceResult]:
    assert current.places is not None
    gaz = current.places.gazetteer
    badges = lines(current.network)
    out = []
    for match in matches:
        e = match.entry
        kind = gaz.kind_name(e)
        feed, local = split_id(gaz.refs[e]) if kind in ("station", "stop") else (None, None)
        out.append(
            PlaceResult(
                id=gaz.refs[e],
                kind=kind,
                name=gaz.names[e],
                lat=round(float(gaz.lat[e]), 7),
                lon=round(float(gaz.lon[e]), 7),
                feed=feed,
                stop_id=local,
                lines=[badges[r] for r in gaz.lines(e).tolist()],
                distance_m=None if match.distance_m is None else round(match.distance_m, 1),
                score=match.score,
            )
        )
    return out


def _answer(body: PlacesResponse) -> web.Response:
    return web.Response(
        body=body.model_dump_json(exclude_none=False).encode(), content_type="application/json"
    )
