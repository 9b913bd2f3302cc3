"""From the alert bus to subscribers: each alert logged once for every subscription it concerns.

The dispatcher reads the ``alerts`` topic in the consumer group ``dispatch`` (every hub
process is a consumer; each alert goes to one of them), and for each subscription the alert
concerns (`alerts.commute.concerns`) and that has not had it yet: builds the message (with,
for a commute, the affected legs and an alternative itinerary), logs the event (which SSE
streams read), then queues the webhook delivery, so that the SSE readers are woken before
the webhooks are sent. A message
is acknowledged once all of that is done; a dispatcher that dies midway leaves it pending for
another to reclaim (or fails a round, and tries it again), and the event log's dedupe keys
make the second pass log nothing twice. Alerts are published, and webhook jobs queued, with
a deduplication window on their deterministic ids (`UNIQUE_S`): a second pass queues the
webhooks of every subscription concerned again, logged or not (the first may have died before
queueing them), and the window drops those it did queue; an alert published by two processes
is dispatched once, and one dispatched twice at once still queues each webhook once.

Messages differ only by their subscription (and a commute's legs and alternative): the
alert's view is encoded once per language and its bytes shared by every message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from alerts.alert_codec import alert_from_dict, alert_to_dict, alert_view
from alerts.backoff import Backoff
from alerts.bus import Bus, BusClosed, BusUnavailable, Delivery, Message
from alerts.commute import affected_legs, concerns
from alerts.event_log import Append, EventLog
from alerts.leg_disruptions import is_leg_disruption
from alerts.models import ServiceAlert
from alerts.redis_client import RETRYABLE
from alerts.subscription_store import SubscriptionStore
from alerts.subscriptions import Subscription

ALERTS_TOPIC = "alerts"
WEBHOOKS_TOPIC = "webhooks"
DISPATCH_GROUP = "dispatch"
RECLAIM_IDLE_S = 60.0
# deduplication window of alert publications and webhook jobs (both have deterministic ids):
# far past a dispatch's reclaim, so that a second pass queues nothing twice
UNIQUE_S = 3600.0
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
    # the served network's timezone, in which commutes' windows are: without it, alerts
    # derived for commute legs (`alerts.leg_disruptions`) reach no one
    tz: Callable[[], dt.tzinfo] | None = None
    _retry: list[Delivery] = field(default_factory=list)  # a failed round's rest, next first

    async def handle(
        self,
        alert: ServiceAlert,
        only: Sequence[Subscription] | None = None,
        *,
        again: bool = False,
    ) -> int:
        """Log the alert for the subscriptions it concerns (or those of `only`); new events.

        `again` (a second pass) queues the webhooks of the subscriptions that had it too.
        """
        now = self.now()
        if over(alert, now):
            return 0
        candidates = await self.store.list_active(now) if only is None else only
        concerned = [s for s in candidates if self._concerns(s, alert, now)]
        seen = await self.events.seen_many([(s.id, alert.id) for s in concerned])
        encoder = _MessageEncoder(alert, now)
        appends, jobs = [], []
        for subscription, done in zip(concerned, seen, strict=True):
            hooked = subscription.spec.webhook_url is not None
            if done and not (again and hooked):
                continue
            body = await self._body(encoder, subscription)
            if hooked:
                jobs.append(_webhook_job(subscription, alert, body))
            if not done:
                appends.append(Append(subscription.id, alert.id, body))
        logged = await self.events.append_many(appends)
        await self.bus.publish_many(WEBHOOKS_TOPIC, jobs, unique_s=UNIQUE_S)
        return sum(1 for event_id in logged if event_id is not None)

    def _concerns(self, subscription: Subscription, alert: ServiceAlert, now: float) -> bool:
        if self.tz is None:
            return not is_leg_disruption(alert) and subscription.watch.concerns(alert)
        return concerns(subscription, alert, now=now, tz=self.tz())

    async def _body(self, encoder: _MessageEncoder, subscription: Subscription) -> bytes:
        if subscription.spec.commute is None:
            return encoder.encode(subscription)
        legs = affected_legs(subscription.commute_legs, encoder.alert)
        found = None
        if self.alternative is not None:
            found = await self.alternative(subscription, encoder.alert)
        return encoder.encode(
            subscription,
            affected_legs=[leg.model_dump() for leg in legs],
            alternative=found,
        )

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
        retried, self._retry = self._retry, []
        deliveries = retried
        if not deliveries:
            deliveries = await self.bus.reclaim(
                ALERTS_TOPIC, DISPATCH_GROUP, self.consumer, min_idle_s=RECLAIM_IDLE_S
            )
            deliveries += await self.bus.consume(
                ALERTS_TOPIC, DISPATCH_GROUP, self.consumer, block_s=block_s
            )
        for n, delivery in enumerate(deliveries):
            try:
                await self._deliver(delivery, again=bool(retried) or delivery.deliveries > 1)
            except BaseException:
                # tried again after the backoff, not only once reclaimable a minute later
                self._retry = deliveries[n:]
                raise

    async def _deliver(self, delivery: Delivery, *, again: bool) -> None:
        try:
            alert = alert_from_dict(json.loads(delivery.message.body))
        except (ValueError, KeyError, TypeError):
            log.error("undecodable alert message %s dropped", delivery.message.id)
        else:
            await self.handle(alert, again=again)
        await self.bus.ack(ALERTS_TOPIC, DISPATCH_GROUP, [delivery.entry_id])


class _MessageEncoder:
    """The messages of one alert: the JSON of its view per language, encoded once."""

    def __init__(self, alert: ServiceAlert, now: float) -> None:
        self.alert = alert
        sent_at = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
        self._sent_at = _json(sent_at)
        self._views: dict[str | None, bytes] = {}

    def encode(self, subscription: Subscription, **extra: Any) -> bytes:
        """What `json.dumps` makes of the message (type, subscription, alert, sent_at, extra)."""
        lang = subscription.spec.lang
        view = self._views.get(lang)
        if view is None:
            view = self._views[lang] = _json(alert_view(self.alert, lang))
        members = [
            (b'"type"', b'"alert"'),
            (b'"subscription"', _json(subscription.id)),
            (b'"alert"', view),
            (b'"sent_at"', self._sent_at),
            *((_json(name), _json(value)) for name, value in extra.items()),
        ]
        return b"{" + b", ".join(name + b": " + value for name, value in members) + b"}"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


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
