"""Webhook deliveries: jobs read from the ``webhooks`` topic, POSTed with retries, at least once.

Each job is retried with capped exponential backoff (and jitter) while it stays pending on the
bus; it is acknowledged once a receiver answered 2xx, or moved to the ``webhooks-dead`` topic
after `max_attempts`. A sender that dies leaves its jobs pending for another to reclaim once
idle for `RECLAIM_IDLE_S`; a live one renews its claim on a job while it waits to retry it (every
third of that time, and just before each attempt), since its retries last minutes: else another
sender reclaimed the job mid-retries and both posted it, again and again. A sender whose job
was taken over all the same (it stalled past the idle time) leaves it to the new owner. The
``webhook-id`` is the job's message id, the same on every attempt, for receivers to dedupe.
A job handed out again while this sender still has it in hand (its own pending entries read
again after a lost connection, or reclaimed by itself while it waits to retry) is skipped
rather than sent twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from alerts.backoff import Backoff
from alerts.bus import Bus, BusClosed, BusUnavailable, Delivery, Message
from alerts.dispatch import WEBHOOKS_TOPIC
from alerts.redis_client import RETRYABLE
from alerts.webhooks import UnsafeUrl, check_url, post_webhook

SEND_GROUP = "send"
DEAD_TOPIC = "webhooks-dead"
RECLAIM_IDLE_S = 120.0
log = logging.getLogger(__name__)


@dataclass(slots=True)
class WebhookSender:
    """Sends webhook jobs (see the module docstring)."""

    bus: Bus
    session: aiohttp.ClientSession
    now: Callable[[], float]
    consumer: str
    allow_private: bool = False
    max_attempts: int = 8
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    concurrency: int = 100
    reclaim_idle_s: float = RECLAIM_IDLE_S
    sent: int = 0
    failed_attempts: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _in_hand: set[str] = field(default_factory=set)  # entry ids of the jobs being sent

    async def run(self, *, block_s: float = 1.0) -> None:
        """Read and send jobs until cancelled or the bus closes."""
        await self.bus.subscribe(WEBHOOKS_TOPIC, SEND_GROUP)
        backoff = Backoff(base_s=0.1, cap_s=10.0)
        try:
            while True:
                try:
                    await self._round(block_s)
                    backoff.reset()
                except BusClosed:
                    return
                except (*RETRYABLE, BusUnavailable) as error:  # Redis away: jobs stay pending
                    log.warning("webhook deliveries paused (%s); retrying", error)
                    await asyncio.sleep(backoff.next_delay())
                except Exception:
                    log.exception("webhook round failed; retrying")
                    await asyncio.sleep(backoff.next_delay())
        finally:
            for task in self._tasks:
                task.cancel()

    async def _round(self, block_s: float) -> None:
        room = self.concurrency - len(self._tasks)
        if room <= 0:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            return
        reclaimed = await self.bus.reclaim(
            WEBHOOKS_TOPIC, SEND_GROUP, self.consumer, min_idle_s=self.reclaim_idle_s, count=room
        )
        fresh = await self.bus.consume(
            WEBHOOKS_TOPIC, SEND_GROUP, self.consumer, count=room, block_s=block_s
        )
        for delivery in [*reclaimed, *fresh]:
            if delivery.entry_id in self._in_hand:
                continue
            self._in_hand.add(delivery.entry_id)
            task = asyncio.get_running_loop().create_task(self._send(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, delivery: Delivery) -> None:
        try:
            await self._deliver(delivery)
        finally:
            self._in_hand.discard(delivery.entry_id)

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            job = json.loads(delivery.message.body)
            url, secret, body = job["url"], job["secret"], job["body"].encode()
        except (ValueError, KeyError, TypeError, AttributeError):
            await self._give_up(delivery, "undecodable job")
            return
        backoff = Backoff(base_s=self.retry_base_s, cap_s=self.retry_cap_s)
        for _ in range(self.max_attempts):
            error = await self._attempt(url, secret, delivery.message.id, body)
            if error is None:
                self.sent += 1
                await self.bus.ack(WEBHOOKS_TOPIC, SEND_GROUP, [delivery.entry_id])
                return
            self.failed_attempts += 1
            log.info("webhook %s failed (%s)", delivery.message.id, error)
            if error.startswith("unsafe"):
                break
            if not await self._hold(delivery, backoff.next_delay()):
                return
        await self._give_up(delivery, "attempts exhausted")

    async def _hold(self, delivery: Delivery, delay_s: float) -> bool:
        """Wait `delay_s`, renewing the claim on the job; False once another sender has it."""
        loop = asyncio.get_running_loop()
        until = loop.time() + delay_s
        while await self._renew(delivery):
            left = until - loop.time()
            if left <= 0:
                return True
            await asyncio.sleep(min(left, self.reclaim_idle_s / 3))
        return False

    async def _renew(self, delivery: Delivery) -> bool:
        """Reset the job's idle time; False when it is no longer this sender's."""
        try:
            held = await self.bus.renew(
                WEBHOOKS_TOPIC, SEND_GROUP, self.consumer, [delivery.entry_id]
            )
        except BusClosed:
            return False
        except (*RETRYABLE, BusUnavailable) as error:  # tried again a third of the idle later
            log.warning("webhook %s claim not renewed (%s)", delivery.message.id, error)
            return True
        if not held:
            log.info("webhook %s taken over by another sender", delivery.message.id)
        return bool(held)

    async def _attempt(self, url: str, secret: str, message_id: str, body: bytes) -> str | None:
        try:
            await check_url(url, allow_private=self.allow_private)
        except UnsafeUrl as error:
            return f"unsafe: {error}"
        result = await post_webhook(
            self.session, url, secret, message_id, body, timestamp=int(self.now())
        )
        if result.delivered:
            return None
        return result.error or f"HTTP {result.status}"

    async def _give_up(self, delivery: Delivery, reason: str) -> None:
        log.warning("webhook %s dead-lettered: %s", delivery.message.id, reason)
        with contextlib.suppress(BusClosed):
            await self.bus.publish(DEAD_TOPIC, Message(delivery.message.body, delivery.message.id))
            await self.bus.ack(WEBHOOKS_TOPIC, SEND_GROUP, [delivery.entry_id])
