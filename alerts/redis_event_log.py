"""Event logs in Redis: a stream per subscription, a set of its dedupe keys, one fan-out stream.

A subscription's stream is the record (ids are stream entry ids, so ``Last-Event-ID`` maps
onto an XRANGE with an exclusive start). One Lua script logs a batch of events: for each, the
key is added to the set and the entry to the stream together (an event is logged at most once
per key); the events logged are then packed into one entry of the shared fan-out stream
``<prefix>fanout``, numbered in sequence, each with the id of the event before it in its
stream. Each process reads that stream with one blocking XREAD and keeps the last few events
of the subscriptions it streams, so the SSE readers woken by an alert read it from memory (a
thousand XRANGEs per alert, or a thousand Pub/Sub messages parsed one by one, took p99 past
half a second); a reader whose last event is not the one before those kept reads its stream.
A process that finds a gap in the numbering (it fell behind the fan-out stream's trimming) or
lost its connection drops what it kept and wakes every reader, who then read their streams.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any, cast

from redis.asyncio import Redis

from alerts.backoff import Backoff
from alerts.event_log import DEFAULT_MAXLEN, Append, Event, Notifier
from alerts.redis_client import RETRYABLE, cancel_and_wait

log = logging.getLogger(__name__)
RECENT = 16
BATCH = 250  # events per append script: a longer script would hold Redis up
FANOUT_KEEP_MS = 60_000  # fan-out entries are trimmed after a minute: readers are seconds behind
FANOUT_BLOCK_MS = 5_000
_SEEN = """
local seen = {}
for i = 1, #KEYS do
  seen[i] = redis.call('SISMEMBER', KEYS[i], ARGV[i])
