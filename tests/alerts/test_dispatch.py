"""Alerts fanned out to subscriptions: logged once, webhooks signed, retried, dead-lettered."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from alerts.alert_codec import alert_view
from alerts.bus import Delivery, Message
from alerts.delivery import DEAD_TOPIC, WebhookSender
from alerts.dispatch import (
    ALERTS_TOPIC,
    WEBHOOKS_TOPIC,
    Dispatcher,
    _MessageEncoder,
    alert_message,
)
from alerts.event_log import Append, MemoryEventLog
from alerts.memory_bus import MemoryBus
from alerts.models import ActivePeriod, InformedEntity, ServiceAlert, TranslatedText
from alerts.subscription_store import (
    MemorySubscriptionStore,
    RedisSubscriptionStore,
    SubscriptionStore,
)
from alerts.subscriptions import (
    Subscription,
    SubscriptionSpec,
    Watch,
    new_webhook_secret,
    token_hash,
)
from routing.network import Network
from tests.alerts.conftest import TINY_DAY, at
from tests.alerts.test_commute import commuter
from tests.alerts.test_leg_disruptions import A_TO_B, A_TO_D, derive, update
from tests.alerts.test_webhooks import verify

Server = Callable[..., Awaitable[TestServer]]
NOW = 1_700_000_000.0


def alert(alert_id: str, **entity: Any) -> ServiceAlert:
    return ServiceAlert(
        id=alert_id,
        feed_id="t",
        entity_id=alert_id,
        active_periods=(),
        informed_entities=(InformedEntity(**entity),),
        cause="STRIKE",
        effect="REDUCED_SERVICE",
        header=TranslatedText((("en", "Strike"), ("fr", "Grève"))),
        description=TranslatedText(),
        url=TranslatedText(),
    )


def subscription(
    sub_id: str, *, webhook: str | None = None, expires_at: float = NOW + 3600, **watch: Any
) -> Subscription:
    spec = SubscriptionSpec(lines=["t:R1"], webhook_url=webhook, lang="fr")
    return Subscription(
        id=sub_id,
        token_hash=token_hash("token"),
        webhook_secret=new_webhook_secret(),
        created_at=NOW,
        expires_at=expires_at,
        spec=spec,
        watch=Watch(**{k: frozenset(v) for k, v in watch.items()}),
    )


async def test_an_alert_is_logged_once_for_each_subscription_it_concerns() -> None:
    store, events, bus = MemorySubscriptionStore(), MemoryEventLog(), MemoryBus()
    await store.put(subscription("line", routes={"t:R1"}))
    await store.put(subscription("stop", stops={"t:A"}))
    await store.put(subscription("agency", agencies={"t:AG"}))
    await store.put(subscription("expired", routes={"t:R1"}, expires_at=NOW - 1))
    dispatcher = Dispatcher(bus, store, events, lambda: NOW, "c1")
    assert await dispatcher.handle(alert("a1", route_id="t:R1")) == 1
    assert await dispatcher.handle(alert("a1", route_id="t:R1")) == 0  # re-ingested: nothing
    assert await dispatcher.handle(alert("a2", stop_id="t:A", route_id="t:R9")) == 1
    assert await dispatcher.handle(alert("a3", agency_id="t:AG")) == 1
    assert await dispatcher.handle(alert("a4", agency_id="t:AG", route_id="t:R7")) == 0
    (event,) = await events.read_after("line", None)
    body = json.loads(event.body)
    assert body["alert"]["id"] == "a1" and body["alert"]["header"] == "Grève"
    assert await events.read_after("expired", None) == []


async def test_an_ended_alert_is_not_sent() -> None:
    store, events = MemorySubscriptionStore(), MemoryEventLog()
    await store.put(subscription("line", routes={"t:R1"}))
    ended = alert("old", route_id="t:R1")
    ended = ServiceAlert(
        **{
            **{f: getattr(ended, f) for f in ended.__slots__},
            "active_periods": (ActivePeriod(0, 10),),
        }
    )
    assert await Dispatcher(MemoryBus(), store, events, lambda: NOW, "c").handle(ended) == 0


async def test_a_late_leg_goes_to_the_commutes_riding_it_only(tiny: Network) -> None:
    store, events = MemorySubscriptionStore(), MemoryEventLog()
    await store.put(commuter([A_TO_D]).model_copy(update={"id": "rider"}))
    await store.put(commuter([A_TO_B]).model_copy(update={"id": "same-train"}))
    await store.put(subscription("line", routes={"t:R1"}, stops={"t:A"}))
    (late,) = derive(tiny, update(tiny, delays_s={"t:A": 7 * 60}))
    seven = float(at(tiny, TINY_DAY, "07:00"))
    blind = Dispatcher(MemoryBus(), store, events, lambda: seven, "c")
    assert await blind.handle(late) == 0  # no timezone to place commutes in: no one
    dispatcher = Dispatcher(MemoryBus(), store, events, lambda: seven, "c", tz=lambda: tiny.tz)
    assert await dispatcher.handle(late) == 1
    (event,) = await events.read_after("rider", None)
    body = json.loads(event.body)
    assert body["alert"]["source"] == "trip_update"
    assert body["affected_legs"] == [A_TO_D.model_dump()]


@pytest.fixture
async def receiver(aiohttp_server: Server) -> tuple[str, list[dict[str, Any]], dict[str, int]]:
    received: list[dict[str, Any]] = []
    failures = {"left": 0}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        received.append({"headers": dict(request.headers), "body": body})
        if failures["left"] > 0:
            failures["left"] -= 1
            return web.Response(status=503)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    return str(server.make_url("/hook")), received, failures


async def test_webhooks_are_signed_and_retried_with_the_same_id(
    receiver: tuple[str, list[dict[str, Any]], dict[str, int]],
) -> None:
    url, received, failures = receiver
    failures["left"] = 2
    store, events, bus = MemorySubscriptionStore(), MemoryEventLog(), MemoryBus()
    sub = subscription("hooked", webhook=url, routes={"t:R1"})
    await store.put(sub)
    await Dispatcher(bus, store, events, lambda: NOW, "c").handle(alert("a1", route_id="t:R1"))
    async with aiohttp.ClientSession() as session:
        sender = WebhookSender(
            bus, session, time.time, "s", allow_private=True, retry_base_s=0.02, retry_cap_s=0.05
        )
        task = asyncio.create_task(sender.run(block_s=0.05))
        for _ in range(200):
            if sender.sent:
                break
            await asyncio.sleep(0.02)
        task.cancel()
    assert sender.sent == 1 and sender.failed_attempts == 2 and len(received) == 3
    assert len({r["headers"]["webhook-id"] for r in received}) == 1
    for r in received:
        assert verify(sub.webhook_secret, r["headers"], r["body"])
    assert json.loads(received[-1]["body"])["alert"]["id"] == "a1"


async def test_a_webhook_to_a_private_address_is_dead_lettered_when_not_allowed(
    receiver: tuple[str, list[dict[str, Any]], dict[str, int]],
) -> None:
    url, received, _ = receiver
    bus = MemoryBus()
    await bus.publish(
        "webhooks",
        Message(
            json.dumps({"url": url, "secret": new_webhook_secret(), "body": "{}"}).encode(), "m1"
        ),
    )
    async with aiohttp.ClientSession() as session:
        sender = WebhookSender(bus, session, time.time, "s", retry_base_s=0.01)
        task = asyncio.create_task(sender.run(block_s=0.05))
        dead = await bus.consume(DEAD_TOPIC, "check", "c", block_s=2.0)
        task.cancel()
    assert received == [] and sender.sent == 0 and sender.failed_attempts == 1
    assert [d.message.id for d in dead] == ["m1"]


async def test_the_dispatcher_loop_reads_the_bus_and_acks() -> None:
    store, events, bus = MemorySubscriptionStore(), MemoryEventLog(), MemoryBus()
    await store.put(subscription("line", routes={"t:R1"}))
    await bus.publish(ALERTS_TOPIC, alert_message(alert("a1", route_id="t:R1")))
    await bus.publish(ALERTS_TOPIC, Message(b"not json", "junk"))
    task = asyncio.create_task(Dispatcher(bus, store, events, lambda: NOW, "c").run(block_s=0.05))
    for _ in range(100):
        if await events.read_after("line", None):
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    task.cancel()
    assert [e.key for e in await events.read_after("line", None)] == ["a1"]
    assert await bus.reclaim(ALERTS_TOPIC, "dispatch", "x", min_idle_s=0) == []


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SubscriptionStore]:
    if request.param == "memory":
        yield MemorySubscriptionStore()
        return
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"test:{uuid.uuid4().hex}:"
    yield RedisSubscriptionStore(redis, prefix)
    keys = [key async for key in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_subscription_store_contract(store: SubscriptionStore) -> None:
    live, old = subscription("live", routes={"t:R1"}), subscription("old", expires_at=NOW - 1)
    await store.put(live)
    await store.put(old)
    assert await store.get("live", NOW) == live and await store.get("old", NOW) is None
    assert [s.id for s in await store.list_active(NOW)] == ["live"]
    renewed = live.model_copy(update={"expires_at": NOW + 7200})
    await store.put(renewed)
    assert (await store.list_active(NOW))[0].expires_at == NOW + 7200
    assert await store.purge_expired(NOW) == ["old"]
    assert await store.delete("live") and not await store.delete("live")
    assert await store.list_active(NOW) == []


async def test_messages_are_what_json_dumps_makes_of_them() -> None:
    """The alert's view is encoded once per language and shared: the bytes are the same."""
    store, events = MemorySubscriptionStore(), MemoryEventLog()
    french = subscription("fr", routes={"t:R1"})
    english = french.model_copy(
        update={"id": "en", "spec": french.spec.model_copy(update={"lang": "en"})}
    )
    await store.put(french)
    await store.put(english)
    sent = alert("a1", route_id="t:R1")
    await Dispatcher(MemoryBus(), store, events, lambda: NOW, "c").handle(sent)
    for sub in (french, english):
        (event,) = await events.read_after(sub.id, None)
        expected = {
            "type": "alert",
            "subscription": sub.id,
            "alert": alert_view(sent, sub.spec.lang),
            "sent_at": "2023-11-14T22:13:20+00:00",
        }
        assert event.body == json.dumps(expected, ensure_ascii=False).encode()
    commute = _MessageEncoder(sent, NOW).encode(french, affected_legs=[{"n": 1}], alternative=None)
    assert json.loads(commute) == expected | {
        "subscription": "fr",
        "alert": alert_view(sent, "fr"),
        "affected_legs": [{"n": 1}],
        "alternative": None,
    }


