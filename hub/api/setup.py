"""`setup_api(app, settings)`: the API's routes, its router pool, rate limiter and metrics.

``/api/v1/alerts`` and the subscriptions are realtime's (`hub.realtime.setup_realtime`).

The middlewares run in the order of `MIDDLEWARES`, outermost first: metrics see every final
status, problem+json turns every error into RFC 9457, the rate limit refuses before any
work, and the deadline bounds the rest.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from hub.api.cors import preflight
from hub.api.docs import docs_handler
from hub.api.limits import (
    API_KEYS,
    DEADLINE_S,
    LIMITER,
    MemoryRateLimiter,
    Rate,
    RateLimiter,
    RedisRateLimiter,
    deadline_middleware,
    rate_limit_middleware,
)
from hub.api.metrics import METRICS, Gauge, Metrics, metrics_handler, metrics_middleware
from hub.api.openapi import openapi_handler
from hub.api.places import reverse_places, search_places
from hub.api.plan import plan_handler
from hub.api.pool import POOL, RoutingPool
from hub.api.routes import get_route, list_routes
from hub.api.stops import get_departures, get_stop
from hub.problems import Handler, problem_middleware
from hub.settings import Settings

SWITCH_INTERVAL_S = 0.001
MIDDLEWARES = (metrics_middleware, problem_middleware, rate_limit_middleware, deadline_middleware)
ROUTES: tuple[tuple[str, Handler], ...] = (
    ("/api/v1/plan", plan_handler),
    ("/api/v1/places", search_places),
    ("/api/v1/places/reverse", reverse_places),
    ("/api/v1/stops/{stop_id}", get_stop),
    ("/api/v1/stops/{stop_id}/departures", get_departures),
    ("/api/v1/routes", list_routes),
    ("/api/v1/routes/{route_id}", get_route),
    ("/metrics", metrics_handler),
    ("/openapi.json", openapi_handler),
    ("/docs", docs_handler),
)


def setup_api(app: web.Application, settings: Settings) -> None:
    """Add the API's routes and state to `app` (its middlewares are `MIDDLEWARES`)."""
    metrics = Metrics()
    pool = RoutingPool(settings.plan_threads, settings.plan_queue)
    metrics.gauges += [
        Gauge("hub_routing_queue_depth", "Plans running or waiting.", lambda: pool.depth),
        Gauge("hub_routing_queue_capacity", "Most plans in flight.", lambda: pool.capacity),
        Gauge("hub_routing_threads", "Router threads.", lambda: pool.threads),
    ]
    app[METRICS] = metrics
    app[POOL] = pool
    app[DEADLINE_S] = settings.request_deadline_s
    limiter = rate_limiter(settings)
    if limiter is not None:
        app[LIMITER] = limiter
        app[API_KEYS] = frozenset(k.strip() for k in settings.api_keys.split(",") if k.strip())
    for path, handler in ROUTES:
        app.router.add_get(path, handler)
    app.router.add_route("OPTIONS", "/api/v1/{tail:.*}", preflight)
    app.cleanup_ctx.append(_quick_gil_handover)
    app.on_cleanup.append(_closer(pool, limiter))


async def _quick_gil_handover(_: web.Application) -> AsyncIterator[None]:
    # Router threads run Python between their nogil kernels: hand the GIL back to the event
    # loop every millisecond rather than every 5, so /health stays quick while plans run.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    yield
    sys.setswitchinterval(previous)


def rate_limiter(settings: Settings) -> RateLimiter | None:
    """The limiter of the settings: in Redis when HUB_REDIS_URL is set; None when disabled."""
    if settings.api_rate_per_min <= 0:
        return None
    rate = Rate(settings.api_rate_per_min / 60.0, settings.api_rate_burst)
    if settings.redis_url is not None:
        return RedisRateLimiter(rate, settings.redis_url, settings.redis_prefix)
    return MemoryRateLimiter(rate)


def _closer(
    pool: RoutingPool, limiter: RateLimiter | None
) -> Callable[[web.Application], Awaitable[None]]:
    async def close(_: web.Application) -> None:
        pool.close()
        if limiter is not None:
            await limiter.close()

    return close
