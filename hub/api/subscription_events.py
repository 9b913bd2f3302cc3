"""Server-Sent Events of one subscription, read from its event log and resumable by event id."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

from alerts.event_log import Event
from alerts.redis_client import RETRYABLE
from hub.problems import reject_unknown_params

KEEPALIVE_S = 15.0
RECHECK_S = 5.0  # read the log again even without a wake-up (one may have been missed)
RETRY_MS = 2000
BATCH = 100


def frame(event: Event) -> bytes:
    """One SSE frame: ``id:``, ``event: alert`` and the JSON body as ``data:``."""
    data = event.body.decode().replace("\n", "\ndata: ")
    return f"id: {event.id}\nevent: alert\ndata: {data}\n\n".encode()


async def stream_events(request: web.Request) -> web.StreamResponse:
    """Stream the subscription's events from just after ``Last-Event-ID`` (or from now)."""
    from hub.api.subscriptions import authorized
    from hub.realtime import realtime_of

    reject_unknown_params(request, frozenset({"token", "last_event_id"}))
    subscription = await authorized(request)
    service = realtime_of(request.app)
    last = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if last is None:
        last = await _last_id(service, subscription.id)
    elif last == "0":
        last = None  # replay everything the log keeps
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(f"retry: {RETRY_MS}\n: subscribed\n\n".encode())
    with contextlib.suppress(ConnectionResetError):
        await _pump(service, subscription.id, last, response)
    return response


async def _last_id(service: Any, subscription_id: str) -> str | None:
    try:
        found = await service.events.last_id(subscription_id)
    except RETRYABLE:
        return None
    return None if found is None else str(found)


async def _pump(
    service: Any, subscription_id: str, last: str | None, response: web.StreamResponse
) -> None:
    """Write events as they are logged, with keep-alive comments; ends when it is deleted."""
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    while True:
        waiter = service.events.waiter(subscription_id)
        try:
            events = await service.events.read_after(subscription_id, last, count=BATCH)
        except RETRYABLE:
            events = []  # Redis away: keep the stream open and read again later
        for event in events:
            await response.write(frame(event))
            last = event.id
        if len(events) == BATCH:
            continue
        if events:
            quiet_since = loop.time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), RECHECK_S)
        if loop.time() - quiet_since >= KEEPALIVE_S:
            await response.write(b": keep-alive\n\n")
            quiet_since = loop.time()
            if not await _exists(service, subscription_id):
                return


async def _exists(service: Any, subscription_id: str) -> bool:
    try:
        return await service.subscriptions.get(subscription_id, service.now()) is not None
    except RETRYABLE:
        return True
