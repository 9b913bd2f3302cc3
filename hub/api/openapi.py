"""`/openapi.json`: the API described from its pydantic models (OpenAPI 3.1, JSON Schema 2020-12).

Response bodies come from the models' ``model_json_schema`` (`routing.plan.Plan` for
`/plan`, `hub.api.models` for the rest); parameters are listed here next to the
operations, with the same names, bounds and patterns the handlers check.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hub.api import models as m
from hub.api.plan import PLAN_PATTERN_MODES
from hub.plan_request import MAX_WINDOW_MIN
from hub.problems import reject_unknown_params
from routing.plan import Plan

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
LANG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
STATUS_TEXT = {
    400: "A parameter is invalid (named in invalid_params).",
    403: "Refused.",
    404: "No such stop, route or feed.",
    429: "Rate limit exceeded (see Retry-After).",
    503: "Overloaded or past the deadline (see Retry-After).",
}


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an operation."""

    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False
    where: Literal["query", "path"] = "query"

    def spec(self) -> dict[str, Any]:
        """The OpenAPI parameter object."""
        return {
            "name": self.name,
            "in": self.where,
            "required": self.required or self.where == "path",
            "description": self.description,
            "schema": self.schema,
        }


@dataclass(frozen=True, slots=True)
class Operation:
    """One GET operation: its path, parameters, answer and errors."""

    path: str
    operation_id: str
    tag: str
    summary: str
    response: type[BaseModel] | None
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = (400, 429, 503)
    media_type: str = "application/json"
    description: str = field(default="")


def _int(low: int, high: int, default: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "default": default}


LAT = {"type": "number", "minimum": -90, "maximum": 90}
LON = {"type": "number", "minimum": -180, "maximum": 180}
PLACE = {"type": "string", "minLength": 1, "maxLength": 200}
STOP_ID = Param("stop_id", {"type": "string", "minLength": 1}, "feed:stop_id", where="path")
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/api/v1/plan", "plan", "plan", "Door-to-door itineraries", Plan,
        (
            Param("from", PLACE, "origin: LAT,LON or FEED:STOP_ID", required=True),
            Param("to", PLACE, "destination: LAT,LON or FEED:STOP_ID", required=True),
            Param("depart", {"type": "string"}, "leave at (ISO 8601; local without offset; "
                  "default now); not with arrive"),
            Param("arrive", {"type": "string"}, "arrive by (ISO 8601); not with depart"),
            Param("window_min", _int(0, MAX_WINDOW_MIN, 0), "also depart up to N minutes later"),
            Param("max_walk_min", _int(0, 180, 15), "longest walk to or from a stop"),
            Param("modes", {"type": "string", "pattern": PLAN_PATTERN_MODES},
                  "comma-separated: walk, bike, transit (default walk,transit)"),
            Param("wheelchair", {"type": "boolean", "default": False}, "accessible only"),
            Param("realtime", {"type": "boolean", "default": True}, "use realtime when known"),
            Param("lang", {"type": "string", "pattern": LANG}, "language of texts"),
        ),
    ),
    Operation(
        "/api/v1/places", "searchPlaces", "places", "Autocomplete places by name",
        m.PlacesResponse,
        (
            Param("q", {"type": "string", "minLength": 1, "maxLength": 200}, "what was typed",
                  required=True),
            Param("lat", LAT, "rank places near this point first (with lon)"),
            Param("lon", LON, "with lat"),
            Param("limit", _int(1, 50, 10), "most places returned"),
        ),
    ),
    Operation(
        "/api/v1/places/reverse", "reversePlaces", "places", "Places near a point",
        m.PlacesResponse,
        (
            Param("lat", LAT, "latitude", required=True),
            Param("lon", LON, "longitude", required=True),
            Param("limit", _int(1, 50, 5), "most places returned"),
            Param("radius_m", _int(1, 5000, 500), "search radius"),
        ),
    ),
    Operation(
        "/api/v1/stops/{stop_id}", "getStop", "stops", "A stop or station", m.StopDetail,
        (STOP_ID,), (400, 404, 429, 503),
    ),
    Operation(
        "/api/v1/stops/{stop_id}/departures", "getDepartures", "stops",
        "Next departures from a stop and its station", m.DeparturesResponse,
        (
            STOP_ID,
            Param("at", {"type": "string"}, "from this time (ISO 8601; default now)"),
            Param("limit", _int(1, 100, 10), "most departures returned"),
        ),
        (400, 404, 429, 503),
    ),
    Operation(
        "/api/v1/routes", "listRoutes", "routes", "Routes", m.RoutesResponse,
        (
            Param("feed", {"type": "string"}, "only this feed's routes"),
            Param("mode", {"type": "string"}, "only routes of this mode (bus, rail...)"),
        ),
    ),
    Operation(
        "/api/v1/routes/{route_id}", "getRoute", "routes",
        "A route: its stop sequences and shapes", m.RouteDetail,
        (Param("route_id", {"type": "string", "minLength": 1}, "feed:route_id", where="path"),),
        (400, 404, 429, 503),
    ),
    Operation(
        "/api/v1/feeds", "listFeeds", "feeds", "Feeds of the served network", m.FeedsResponse
    ),
    Operation(
        "/api/v1/feeds/{feed_id}", "getFeed", "feeds", "One feed", m.FeedInfo,
        (Param("feed_id", {"type": "string", "minLength": 1}, "feed id", where="path"),),
        (400, 404, 429, 503),
    ),
    Operation(
        "/api/v1/alerts", "listAlerts", "alerts", "Active service alerts", m.AlertsResponse,
        (
            Param("feed", {"type": "string"}, "only this feed's alerts"),
            Param("route", {"type": "string"}, "only alerts about this feed:route_id"),
            Param("stop", {"type": "string"}, "only alerts about this feed:stop_id"),
            Param("active_at", {"type": "string"}, "active at this time (default now)"),
            Param("lang", {"type": "string"}, "language of texts"),
        ),
    ),
    Operation(
        "/health", "health", "service", "Network version, feeds, reload status", None,
        errors=(400, 503),
    ),
    Operation(
        "/metrics", "metrics", "service", "Prometheus metrics", None, errors=(400, 503),
        media_type="text/plain",
    ),
)  # fmt: skip


