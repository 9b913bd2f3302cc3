"""The `Bus` contract, run over the in-memory bus and over Redis Streams (127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from alerts.bus import Bus, BusClosed, Message
from alerts.memory_bus import MemoryBus
from alerts.redis_bus import RedisBus

REDIS_URL = "redis://127.0.0.1:6379/0"
MAX_DELIVERIES = 3


async def drop_keys(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    if request.param == "memory":
        memory = MemoryBus(max_deliveries=MAX_DELIVERIES)
        yield memory
        await memory.close()
        return
    prefix = f"test:{uuid.uuid4().hex}:"
    redis_bus = RedisBus(REDIS_URL, prefix=prefix, max_deliveries=MAX_DELIVERIES, deadline_s=5)
    try:
        yield redis_bus
    finally:
        await redis_bus.close()
        await drop_keys(prefix)


def messages(n: int) -> list[Message]:
    return [Message(f"body {i}".encode(), id=f"m{i}") for i in range(n)]


async def test_publish_then_consume_in_order(bus: Bus) -> None:
    assert isinstance(bus, Bus)
    sent = messages(5)
    assert [await bus.publish("alerts", m) for m in sent] == [m.id for m in sent]
    got = await bus.consume("alerts", "g", "c1", block_s=0.1)
    assert [d.message for d in got] == sent
    assert {d.deliveries for d in got} == {1} and {d.topic for d in got} == {"alerts"}
    assert len({d.entry_id for d in got}) == 5
    assert await bus.consume("alerts", "g", "c1", block_s=0.1) == []


async def test_count_limits_a_batch(bus: Bus) -> None:
    for m in messages(5):
        await bus.publish("t", m)
    first = await bus.consume("t", "g", "c", count=2, block_s=0)
    rest = await bus.consume("t", "g", "c", count=10, block_s=0)
    assert [d.message.id for d in first + rest] == ["m0", "m1", "m2", "m3", "m4"]


async def test_consumers_of_a_group_share_and_groups_each_get_all(bus: Bus) -> None:
    for m in messages(6):
        await bus.publish("t", m)
    a = await bus.consume("t", "workers", "a", count=3, block_s=0)
    b = await bus.consume("t", "workers", "b", count=10, block_s=0)
    audit = await bus.consume("t", "audit", "x", count=10, block_s=0)
    assert sorted(d.message.id for d in a + b) == [m.id for m in messages(6)]
    assert not {d.message.id for d in a} & {d.message.id for d in b}
    assert [d.message.id for d in audit] == [m.id for m in messages(6)]


async def test_subscribe_from_now_skips_the_past(bus: Bus) -> None:
    await bus.publish("t", Message(b"old", id="old"))
    await bus.subscribe("t", "late", from_start=False)
    await bus.subscribe("t", "late", from_start=True)  # exists already: unchanged
    await bus.publish("t", Message(b"new", id="new"))
    got = await bus.consume("t", "late", "c", block_s=0.1)
    assert [d.message.id for d in got] == ["new"]


async def test_consume_waits_for_a_publish(bus: Bus) -> None:
    await bus.subscribe("t", "g")

    async def later() -> None:
        await asyncio.sleep(0.2)
        await bus.publish("t", Message(b"x", id="late"))

    task = asyncio.create_task(later())
    loop = asyncio.get_running_loop()
    started = loop.time()
    got = await bus.consume("t", "g", "c", block_s=3)
    waited = loop.time() - started
    await task
    assert [d.message.id for d in got] == ["late"]
    assert 0.15 < waited < 2.5


async def test_consume_returns_nothing_after_its_block(bus: Bus) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bus.consume("quiet", "g", "c", block_s=0.3) == []
    assert loop.time() - started >= 0.25


async def test_acked_entries_are_not_reclaimed(bus: Bus) -> None:
    for m in messages(3):
        await bus.publish("t", m)
    got = await bus.consume("t", "g", "c", block_s=0)
    assert await bus.ack("t", "g", [got[0].entry_id, got[1].entry_id]) == 2
    assert await bus.ack("t", "g", [got[0].entry_id]) == 0
    reclaimed = await bus.reclaim("t", "g", "other", min_idle_s=0)
    assert [d.message.id for d in reclaimed] == ["m2"]


async def test_a_dead_consumers_entries_are_reclaimed_once_idle(bus: Bus) -> None:
    for m in messages(2):
        await bus.publish("t", m)
    await bus.consume("t", "g", "dead", block_s=0)  # never acks
    assert await bus.reclaim("t", "g", "alive", min_idle_s=10) == []
    await asyncio.sleep(0.15)
    reclaimed = await bus.reclaim("t", "g", "alive", min_idle_s=0.1)
    assert [(d.message.id, d.deliveries) for d in reclaimed] == [("m0", 2), ("m1", 2)]
    assert await bus.ack("t", "g", [d.entry_id for d in reclaimed]) == 2


async def test_a_renewed_claim_is_not_reclaimed_and_counts_no_hand_out(bus: Bus) -> None:
    for m in messages(3):
        await bus.publish("t", m)
    held = await bus.consume("t", "g", "worker", block_s=0)
    ids = [d.entry_id for d in held]
    await bus.ack("t", "g", [ids[2]])
    await asyncio.sleep(0.6)
    # only the owner renews, and only what it still holds (m2 is acknowledged)
    assert await bus.renew("t", "g", "other", ids) == []
    assert await bus.renew("t", "g", "worker", ids) == ids[:2]
    assert await bus.reclaim("t", "g", "other", min_idle_s=0.5) == []  # idle 0.6 s without
    await asyncio.sleep(0.6)
    (taken, left) = await bus.reclaim("t", "g", "other", min_idle_s=0.5)
    assert (taken.message.id, taken.deliveries) == ("m0", 2)  # the renewal was no hand-out
    # reclaimed by another meanwhile: the first worker's claim is not taken back
    assert await bus.renew("t", "g", "worker", ids) == []
    assert await bus.renew("t", "g", "other", ids) == ids[:2]
    assert await bus.renew("t", "missing-group", "other", ids) == []
    assert await bus.renew("t", "g", "other", []) == []
    assert left.message.id == "m1"


async def test_entries_handed_out_too_often_go_to_dead_letters(bus: Bus) -> None:
    poison = Message(b"poison", id="p")
    await bus.publish("t", poison)
    await bus.publish("t", Message(b"fine", id="f"))
    first = await bus.consume("t", "g", "c", block_s=0)
    await bus.ack("t", "g", [first[1].entry_id])
    counts = []
    for _ in range(MAX_DELIVERIES):
        counts.append([d.deliveries for d in await bus.reclaim("t", "g", "c", min_idle_s=0)])
    # handed out 1 + 2 times; the next reclaim would be the 4th: it is buried instead
    assert counts == [[2], [3], []]
    (dead,) = await bus.dead_letters("t")
    assert (dead.message, dead.deliveries) == (poison, MAX_DELIVERIES + 1)
    assert await bus.reclaim("t", "g", "c", min_idle_s=0) == []
    assert await bus.dead_letters("other") == []


async def test_closed_bus_refuses(bus: Bus) -> None:
    await bus.close()
    with pytest.raises(BusClosed):
        await bus.publish("t", Message(b"x"))
    with pytest.raises(BusClosed):
        await bus.consume("t", "g", "c", block_s=0)


async def test_message_ids_default_to_unique() -> None:
    assert len({Message(b"same").id for _ in range(100)}) == 100


async def test_memory_bus_trims_to_maxlen() -> None:
    bus = MemoryBus(maxlen=3)
    for m in messages(5):
        await bus.publish("t", m)
    got = await bus.consume("t", "g", "c", block_s=0)
    assert [d.message.id for d in got] == ["m2", "m3", "m4"]


@pytest.mark.redis
async def test_redis_consumer_restarting_gets_its_pending_entries_first() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first = RedisBus(REDIS_URL, prefix=prefix)
    second = RedisBus(REDIS_URL, prefix=prefix)
    try:
        for m in messages(3):
            await first.publish("t", m)
        taken = await first.consume("t", "g", "worker", count=2, block_s=0)
        await first.close()  # dies without acking m0 and m1
        # the same consumer in a new process: its pending entries first, then what is new
        replayed = await second.consume("t", "g", "worker", block_s=0)
        fresh = await second.consume("t", "g", "worker", block_s=0)
        assert [d.entry_id for d in replayed] == [d.entry_id for d in taken]
        # re-reading a pending entry is a second hand-out (Redis counts it too)
        assert [(d.message.id, d.deliveries) for d in replayed] == [("m0", 2), ("m1", 2)]
        assert [d.message.id for d in fresh] == ["m2"]
    finally:
        await second.close()
        await drop_keys(prefix)


@pytest.mark.redis
async def test_redis_group_lost_with_its_stream_is_recreated() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    bus = RedisBus(REDIS_URL, prefix=prefix)
    try:
        await bus.publish("t", Message(b"before", id="before"))
        assert len(await bus.consume("t", "g", "c", block_s=0)) == 1
        await drop_keys(prefix)  # what a restart without persistence does
        await bus.publish("t", Message(b"after", id="after"))
        assert await bus.ack("t", "g", ["1-0"]) == 0
        got = await bus.consume("t", "g", "c", block_s=0)
        assert [d.message.id for d in got] == ["after"]
    finally:
        await bus.close()
        await drop_keys(prefix)


async def test_publish_many_drops_ids_in_an_open_window(bus: Bus) -> None:
    assert await bus.publish_many("t", messages(2)) == 2  # no window: m1 may come again
    again = [Message(b"other body", id="m1"), Message(b"x", id="m2"), Message(b"y", id="m2")]
    assert await bus.publish_many("t", again, unique_s=0.3) == 2
    assert await bus.publish_many("t", [Message(b"z", id="m2")], unique_s=0.3) == 0
    await asyncio.sleep(0.4)  # the windows closed
    assert await bus.publish_many("t", [Message(b"w", id="m2")], unique_s=0.3) == 1
    got = await bus.consume("t", "g", "c", block_s=0)
    assert [(d.message.id, d.message.body) for d in got] == [
        ("m0", b"body 0"),
        ("m1", b"body 1"),
        ("m1", b"other body"),
        ("m2", b"x"),
        ("m2", b"w"),
    ]


@pytest.mark.redis
async def test_redis_bus_queues_for_a_connection_rather_than_failing() -> None:
    """A pool that failed past its size counted as a lost connection: every consumer of the
    process then read its pending entries again, and the webhooks in flight were sent twice."""
    prefix = f"test:{uuid.uuid4().hex}:"
    bus = RedisBus(REDIS_URL, prefix=prefix)
    try:
        blocked = [
            asyncio.create_task(bus.consume("t", f"g{i}", "c", block_s=0.5)) for i in range(8)
        ]
        sent = await asyncio.gather(*(bus.publish("u", m) for m in messages(300)))
        await asyncio.gather(*blocked)
        assert len(sent) == 300 and bus.connection_failures == 0
    finally:
        await bus.close()
        await drop_keys(prefix)
