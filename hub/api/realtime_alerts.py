"""`/api/v1/alerts` of realtime: active alerts listed, manual disruptions posted and ended.

``GET`` lists the alerts of the current snapshot (the feeds' and the manual ones) active at
``active_at`` (default now), filtered by ``feed``, ``route`` and ``stop`` (feed-scoped ids),
texts in ``lang``. ``POST`` (``Authorization: Bearer <the feed's operator token>``) adds a
manual disruption after checking it against the served network; ``DELETE /{id}`` ends one.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from alerts.alert_codec import alert_view
from alerts.manual import ManualAlertError, ManualAlertRequest, manual_alert
from alerts.models import ServiceAlert
from alerts.redis_client import RETRYABLE
from hub.plan_request import parse_time
from hub.problems import ApiError, invalid_param, json_body, reject_unknown_params
from hub.state import STATE

LIST_PARAMS = frozenset({"feed", "route", "stop", "active_at", "lang"})


def add_alert_routes(app: web.Application, *, with_list: bool = True) -> None:
    """Register the alert routes (`with_list`: also ``GET /api/v1/alerts``)."""
    if with_list:
        app.router.add_get("/api/v1/alerts", list_alerts)
    app.router.add_post("/api/v1/alerts", post_alert)
    app.router.add_delete("/api/v1/alerts/{alert_id}", delete_alert)


def _service(request: web.Request) -> Any:
    from hub.realtime import realtime_of

    return realtime_of(request.app)


async def list_alerts(request: web.Request) -> web.Response:
    """The active alerts, filtered."""
    reject_unknown_params(request, LIST_PARAMS)
    service = _service(request)
    network = request.app[STATE].reloader.served.network
    query = request.query
    moment = service.clock.now()
    if "active_at" in query:
        moment = parse_at(query["active_at"], network.tz)
    stamp = moment.timestamp()
    snapshot = service.snapshot
    found = [
        a
        for a in snapshot.alerts
        if a.is_active(stamp)
        and _selected(a, query.get("feed"), query.get("route"), query.get("stop"))
    ]
    lang = query.get("lang")
    return web.json_response(
        {
            "realtime_status": snapshot.status,
            "alerts": [alert_view(a, lang, network.tz) for a in found],
        }
    )


def parse_at(text: str, tz: Any) -> Any:
    """An ISO 8601 time of the ``active_at`` parameter (local time of `tz` without offset)."""
    from hub.plan_request import RequestError

    try:
        return parse_time(text, tz, "active_at")
    except RequestError as error:
        raise invalid_param("active_at", error.reason) from None


def _selected(alert: ServiceAlert, feed: str | None, route: str | None, stop: str | None) -> bool:
    if feed is not None and alert.feed_id != feed:
        return False
    if route is not None and route not in alert.route_ids:
        return False
    return stop is None or stop in alert.stop_ids


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "an operator token is needed: 'Authorization: Bearer <token>'")
    return token.strip()


def _authorize(request: web.Request, feed: str) -> None:
    token = _bearer(request)
    expected = request.app[STATE].settings.operator_tokens.get(feed)
    if expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, f"this token may not publish alerts for feed {feed!r}")


async def post_alert(request: web.Request) -> web.Response:
    """Validate and publish a manual disruption."""
    reject_unknown_params(request, frozenset())
    body = await json_body(request)
    try:
        checked = ManualAlertRequest.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(400, f"invalid {name!r}: {first['msg']}", param=name) from None
    _authorize(request, checked.feed)
    service = _service(request)
    network = request.app[STATE].reloader.served.network
    try:
        alert = manual_alert(checked, network, service.clock.now())
    except ManualAlertError as error:
        raise ApiError(422, str(error), param=error.field) from None
    try:
        await service.manual_store.put(alert)
        await service.publish_alert(alert)
    except RETRYABLE as error:
        raise _unavailable(error) from None
    service.changed()
    return web.json_response(alert_view(alert, None, network.tz), status=201)


async def delete_alert(request: web.Request) -> web.Response:
    """End a manual disruption."""
    reject_unknown_params(request, frozenset())
    alert_id = request.match_info["alert_id"]
    service = _service(request)
    try:
        known = {a.id: a for a in await service.manual_store.list_alerts()}
        alert = known.get(alert_id)
        if alert is None:
            raise ApiError(404, f"no manual alert {alert_id!r}", param="alert_id")
        _authorize(request, alert.feed_id)
        await service.manual_store.delete(alert_id)
    except RETRYABLE as error:
        raise _unavailable(error) from None
    service.changed()
    return web.Response(status=204)


def _unavailable(error: BaseException) -> ApiError:
    return ApiError(503, f"the shared store is unavailable ({type(error).__name__}); retry")