@functools.cache
def openapi_spec() -> dict[str, Any]:
    """The OpenAPI document of the API (built once)."""
    models = [op.response for op in OPERATIONS if op.response is not None] + [m.Problem]
    refs, schema = models_json_schema(
        [(model, "serialization") for model in dict.fromkeys(models)], ref_template=REF
    )
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        ref = None if op.response is None else refs[(op.response, "serialization")]
        paths[op.path] = {"get": _operation(op, ref, refs[(m.Problem, "serialization")])}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Regional transit hub API",
            "version": "1",
            "description": (
                "Door-to-door planning, places, stops, departures, routes and alerts of the "
                "served region. Errors are application/problem+json (RFC 9457)."
            ),
        },
        "paths": paths,
        "components": {"schemas": schema.get("$defs", {})},
    }


def _operation(
    op: Operation, ref: dict[str, Any] | None, problem: dict[str, Any]
) -> dict[str, Any]:
    if op.media_type == "text/plain":
        body: dict[str, Any] = {"type": "string"}
    else:
        body = ref if ref is not None else {"type": "object"}
    responses: dict[str, Any] = {
        "200": {"description": op.summary, "content": {op.media_type: {"schema": body}}}
    }
    for status in op.errors:
        responses[str(status)] = {
            "description": STATUS_TEXT[status],
            "content": {PROBLEM: {"schema": problem}},
        }
    return {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "parameters": [p.spec() for p in op.params],
        "responses": responses,
    }


async def openapi_handler(request: web.Request) -> web.Response:
    """The OpenAPI document."""
    reject_unknown_params(request, frozenset())
    return web.Response(
        body=json.dumps(openapi_spec(), ensure_ascii=False).encode(),
        content_type="application/json",
    )
