"""Per-subscription event logs (memory, Redis): dedupe by key, replay after an id, wake-ups."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.typing import StreamEntry

from alerts.event_log import Append, Event, EventLog, MemoryEventLog
from alerts.redis_event_log import RedisEventLog, _Recent, unpack


@contextlib.asynccontextmanager
async def fresh_redis_log() -> AsyncIterator[RedisEventLog]:
    """A Redis event log under a prefix of its own, its keys deleted afterwards."""
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"test:{uuid.uuid4().hex}:"
    found = RedisEventLog(redis, prefix, maxlen=50)
    yield found
    await found.close()
    keys = [key async for key in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def log(request: pytest.FixtureRequest) -> AsyncIterator[EventLog]:
    if request.param == "memory":
        yield MemoryEventLog(maxlen=50)
        return
    async with fresh_redis_log() as found:
        yield found


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


@pytest.fixture
async def redis_log() -> AsyncIterator[RedisEventLog]:
    async with fresh_redis_log() as found:
        yield found


@pytest.mark.redis
async def test_a_fan_out_entry_packs_each_event_after_the_one_before(
    redis_log: RedisEventLog,
) -> None:
    (first,) = await redis_log.append_many([Append("s", "k0", b"{}")])
    bodies = [b"line\nbreak", "Grève".encode(), b""]
    ids = await redis_log.append_many(
        [Append("s", "k1", bodies[0]), Append("t", "k1", bodies[1]), Append("s", "k2", bodies[2])]
    )
    entries = await redis_log.redis.xrange(redis_log.fanout)
    assert entries is not None
    fanned = [_fields(entry) for entry in entries]
    assert [int(fields[b"seq"]) for fields in fanned] == [1, 2]
    packed = fanned[-1][b"events"]
    assert isinstance(packed, bytes)
    assert list(unpack(packed)) == [
        ("s", first, Event(str(ids[0]), "k1", bodies[0])),
        ("t", "", Event(str(ids[1]), "k1", bodies[1])),
        ("s", ids[0], Event(str(ids[2]), "k2", bodies[2])),
    ]


def _fields(entry: StreamEntry) -> dict[bytes | str, bytes | str]:
    """The fields of a stream entry (which redis-py types as possibly missing)."""
    _, fields = entry
    assert fields is not None
    return fields


async def _woken(log: RedisEventLog, subscription: str, appends: list[Append]) -> list[str | None]:
    log.waiter(subscription)  # starts the fan-out reader, which wakes everyone as it starts
    await asyncio.sleep(0.1)
    waiter = log.waiter(subscription)
    ids = await log.append_many(appends)
    await asyncio.wait_for(waiter.wait(), 2.0)
    await asyncio.sleep(0.05)  # every event relayed
    return ids


@pytest.mark.redis
async def test_woken_readers_read_from_memory_and_after_a_gap_from_their_stream(
    redis_log: RedisEventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    (before,) = await redis_log.append_many([Append("s", "k0", b"0")])
    ids = await _woken(redis_log, "s", [Append("s", "k1", b"1"), Append("s", "k2", b"2")])
    ranges = 0
    xrange = redis_log.redis.xrange

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal ranges
        ranges += 1
        return xrange(*args, **kwargs)

    monkeypatch.setattr(redis_log.redis, "xrange", counted)
    assert [e.key for e in await redis_log.read_after("s", before)] == ["k1", "k2"]
    assert await redis_log.read_after("s", ids[-1]) == [] and ranges == 0
    # fan-out entries missed (the reader fell behind the trimming): what it kept is dropped
    await redis_log.redis.incr(f"{redis_log.prefix}fanout:seq")
    more = await _woken(redis_log, "s", [Append("s", "k3", b"3")])
    assert [e.key for e in await redis_log.read_after("s", before)] == ["k1", "k2", "k3"]
    assert ranges == 1
    assert [e.id for e in await redis_log.read_after("s", ids[-1])] == more


def test_recent_events_answer_only_a_reader_at_their_chain() -> None:
    recent = _Recent()
    recent.add("s", "1-0", Event("2-0", "k2", b""))
    recent.add("s", "2-0", Event("3-0", "k3", b""))
    assert [e.id for e in recent.after("s", "1-0") or []] == ["2-0", "3-0"]
    assert [e.id for e in recent.after("s", "2-0") or []] == ["3-0"]
    assert recent.after("s", "3-0") == [] and recent.after("s", "0-5") is None
    recent.add("s", "4-0", Event("5-0", "k5", b""))  # 4-0 never came: the chain starts over
    assert recent.after("s", "2-0") is None and recent.after("s", "3-0") is None
    assert [e.id for e in recent.after("s", "4-0") or []] == ["5-0"]
