"""`/openapi.json`: the API described from its pydantic models (OpenAPI 3.1, JSON Schema 2020-12).

Response bodies come from the models' ``model_json_schema`` in serialization mode
(`routing.plan.Plan` for `/plan`, `hub.api.models` for the rest), request bodies from the
very models their handlers validate with, in validation mode; parameters and security are
listed here next to the operations, with the same names, bounds and patterns the handlers
check, and the tokens where the handlers read them.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from alerts.manual import ManualAlertRequest
from hub.api import models as m
from hub.api.plan import PLAN_PATTERN_MODES
from hub.api.subscriptions import CreateSubscription, PatchSubscription
from hub.plan_request import MAX_WINDOW_MIN
from hub.problems import reject_unknown_params
from routing.plan import Plan

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
LANG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
STATUS_TEXT = {
    400: "A parameter or the body is invalid (named in invalid_params).",
    401: "No token given (see the operation's security).",
    403: "This token may not act for this feed.",
    404: "Not found (a subscription also answers 404 to a token that is not its own).",
    413: "The body is too large.",
    422: "Well-formed, but names what the served network lacks (named in invalid_params).",
    429: "Rate limit exceeded (see Retry-After).",
    503: "Overloaded, past the deadline, or the shared store is away: retry.",
}
SECURITY_SCHEMES: dict[str, Any] = {
    "subscriptionToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "the token `POST /api/v1/subscriptions` answered",
    },
    "subscriptionTokenQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "the same token as `?token=` (for EventSource, which sends no headers)",
    },
    "operatorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "the operator token of the alert's feed (`HUB_OPERATOR_TOKENS`)",
    },
}
# the $ref of each (model, mode): the models' schemas live in components.schemas
Refs = dict[tuple[Any, JsonSchemaMode], dict[str, Any]]
SUBSCRIPTION_AUTH = ("subscriptionToken", "subscriptionTokenQuery")


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an operation."""

    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False
    where: Literal["query", "path", "header"] = "query"

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
    """One operation: its method and path, parameters, request body, answer and errors.

    `response` is the body of the `status` answer (none for 204); `body` the model the
    handler validates its JSON request body with; `security` the schemes of which any one
    is accepted.
    """

    path: str
    operation_id: str
    tag: str
    summary: str
    response: type[BaseModel] | None
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = (400, 429, 503)
    media_type: str = "application/json"
    method: Literal["get", "post", "patch", "delete"] = "get"
    body: type[BaseModel] | None = None
    status: int = 200
    security: tuple[str, ...] = ()


def _int(low: int, high: int, default: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "default": default}


LAT = {"type": "number", "minimum": -90, "maximum": 90}
LON = {"type": "number", "minimum": -180, "maximum": 180}
PLACE = {"type": "string", "minLength": 1, "maxLength": 200}
STOP_ID = Param("stop_id", {"type": "string", "minLength": 1}, "feed:stop_id", where="path")
SUBSCRIPTION_ID = Param(
    "subscription_id", {"type": "string", "minLength": 1}, "the id POST answered", where="path"
)
SUBSCRIPTION_ERRORS = (400, 401, 404, 429, 503)
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
        "/api/v1/alerts", "postAlert", "alerts", "Publish a manual disruption", m.Alert,
        errors=(400, 401, 403, 413, 422, 429, 503), method="post", body=ManualAlertRequest,
        status=201, security=("operatorToken",),
    ),
    Operation(
        "/api/v1/alerts/{alert_id}", "deleteAlert", "alerts", "End a manual disruption", None,
        (Param("alert_id", {"type": "string", "minLength": 1}, "the alert's id", where="path"),),
        (400, 401, 403, 404, 429, 503), method="delete", status=204,
        security=("operatorToken",),
    ),
    Operation(
        "/api/v1/subscriptions", "createSubscription", "subscriptions",
        "Subscribe to lines, stops or a commute (answers the token, once)",
        m.CreatedSubscription, errors=(400, 413, 422, 429, 503), method="post",
        body=CreateSubscription, status=201,
    ),
    Operation(
        "/api/v1/subscriptions/{subscription_id}", "getSubscription", "subscriptions",
        "A subscription", m.SubscriptionView, (SUBSCRIPTION_ID,), SUBSCRIPTION_ERRORS,
        security=SUBSCRIPTION_AUTH,
    ),
    Operation(
        "/api/v1/subscriptions/{subscription_id}", "updateSubscription", "subscriptions",
        "Renew a subscription (expires_in_days) or replace what it watches",
        m.SubscriptionView, (SUBSCRIPTION_ID,), (400, 401, 404, 413, 422, 429, 503),
        method="patch", body=PatchSubscription, security=SUBSCRIPTION_AUTH,
    ),
    Operation(
        "/api/v1/subscriptions/{subscription_id}", "deleteSubscription", "subscriptions",
        "Delete a subscription and its events", None, (SUBSCRIPTION_ID,),
        SUBSCRIPTION_ERRORS, method="delete", status=204, security=SUBSCRIPTION_AUTH,
    ),
    Operation(
        "/api/v1/subscriptions/{subscription_id}/events", "subscriptionEvents",
        "subscriptions",
        "Server-Sent Events of a subscription (`event: alert`, JSON `data:`, resumable by id)",
        None,
        (
            SUBSCRIPTION_ID,
            Param("Last-Event-ID", {"type": "string"}, "resume after this event id (0: "
                  "replay every event kept; default: from now)", where="header"),
            Param("last_event_id", {"type": "string"}, "the same, when no header can be sent"),
        ),
        SUBSCRIPTION_ERRORS, media_type="text/event-stream", security=SUBSCRIPTION_AUTH,
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
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m.Problem, "serialization")]
    for op in OPERATIONS:
        if op.response is not None:
            models.append((op.response, "serialization"))
        if op.body is not None:
            models.append((op.body, "validation"))
    refs, schema = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Regional transit hub API",
            "version": "1",
            "description": (
                "Door-to-door planning, places, stops, departures, routes and alerts of the "
                "served region; operators' disruptions; subscriptions told over Server-Sent "
                "Events and webhooks. Errors are application/problem+json (RFC 9457)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _operation(op: Operation, refs: Refs) -> dict[str, Any]:
    if op.response is not None:
        body: dict[str, Any] = refs[(op.response, "serialization")]
    elif op.media_type == "application/json":
        body = {"type": "object"}
    else:
        body = {"type": "string"}
    answer: dict[str, Any] = {"description": op.summary}
    if op.status != 204:
        answer["content"] = {op.media_type: {"schema": body}}
    responses: dict[str, Any] = {str(op.status): answer}
    for status in op.errors:
        responses[str(status)] = {
            "description": STATUS_TEXT[status],
            "content": {PROBLEM: {"schema": refs[(m.Problem, "serialization")]}},
        }
    spec: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "parameters": [p.spec() for p in op.params],
    }
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.security:
        spec["security"] = [{name: []} for name in op.security]
    spec["responses"] = responses
    return spec


async def openapi_handler(request: web.Request) -> web.Response:
    """The OpenAPI document."""
    reject_unknown_params(request, frozenset())
    return web.Response(
        body=json.dumps(openapi_spec(), ensure_ascii=False).encode(),
        content_type="application/json",
    )