class UnseenLog(MemoryEventLog):
    """An event log whose dedupe check says "not seen" (as to two dispatchers at once)."""

    async def seen_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        return [False for _ in pairs]


async def test_an_alert_dispatched_twice_at_once_queues_each_webhook_once() -> None:
    store, events, bus = MemorySubscriptionStore(), UnseenLog(), MemoryBus()
    for n in range(3):
        await store.put(subscription(f"h{n}", webhook="https://example.org/h", routes={"t:R1"}))
    first = Dispatcher(bus, store, events, lambda: NOW, "one")
    second = Dispatcher(bus, store, events, lambda: NOW, "two")
    await first.handle(alert("a1", route_id="t:R1"))
    assert await second.handle(alert("a1", route_id="t:R1")) == 0
    jobs = await bus.consume(WEBHOOKS_TOPIC, "send", "s", block_s=0)
    assert sorted(d.message.id for d in jobs) == [f"msg_h{n}_a1" for n in range(3)]


class FailingOnceLog(MemoryEventLog):
    """An event log whose first append fails as a Redis connection lost midway would."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def append_many(self, appends: Sequence[Append]) -> list[str | None]:
        if self.failures:
            self.failures -= 1
            raise RedisConnectionError("connection closed by server")
        return await super().append_many(appends)


async def test_a_failed_dispatch_is_tried_again_at_once_not_when_reclaimable() -> None:
    store, events, bus = MemorySubscriptionStore(), FailingOnceLog(), MemoryBus()
    await store.put(subscription("line", routes={"t:R1"}))
    await bus.publish(ALERTS_TOPIC, alert_message(alert("a1", route_id="t:R1")))
    task = asyncio.create_task(Dispatcher(bus, store, events, lambda: NOW, "c").run(block_s=0.05))
    try:
        async with asyncio.timeout(5):  # a reclaim would wait RECLAIM_IDLE_S (a minute)
            while not await events.read_after("line", None):
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert events.failures == 0
    assert await bus.reclaim(ALERTS_TOPIC, "dispatch", "x", min_idle_s=0) == []


class ReplayingBus(MemoryBus):
    """Hands the webhook jobs out twice, as Redis does to a consumer that re-reads its
    pending entries after a lost connection while it still sends them."""

    async def consume(
        self, topic: str, group: str, consumer: str, *, count: int = 100, block_s: float = 1.0
    ) -> list[Delivery]:
        got = await super().consume(topic, group, consumer, count=count, block_s=block_s)
        return got + got


async def test_a_job_in_hand_is_not_sent_twice_at_once(aiohttp_server: Server) -> None:
    received: list[str] = []

    async def slow_hook(request: web.Request) -> web.Response:
        received.append(request.headers["webhook-id"])
        await asyncio.sleep(0.2)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", slow_hook)
    server = await aiohttp_server(app)
    store, events, bus = MemorySubscriptionStore(), MemoryEventLog(), ReplayingBus()
    await store.put(subscription("hooked", webhook=str(server.make_url("/hook")), routes={"t:R1"}))
    await Dispatcher(bus, store, events, lambda: NOW, "c").handle(alert("a1", route_id="t:R1"))
    async with aiohttp.ClientSession() as session:
        sender = WebhookSender(bus, session, time.time, "s", allow_private=True)
        task = asyncio.create_task(sender.run(block_s=0.05))
        await asyncio.sleep(0.5)
        task.cancel()
    assert received == ["msg_hooked_a1"] and sender.sent == 1


class FailingOnceBus(MemoryBus):
    """A bus whose first batch of webhook jobs is lost with the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def publish_many(
        self, topic: str, messages: Sequence[Message], *, unique_s: float = 0.0
    ) -> int:
        if topic == WEBHOOKS_TOPIC and self.failures:
            self.failures -= 1
            raise RedisConnectionError("connection closed by server")
        return await super().publish_many(topic, messages, unique_s=unique_s)


