"""Realtime in the hub: `setup_realtime(app)` wires snapshots, alerts and subscriptions in.

It starts the `RealtimeService` with the application, adds the alert and subscription routes,
and a realtime section to `/health`. Journeys and departure boards read the service's current
snapshot through `plan_with_realtime` and `departures_overlay`; nothing on those paths touches
Redis, so they keep answering while it is away.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from alerts.attach import attach_alerts
from alerts.snapshot import SnapshotStatus
from hub.problems import Handler
from hub.realtime_service import RealtimeService
from hub.reload import Served
from hub.state import STATE
from routing.plan import Plan, RealtimeStatus
from routing.planner import plan
from routing.query import Query
from routing.realtime import RealtimeOverlay

REALTIME = web.AppKey("hub_realtime", RealtimeService)


def setup_realtime(app: web.Application) -> None:
    """Add realtime to the application (after its `STATE` is set and its network loader)."""
    from hub.api.realtime_alerts import add_alert_routes
    from hub.api.subscriptions import add_subscription_routes

    state = app[STATE]
    service = RealtimeService(state.settings, state.region, state.clock, state.reloader)
    app[REALTIME] = service
    app.cleanup_ctx.append(_running(service))
    app.middlewares.append(_health_realtime)
    listed = any(
        route.method == "GET" and route.resource is not None
        and route.resource.canonical == "/api/v1/alerts"
        for route in app.router.routes()
    )  # fmt: skip
    add_alert_routes(app, with_list=not listed)
    add_subscription_routes(app)


def _running(service: RealtimeService) -> Any:
    async def running(app: web.Application) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    return running


def realtime_of(app: web.Application) -> RealtimeService:
    """The application's realtime service."""
    return app[REALTIME]


def live_overlay(
    service: RealtimeService, current: Served
) -> tuple[RealtimeOverlay | None, SnapshotStatus]:
    """The overlay to use on `current` (None unless fresh and of that network) and the status."""
    snapshot = service.snapshot
    if snapshot.network_version != current.network.version:
        return None, "stale" if service.sources else "none"
    if snapshot.status != "applied":
        return None, snapshot.status
    return snapshot.overlay, "applied"


def plan_with_realtime(
    service: RealtimeService, current: Served, query: Query, lang: str | None
) -> Plan:
    """Plan `query` on the snapshot's overlay (unless ``query.realtime`` is off), alerts attached.

    ``realtime_status`` says "applied", "stale" (realtime too old: timetable used), "disabled"
    (asked off) or "none" (the region has no realtime). Safe in a router thread: the snapshot
    is read once.
    """
    snapshot = service.snapshot
    overlay, status = live_overlay(service, current)
    result = plan(current.network, current.streets, overlay if query.realtime else None, query)
    final: RealtimeStatus = status if query.realtime else "disabled"
    if query.realtime and snapshot.network_version == current.network.version:
        result = attach_alerts(result, snapshot.alerts, current.network, lang)
    return result.model_copy(update={"realtime_status": final})


def departures_overlay(
    app: web.Application, current: Served
) -> tuple[RealtimeOverlay | None, SnapshotStatus]:
    """What a departures board uses: the live overlay (or None) and the realtime status.

    Pass the overlay to `alerts.departures.departures`.
    """
    return live_overlay(app[REALTIME], current)


@web.middleware
async def _health_realtime(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add each realtime feed's age, error and stats to the `/health` answer."""
    response = await handler(request)
    if request.path != "/health" or not isinstance(response, web.Response):
        return response
    if response.status != 200 or response.content_type != "application/json":
        return response
    assert isinstance(response.body, bytes)
    body = json.loads(response.body)
    body["realtime"] = health_json(request.app[REALTIME])
    return web.json_response(body, status=response.status)


def health_json(service: RealtimeService) -> dict[str, Any]:
    """The realtime section of `/health` (ages computed now, not at the last build)."""
    snapshot = service.snapshot
    now = service.now()
    max_age = service.settings.realtime_max_age_s
    feeds = []
    for report in snapshot.feeds:
        current = service.states.get(report.state.source.key, report.state)
        entry = report.to_json()
        age = current.age_s(now)
        entry.update(
            age_s=None if age is None else round(age, 1),
            stale=not current.fresh(now, max_age),
            last_error=current.last_error,
            consecutive_failures=current.failures,
            polls=current.polls,
        )
        feeds.append(entry)
    role = "single" if service.election is None else "leader" if service.leading else "follower"
    return {
        "status": snapshot.status,
        "role": role,
        "shared": service.election is not None,
        "max_age_s": max_age,
        "snapshot_at": snapshot.created_at or None,
        "network_version": snapshot.network_version,
        "alerts": len(snapshot.alerts),
        "delayed_trips": 0 if snapshot.overlay is None else len(snapshot.overlay.delayed_trips),
        "feeds": feeds,
    }
