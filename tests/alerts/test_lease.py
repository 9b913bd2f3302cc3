"""The Redis lease electing one ingest loop: exclusive, renewed by its owner only, expiring."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from alerts.lease import Lease

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url("redis://127.0.0.1:6379/0")
    yield client
    await client.aclose()


async def test_one_holder_at_a_time(redis: Redis) -> None:
    key = f"test:{uuid.uuid4().hex}:lease"
    a, b = Lease(redis, key, 0.3), Lease(redis, key, 0.3)
    try:
        assert await a.acquire() and not await b.acquire()
        assert await a.renew() and not await b.renew()
        assert await a.holder() == a.owner
        await b.release()  # not b's: nothing happens
        assert await a.holder() == a.owner
        await asyncio.sleep(0.4)  # a stalled past its lease
        assert await b.acquire()
        assert not await a.renew(), "a stalled holder cannot take the lease back"
        await b.release()
        assert await a.holder() is None and await a.acquire()
    finally:
        await redis.delete(key)