async def test_webhooks_lost_after_the_events_were_logged_are_queued_by_the_second_pass() -> None:
    store, events, bus = MemorySubscriptionStore(), MemoryEventLog(), FailingOnceBus()
    await store.put(subscription("hooked", webhook="https://example.org/h", routes={"t:R1"}))
    await store.put(subscription("plain", routes={"t:R1"}))
    await bus.publish(ALERTS_TOPIC, alert_message(alert("a1", route_id="t:R1")))
    await bus.publish(ALERTS_TOPIC, alert_message(alert("a2", route_id="t:R1")))
    task = asyncio.create_task(Dispatcher(bus, store, events, lambda: NOW, "c").run(block_s=0.05))
    jobs: list[Delivery] = []
    try:
        async with asyncio.timeout(5):
            while len(jobs) < 2:
                jobs += await bus.consume(WEBHOOKS_TOPIC, "send", "s", block_s=0.05)
            await asyncio.sleep(0.2)  # nothing more comes
            jobs += await bus.consume(WEBHOOKS_TOPIC, "send", "s", block_s=0)
    finally:
        task.cancel()
    assert bus.failures == 0
    assert sorted(d.message.id for d in jobs) == ["msg_hooked_a1", "msg_hooked_a2"]
    for name in ("hooked", "plain"):
        assert [e.key for e in await events.read_after(name, None)] == ["a1", "a2"]
