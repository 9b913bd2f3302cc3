"""Server-Sent Events of one subscription, read from its event log and resumable by event id.

A thousand streams woken by one alert each do little: the events are read from the process's
memory (see the event logs), framed by joining bytes, and written in one write per wake-up.
Streams end when the application shuts down (`OpenStreams.close`, on its ``on_shutdown``): a
stream waits for events forever, and aiohttp waits for the handlers in progress (a minute) before
cancelling them, so a hub stopped with open streams hung, then died mid-request; ended, their
clients reconnect with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from alerts.event_log import Event
from alerts.redis_client import RETRYABLE
from hub.problems import reject_unknown_params

KEEPALIVE_S = 15.0
RECHECK_S = 5.0  # read the log again even without a wake-up (one may have been missed)
RETRY_MS = 2000
BATCH = 100


@dataclass(slots=True, eq=False)
class OpenStreams:
    """The event streams of an application, ended at its shutdown."""

    closing: bool = False
    # each waiting stream's response and the wake-up it waits for (shared per subscription)
    _waiting: dict[web.StreamResponse, asyncio.Event] = field(default_factory=dict)

    async def close(self, _app: web.Application) -> None:
        """Wake every waiting stream to end (an ``on_shutdown`` callback)."""
        self.closing = True
        for waiter in self._waiting.values():
            waiter.set()

    async def wait(self, response: web.StreamResponse, waiter: asyncio.Event) -> None:
        """Wait for `waiter` (at most `RECHECK_S`) unless closing; `close` wakes it."""
        if self.closing:
            return
        self._waiting[response] = waiter
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RECHECK_S):  # no task per wait (wait_for makes one)
                    await waiter.wait()
        finally:
            del self._waiting[response]


STREAMS = web.AppKey("hub_event_streams", OpenStreams)


def frame(event: Event) -> bytes:
    """One SSE frame: ``id:``, ``event: alert`` and the JSON body as ``data:``."""
    data = event.body.replace(b"\n", b"\ndata: ") if b"\n" in event.body else event.body
    return b"id: " + event.id.encode() + b"\nevent: alert\ndata: " + data + b"\n\n"


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
        await _pump(service, request.app[STREAMS], subscription.id, last, response)
    return response


async def _last_id(service: Any, subscription_id: str) -> str | None:
    try:
        found = await service.events.last_id(subscription_id)
    except RETRYABLE:
        return None
    return None if found is None else str(found)


async def _pump(
    service: Any,
    streams: OpenStreams,
    subscription_id: str,
    last: str | None,
    response: web.StreamResponse,
) -> None:
    """Write events as they are logged, with keep-alive comments.

    Ends when the subscription is deleted or the application shuts down.
    """
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    while not streams.closing:
        waiter = service.events.waiter(subscription_id)
        try:
            events = await service.events.read_after(subscription_id, last, count=BATCH)
        except RETRYABLE:
            events = []  # Redis away: keep the stream open and read again later
        if events:
            await response.write(b"".join(frame(event) for event in events))
            last = events[-1].id
            quiet_since = loop.time()
            if len(events) == BATCH:
                continue
        await streams.wait(response, waiter)
        if streams.closing:
            return
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
