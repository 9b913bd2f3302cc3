"""The Redis client the realtime stores share, its retries, and stopping the tasks using it.

redis-py's own retries are off so that there is one place that retries: `with_retries`,
with capped exponential backoff and jitter up to a deadline (as `RedisBus` does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from alerts.backoff import Backoff

T = TypeVar("T")
RETRYABLE = (RedisConnectionError, RedisTimeoutError, OSError)
log = logging.getLogger(__name__)


def connect(url: str, *, socket_timeout_s: float = 10.0, max_connections: int = 64) -> Redis:
    """A client for `url` that fails fast on a dead server instead of retrying by itself.

    Its pool blocks (up to the socket timeout) when all `max_connections` are busy, rather
    than failing: a thousand event streams opening at once wait their turn for a connection.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=socket_timeout_s,
        socket_connect_timeout=2.0,
        socket_timeout=socket_timeout_s,
        retry=Retry(NoBackoff(), 0),
    )
    return Redis.from_pool(pool)  # the client owns the pool: aclose() closes it


async def with_retries(
    what: str, command: Callable[[], Awaitable[T]], *, deadline_s: float = 30.0
) -> T:
    """Run `command` until it succeeds or `deadline_s` passes (then its last error is raised)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    backoff = Backoff(base_s=0.05, cap_s=2.0)
    while True:
        try:
            return await command()
        except RETRYABLE as error:
            delay = backoff.next_delay()
            if loop.time() + delay > deadline:
                raise
            log.warning("redis: %s failed (%s); retrying in %.2f s", what, error, delay)
            await asyncio.sleep(delay)


async def cancel_and_wait(tasks: Collection[asyncio.Task[Any]], *, again_s: float = 0.5) -> None:
    """Cancel `tasks` and wait until they end, cancelling again those that carried on.

    redis-py connects under Python 3.11's ``asyncio.wait_for``, which drops a cancellation
    that comes as the connection is made: the task runs on, and whoever waited for it to
    end after a single ``cancel()`` waited forever.
    """
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=again_s)
    for task in tasks:
        if not task.cancelled():
            with contextlib.suppress(Exception):
                task.result()  # retrieved: no "exception never retrieved" warning
