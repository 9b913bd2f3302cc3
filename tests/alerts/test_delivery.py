"""Webhook senders sharing one Redis stream: a job in retries stays with the sender that has it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from alerts.bus import Message
from alerts.delivery import SEND_GROUP, WebhookSender
from alerts.dispatch import WEBHOOKS_TOPIC
from alerts.redis_bus import RedisBus
from alerts.subscriptions import new_webhook_secret
from tests.alerts.test_bus import REDIS_URL, drop_keys

Server = Callable[..., Awaitable[TestServer]]
FAILURES = 4
RECLAIM_IDLE_S = 0.5  # renewals every third of it: a stalled loop must not let it lapse


class FlakyReceiver:
    """Answers 503 `failures` times, then 204; records every attempt and the overlaps."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: list[str] = []
        self.delivered: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def hook(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.03)  # long enough for a concurrent attempt to overlap
            self.attempts.append(request.headers["webhook-id"])
            if self.failures > 0:
                self.failures -= 1
                return web.Response(status=503)
            self.delivered.append(request.headers["webhook-id"])
            return web.Response(status=204)
        finally:
            self.in_flight -= 1


@pytest.mark.redis
async def test_a_job_retried_past_the_reclaim_idle_time_is_sent_by_one_sender(
    aiohttp_server: Server,
) -> None:
    """Every retry waits longer than the idle time after which a job is reclaimed: before
    the claim was renewed, the other sender took the job over and both posted it."""
    receiver = FlakyReceiver(FAILURES)
    app = web.Application()
    app.router.add_post("/hook", receiver.hook)
    server = await aiohttp_server(app)
    prefix = f"test:{uuid.uuid4().hex}:"
    buses = [RedisBus(REDIS_URL, prefix=prefix, deadline_s=5) for _ in range(2)]
    job = {"url": str(server.make_url("/hook")), "secret": new_webhook_secret(), "body": "{}"}
    await buses[0].publish(WEBHOOKS_TOPIC, Message(json.dumps(job).encode(), "msg_1"))
    try:
        async with aiohttp.ClientSession() as session:
            senders = [
                WebhookSender(
                    bus,
                    session,
                    time.time,
                    f"sender-{n}",
                    allow_private=True,
                    retry_base_s=3 * RECLAIM_IDLE_S,  # each wait 1.5 to 3 idle times
                    retry_cap_s=3 * RECLAIM_IDLE_S,
                    reclaim_idle_s=RECLAIM_IDLE_S,
                )
                for n, bus in enumerate(buses)
            ]
            tasks = [asyncio.create_task(s.run(block_s=0.02)) for s in senders]
            try:
                async with asyncio.timeout(15):
                    while not receiver.delivered:
                        await asyncio.sleep(0.02)
                await asyncio.sleep(4 * RECLAIM_IDLE_S)  # a late duplicate would show now
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        assert receiver.delivered == ["msg_1"]
        assert receiver.attempts == ["msg_1"] * (FAILURES + 1)
        assert receiver.most_in_flight == 1
        assert [s.sent for s in senders].count(1) == 1 and sum(s.sent for s in senders) == 1
        assert sum(s.failed_attempts for s in senders) == FAILURES
        assert await buses[1].reclaim(WEBHOOKS_TOPIC, SEND_GROUP, "audit", min_idle_s=0) == []
    finally:
        for bus in buses:
            await bus.close()
        await drop_keys(prefix)
