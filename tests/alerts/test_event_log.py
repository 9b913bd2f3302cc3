"""Per-subscription event logs (memory, Redis): dedupe by key, replay after an id, wake-ups."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from alerts.event_log import Append, EventLog, MemoryEventLog
from alerts.redis_event_log import RedisEventLog


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def log(request: pytest.FixtureRequest) -> AsyncIterator[EventLog]:
    if request.param == "memory":
        yield MemoryEventLog(maxlen=50)
        return
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"test:{uuid.uuid4().hex}:"
    found = RedisEventLog(redis, prefix, maxlen=50)
    yield found
    await found.close()
    keys = [key async for key in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_each_key_is_logged_once_per_subscription(log: EventLog) -> None:
    ids = await log.append_many(
        [Append("s1", "a1", b"{}"), Append("s1", "a1", b"{}"), Append("s2", "a1", b"{}")]
    )
    assert ids[0] is not None and ids[1] is None and ids[2] is not None
    assert await log.append_many([Append("s1", "a1", b"changed body, same key")]) == [None]
    assert await log.seen_many([("s1", "a1"), ("s1", "a2"), ("s3", "a1")]) == [True, False, False]


async def test_read_after_replays_exactly_what_follows(log: EventLog) -> None:
    ids = await log.append_many([Append("s", f"k{i}", f'{{"n": {i}}}'.encode()) for i in range(5)])
    everything = await log.read_after("s", None)
    assert [e.id for e in everything] == ids and [e.key for e in everything] == [
        f"k{i}" for i in range(5)
    ]
    after_two = await log.read_after("s", ids[1])
    assert [e.key for e in after_two] == ["k2", "k3", "k4"]
    assert await log.read_after("s", ids[-1]) == []
    assert await log.last_id("s") == ids[-1]
    assert [e.key for e in await log.read_after("s", ids[0], count=2)] == ["k1", "k2"]


async def test_waiter_is_set_by_the_next_append(log: EventLog) -> None:
    waiter = log.waiter("s")
    await asyncio.sleep(0.05)  # the Redis wake-up listener subscribes
    await log.append_many([Append("s", "k", b"{}")])
    await asyncio.wait_for(waiter.wait(), 2.0)
    assert log.waiter("s") is not waiter and not log.waiter("s").is_set()


async def test_delete_forgets_events_and_keys(log: EventLog) -> None:
    await log.append_many([Append("s", "k", b"{}")])
    await log.delete("s")
    assert await log.read_after("s", None) == [] and await log.last_id("s") is None
    assert await log.seen_many([("s", "k")]) == [False]


async def test_events_woken_up_are_read_the_same_as_from_the_log(log: EventLog) -> None:
    waiter = log.waiter("s")
    await asyncio.sleep(0.05)
    ids = await log.append_many([Append("s", f"k{i}", f"body {i}".encode()) for i in range(4)])
    await asyncio.wait_for(waiter.wait(), 2.0)
    await asyncio.sleep(0.05)  # every wake-up relayed
    fast = await log.read_after("s", ids[0])
    assert [(e.id, e.key, e.body) for e in fast] == [
        (ids[i], f"k{i}", f"body {i}".encode()) for i in range(1, 4)
    ]
    assert await log.read_after("s", ids[3]) == []