end
return table.concat(seen)
"""
# KEYS: the fan-out stream, its sequence counter, then each event's stream and key set;
# ARGV: the streams' MAXLEN, the fan-out's age limit (ms), then each event's subscription,
# key and body. Packs each event with the id before it in its stream (a reader that has that
# one reads on from the fan-out). Returns the new ids joined by newlines (empty for a key
# seen before).
_APPEND = """
local ids, packed = {}, {}
for i = 1, (#KEYS - 2) / 2 do
  local subscription, key, body = ARGV[3 * i], ARGV[3 * i + 1], ARGV[3 * i + 2]
  local stream, id = KEYS[2 * i + 1], ''
  if redis.call('SADD', KEYS[2 * i + 2], key) == 1 then
    local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
    local before = newest and newest[1] or ''
    id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], '*', 'key', key, 'body', body)
    packed[#packed + 1] = table.concat({subscription, before, id, key, #body, body}, '\\n')
  end
  ids[i] = id
end
if #packed > 0 then
  local now = redis.call('TIME')
  local oldest = string.format('%d', now[1] * 1000 + math.floor(now[2] / 1000) - ARGV[2])
  local seq = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MINID', '~', oldest, '*', 'seq', seq, 'events', table.concat(packed))
end
return table.concat(ids, '\\n')
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def unpack(packed: bytes) -> Iterator[tuple[str, str, Event]]:
    """The (subscription, id of the event before, event) of a fan-out entry."""
    find, pos = packed.index, 0
    while pos < len(packed):
        # subscription, before, id, key and the body's size, each ended by a newline
        a = find(b"\n", pos)
        b = find(b"\n", a + 1)
        c = find(b"\n", b + 1)
        d = find(b"\n", c + 1)
        e = find(b"\n", d + 1)
        end = e + 1 + int(packed[d + 1 : e])
        event = Event(packed[b + 1 : c].decode(), packed[c + 1 : d].decode(), packed[e + 1 : end])
        yield packed[pos:a].decode(), packed[a + 1 : b].decode(), event
        pos = end


class _Recent:
    """The last events of some subscriptions, each with the id of the one before it."""

    def __init__(self) -> None:
        self._events: dict[str, deque[tuple[str, Event]]] = {}

    def keeps(self, subscription: str) -> bool:
        return subscription in self._events

    def add(self, subscription: str, before: str, event: Event) -> None:
        """Keep `event`; those kept so far are dropped unless it follows the newest of them."""
        kept = self._events.setdefault(subscription, deque(maxlen=RECENT))
        if kept and kept[-1][1].id != before:
            kept.clear()
        kept.append((before, event))

    def after(self, subscription: str, last: str) -> list[Event] | None:
        """The events after `last`, or None when what follows `last` is not known here."""
        kept = self._events.get(subscription)
        if not kept:
            return None
        if kept[-1][1].id == last:
            return []
        for i in range(len(kept) - 1, -1, -1):  # readers are mostly at the newest
            if kept[i][0] == last:
                return [event for _, event in list(kept)[i:]]
        return None

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
        self.fanout = f"{prefix}fanout"
        self._fanout_seq = f"{prefix}fanout:seq"
        self._seen = redis.register_script(_SEEN)
        self._append = redis.register_script(_APPEND)
        self._notifier = Notifier()
        self._recent = _Recent()
        self._follower: asyncio.Task[None] | None = None

    def _keys(self, subscription: str) -> list[str]:
        return [f"{self.prefix}events:{subscription}", f"{self.prefix}seen:{subscription}"]

    async def seen_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """SISMEMBER on each subscription's key set, in one script call per batch."""
        if not pairs:
            return []
        batches = [pairs[i : i + BATCH] for i in range(0, len(pairs), BATCH)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for batch in batches:
                keys = [self._keys(subscription)[1] for subscription, _ in batch]
                await self._seen(keys=keys, args=[key for _, key in batch], client=pipe)
            replies = await pipe.execute()
        return [flag == ord("1") for reply in replies for flag in reply]

    async def append_many(self, appends: Sequence[Append]) -> list[str | None]:
        """The append script for each batch of events, pipelined in one round trip."""
        for item in appends:
            if "\n" in item.subscription or "\n" in item.key:
                raise ValueError(f"a newline in {item.subscription!r} or {item.key!r}")
        batches = [appends[i : i + BATCH] for i in range(0, len(appends), BATCH)]
        if not batches:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for batch in batches:
                keys = [self.fanout, self._fanout_seq]
                args: list[bytes | str | int] = [self.maxlen, FANOUT_KEEP_MS]
                for item in batch:
                    keys += self._keys(item.subscription)
                    args += [item.subscription, item.key, item.body]
                await self._append(keys=keys, args=args, client=pipe)
            replies = await pipe.execute()
        return [_text(i) or None for reply in replies for i in reply.split(b"\n")]

    async def read_after(
        self, subscription: str, after: str | None, *, count: int = 100
    ) -> list[Event]:
        """Events after `after`: from the recent ones when it is there, else XRANGE."""
        if after is not None and self._follower is not None and not self._follower.done():
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
        """Set when an event for `subscription` arrives (the fan-out reader starts on first use)."""
        if self._follower is None or self._follower.done():
            self._follower = asyncio.get_running_loop().create_task(self._follow())
        return self._notifier.waiter(subscription)

    async def delete(self, subscription: str) -> None:
        """DEL the stream and the key set."""
        await cast(Any, self.redis.delete(*self._keys(subscription)))
        self._recent.forget(subscription)
        self._notifier.notify(subscription)

    async def _follow(self) -> None:
        """Read the fan-out stream forever, reconnecting (and waking everyone) after a loss."""
        backoff = Backoff(base_s=0.05, cap_s=2.0)
        while True:
            try:
                newest = await cast(Any, self.redis.xrevrange(self.fanout, count=1))
                backoff.reset()
                self._reset()  # events may have come while we were away
                await self._read_from(_text(newest[0][0]) if newest else "0-0")
            except RETRYABLE as error:
                log.warning("redis event log: fan-out stream lost (%s)", error)
                await asyncio.sleep(backoff.next_delay())
            except Exception:  # an entry `append_many` did not write, say: start again
                log.exception("redis event log: fan-out reading failed")
                await asyncio.sleep(backoff.next_delay())

    async def _read_from(self, last: str) -> None:
        seq: int | None = None
        while True:
            reply = await cast(
                Any, self.redis.xread({self.fanout: last}, count=100, block=FANOUT_BLOCK_MS)
            )
            for _, entries in reply or []:
                for entry_id, fields in entries:
                    last = _text(entry_id)
                    number = int(fields[b"seq"])
                    if seq is not None and number != seq + 1:
                        log.warning("redis event log: fan-out entries missed; reading again")
                        self._reset()
                    seq = number
                    self._relay(fields[b"events"])

    def _reset(self) -> None:
        """Forget the kept events and wake every reader to read its stream again."""
        self._recent.clear()
        self._notifier.notify_all()

    def _relay(self, packed: bytes) -> None:
        for subscription, before, event in unpack(packed):
            # kept from the first event someone here waits for
            if self._recent.keeps(subscription) or self._notifier.waiting(subscription):
                self._recent.add(subscription, before, event)
                self._notifier.notify(subscription)

    async def close(self) -> None:
        """Stop the fan-out reader."""
        if self._follower is not None:
            await cancel_and_wait([self._follower])
