"""Event logs in Redis: a stream per subscription, a set of its dedupe keys, Pub/Sub wake-ups.

The stream is the record (ids are stream entry ids, so ``Last-Event-ID`` maps onto an XRANGE
with an exclusive start); Pub/Sub only wakes readers up, and a reader that missed a wake-up
still finds the events when it reads again after its timeout. One Lua script adds the key to
the set and the entry to the stream together, so an event is logged at most once per key, and
publishes the event with the wake-up, in stream order. Each process keeps the last few events
of each subscription received so, and a reader whose last event id is among them reads the
newer ones there instead of asking Redis (a thousand streams woken by one alert would
otherwise make a thousand XRANGEs); the cache is dropped whenever the channel was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import Redis

from alerts.backoff import Backoff
from alerts.event_log import DEFAULT_MAXLEN, Append, Event, Notifier
from alerts.redis_client import RETRYABLE

log = logging.getLogger(__name__)
_APPEND = """
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return false
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'key', ARGV[1], 'body', ARGV[2])
redis.call('PUBLISH', KEYS[3], ARGV[4] .. '\\n' .. id .. '\\n' .. ARGV[1] .. '\\n' .. ARGV[2])
return id
"""


RECENT = 16


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _Recent:
    """The last events of each subscription as published, contiguous since the last (re)connect."""

    def __init__(self) -> None:
        self._events: dict[str, deque[Event]] = {}

    def add(self, subscription: str, event: Event) -> None:
        self._events.setdefault(subscription, deque(maxlen=RECENT)).append(event)

    def after(self, subscription: str, last: str) -> list[Event] | None:
        """The events after `last`, or None when `last` is not among those kept."""
        events = self._events.get(subscription)
        if not events:
            return None
        ids = [e.id for e in events]
        if last not in ids:
            return None
        return list(events)[ids.index(last) + 1 :]

    def forget(self, subscription: str) -> None:
        self._events.pop(subscription, None)

    def clear(self) -> None:
        self._events.clear()


class RedisEventLog:
    """Per-subscription streams ``<prefix>events:<id>`` and key sets ``<prefix>seen:<id>``."""

    def __init__(self, redis: Redis, prefix: str, *, maxlen: int = DEFAULT_MAXLEN) -> None:
        self.redis = redis
        self.prefix = prefix
        self.maxlen = maxlen
        self.channel = f"{prefix}wake"
        self._append = redis.register_script(_APPEND)
        self._notifier = Notifier()
        self._recent = _Recent()
        self._listener: asyncio.Task[None] | None = None

    def _keys(self, subscription: str) -> list[str]:
        return [f"{self.prefix}events:{subscription}", f"{self.prefix}seen:{subscription}"]

    async def seen_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """SISMEMBER on each subscription's key set, pipelined."""
        if not pairs:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for subscription, key in pairs:
                pipe.sismember(self._keys(subscription)[1], key)
            return [bool(reply) for reply in await pipe.execute()]

    async def append_many(self, appends: Sequence[Append]) -> list[str | None]:
        """The append script for each event, pipelined in one round trip."""
        if not appends:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for item in appends:
                keys = [*self._keys(item.subscription), self.channel]
                args: list[bytes | str | int] = [
                    item.key,
                    item.body,
                    self.maxlen,
                    item.subscription,
                ]
                await self._append(keys=keys, args=args, client=pipe)
            replies = await pipe.execute()
        return [None if reply is None else _text(reply) for reply in replies]

    async def read_after(
        self, subscription: str, after: str | None, *, count: int = 100
    ) -> list[Event]:
        """Events after `after`: from the recent ones when it is there, else XRANGE."""
        if after is not None and self._listener is not None and not self._listener.done():
            cached = self._recent.after(subscription, after)
            if cached is not None:
                return cached[:count]
        start = "-" if after is None else f"({after}"
        stream = self._keys(subscription)[0]
        try:
            rows = await cast(Any, self.redis.xrange(stream, min=start, count=count))
        except Exception as error:  # a malformed Last-Event-ID: read from the start
            if isinstance(error, RETRYABLE) or after is None:
                raise
            rows = await cast(Any, self.redis.xrange(stream, min="-", count=count))
        return [Event(_text(i), _text(f[b"key"]), f[b"body"]) for i, f in rows]

    async def last_id(self, subscription: str) -> str | None:
        """XREVRANGE ... COUNT 1."""
        rows = await cast(Any, self.redis.xrevrange(self._keys(subscription)[0], count=1))
        return _text(rows[0][0]) if rows else None

    def waiter(self, subscription: str) -> asyncio.Event:
        """Set when a wake-up for `subscription` arrives (the listener starts on first use)."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        return self._notifier.waiter(subscription)

    async def delete(self, subscription: str) -> None:
        """DEL the stream and the key set."""
        await cast(Any, self.redis.delete(*self._keys(subscription)))
        self._recent.forget(subscription)
        self._notifier.notify(subscription)

    async def _listen(self) -> None:
        """Relay wake-ups to local waiters, reconnecting forever (waking everyone after a gap)."""
        backoff = Backoff(base_s=0.05, cap_s=2.0)
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                backoff.reset()
                self._notifier.notify_all()  # events may have come while we were away
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._relay(message["data"])
            except RETRYABLE as error:
                self._recent.clear()  # what was missed meanwhile is not in it
                log.warning("redis event log: wake-up channel lost (%s)", error)
                await asyncio.sleep(backoff.next_delay())
            finally:
                with contextlib.suppress(*RETRYABLE):
                    await cast(Any, pubsub).aclose()

    def _relay(self, data: bytes) -> None:
        subscription, _, rest = data.partition(b"\n")
        event_id, _, rest = rest.partition(b"\n")
        key, _, body = rest.partition(b"\n")
        name = _text(subscription)
        self._recent.add(name, Event(_text(event_id), _text(key), body))
        self._notifier.notify(name)

    async def close(self) -> None:
        """Stop the wake-up listener."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
