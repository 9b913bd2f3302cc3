"""From the alert bus to subscribers: each alert logged once for every subscription it concerns.

The dispatcher reads the ``alerts`` topic in the consumer group ``dispatch`` (every hub
process is a consumer; each alert goes to one of them), and for each subscription the alert
concerns and that has not had it yet: builds the message (with, for a commute, the affected
legs and an alternative itinerary), queues the webhook delivery, then logs the event (which
SSE streams read). A message is acknowledged once all of that is done; a dispatcher that dies
midway leaves it pending for another to reclaim, and the event log's dedupe keys make the
second pass log nothing twice (a webhook queued twice keeps its ``webhook-id``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from alerts.alert_codec import alert_from_dict, alert_to_dict, alert_view
from alerts.backoff import Backoff
from alerts.bus import Bus, BusClosed, BusUnavailable, Delivery, Message
from alerts.commute import affected_legs
from alerts.event_log import Append, EventLog
from alerts.models import ServiceAlert
from alerts.redis_client import RETRYABLE
from alerts.subscription_store import SubscriptionStore
from alerts.subscriptions import Subscription

ALERTS_TOPIC = "alerts"
WEBHOOKS_TOPIC = "webhooks"
DISPATCH_GROUP = "dispatch"
RECLAIM_IDLE_S = 60.0
log = logging.getLogger(__name__)
# What a commute message offers instead: an itinerary as JSON, or None.
Alternative = Callable[[Subscription, ServiceAlert], Awaitable[dict[str, Any] | None]]


def alert_message(alert: ServiceAlert) -> Message:
    """The bus message of an alert; its id is the alert's (stable) id."""
    return Message(json.dumps(alert_to_dict(alert)).encode(), alert.id)


def over(alert: ServiceAlert, now: float) -> bool:
    """Whether every period of the alert has ended."""
    periods = alert.active_periods
    return bool(periods) and all(p.end is not None and p.end < now for p in periods)


@dataclass(slots=True)
class Dispatcher:
    """Fans alerts out to subscriptions (see the module docstring)."""

    bus: Bus
    store: SubscriptionStore
    events: EventLog
    now: Callable[[], float]
    consumer: str
    alternative: Alternative | None = None

    async def handle(self, alert: ServiceAlert, only: Sequence[Subscription] | None = None) -> int:
        """Log the alert for the subscriptions it concerns (or those of `only`); new events."""
        now = self.now()
        if over(alert, now):
            return 0
        candidates = await self.store.list_active(now) if only is None else only
        concerned = [s for s in candidates if s.watch.concerns(alert)]
        seen = await self.events.seen_many([(s.id, alert.id) for s in concerned])
        fresh = [s for s, done in zip(concerned, seen, strict=True) if not done]
        appends, jobs = [], []
        for subscription in fresh:
            body = await self._body(subscription, alert, now)
            if subscription.spec.webhook_url is not None:
                jobs.append(_webhook_job(subscription, alert, body))
            appends.append(Append(subscription.id, alert.id, body))
        # the webhook jobs are queued before the events are logged (and so marked as sent)
        await asyncio.gather(*(self.bus.publish(WEBHOOKS_TOPIC, job) for job in jobs))
        logged = await self.events.append_many(appends)
        return sum(1 for event_id in logged if event_id is not None)

    async def _body(self, subscription: Subscription, alert: ServiceAlert, now: float) -> bytes:
        message: dict[str, Any] = {
            "type": "alert",
            "subscription": subscription.id,
            "alert": alert_view(alert, subscription.spec.lang),
            "sent_at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        }
        if subscription.spec.commute is not None:
            legs = affected_legs(subscription.commute_legs, alert)
            message["affected_legs"] = [leg.model_dump() for leg in legs]
            message["alternative"] = None
            if self.alternative is not None:
                message["alternative"] = await self.alternative(subscription, alert)
        return json.dumps(message, ensure_ascii=False).encode()

    async def run(self, *, block_s: float = 1.0) -> None:
        """Dispatch until cancelled or the bus closes; failures are retried with backoff."""
        await self.bus.subscribe(ALERTS_TOPIC, DISPATCH_GROUP)
        backoff = Backoff(base_s=0.1, cap_s=10.0)
        while True:
            try:
                await self._round(block_s)
                backoff.reset()
            except BusClosed:
                return
            except (*RETRYABLE, BusUnavailable) as error:  # Redis away: messages stay pending
                log.warning("alert dispatch paused (%s); retrying", error)
                await asyncio.sleep(backoff.next_delay())
            except Exception:  # a store failing otherwise: the messages stay pending too
                log.exception("alert dispatch failed; retrying")
                await asyncio.sleep(backoff.next_delay())

    async def _round(self, block_s: float) -> None:
        reclaimed = await self.bus.reclaim(
            ALERTS_TOPIC, DISPATCH_GROUP, self.consumer, min_idle_s=RECLAIM_IDLE_S
        )
        fresh = await self.bus.consume(ALERTS_TOPIC, DISPATCH_GROUP, self.consumer, block_s=block_s)
        await self._deliver([*reclaimed, *fresh])

    async def _deliver(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            try:
                alert = alert_from_dict(json.loads(delivery.message.body))
            except (ValueError, KeyError, TypeError):
                log.error("undecodable alert message %s dropped", delivery.message.id)
            else:
                await self.handle(alert)
            await self.bus.ack(ALERTS_TOPIC, DISPATCH_GROUP, [delivery.entry_id])


def _webhook_job(subscription: Subscription, alert: ServiceAlert, body: bytes) -> Message:
    assert subscription.spec.webhook_url is not None
    message_id = f"msg_{subscription.id}_{alert.id}"
    job = {
        "subscription": subscription.id,
        "url": subscription.spec.webhook_url,
        "secret": subscription.webhook_secret,
        "body": body.decode(),
    }
    return Message(json.dumps(job).encode(), message_id)
