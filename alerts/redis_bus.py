"""The Redis Streams `Bus`: the durable record shared by hub processes, with its own reconnects.

One stream per topic (XADD with an approximate MAXLEN), consumer groups (XGROUP CREATE
MKSTREAM, XREADGROUP, XACK), reclaim with XAUTOCLAIM, a claim renewed by a script that
XCLAIMs (JUSTID) only the entries the consumer still owns, and a dead-letter stream per topic. A
blocking XREADGROUP is the wake-up; nothing relies on Pub/Sub, which is at most once.
Messages are appended by a Lua script, a batch in one round trip; with a deduplication window
it sets a key per message id (``<prefix>unique:<topic>:<id>``, expiring with the window) in
the same script, so a message is appended at most once per window even by two processes.

Every command runs in a reconnect loop (capped exponential backoff with jitter, reset on
success, up to a deadline). After a connection loss a consumer first re-reads its own pending
entries (an XREADGROUP whose reply was lost may have handed it some), and a group that
vanished with a Redis restarted without persistence is created again from the start of the
stream, so that nothing published after the restart is missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from alerts.backoff import Backoff
from alerts.bus import DEFAULT_MAX_DELIVERIES, BusClosed, BusUnavailable, Delivery, Message
from alerts.redis_client import connect

T = TypeVar("T")
Consumer = tuple[str, str, str]  # topic, group, consumer
Entry = tuple[bytes, dict[bytes, bytes] | None]

DEFAULT_MAXLEN = 100_000
PUBLISH_BATCH = 500  # messages per script call: a longer script would hold Redis up
_PUBLISH = """
local appended = 0
for i = 2, #KEYS do
  local id, body = ARGV[2 * i - 1], ARGV[2 * i]
  if ARGV[2] == '0' or redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[2]) then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', id, 'body', body)
    appended = appended + 1
  end
end
return appended
"""
# XCLAIM would take an entry from whichever consumer holds it: only the caller's own are
# claimed again (idle reset to 0; JUSTID leaves the delivery count alone)
_RENEW = """
local held = {}
for i = 3, #ARGV do
  local owned = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #owned > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    held[#held + 1] = ARGV[i]
  end
end
return held
"""
_RETRYABLE = (RedisConnectionError, RedisTimeoutError, OSError)
log = logging.getLogger(__name__)


def _awaitable(value: object) -> Awaitable[Any]:
    """redis-py types its commands for both clients (``T | Awaitable[T]``): these are async."""
    return cast(Awaitable[Any], value)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _message(entry_id: str, fields: dict[bytes, bytes]) -> Message:
    # an entry written by something else than `publish` still gets delivered, under its entry id
    message_id = fields.get(b"id")
    return Message(fields.get(b"body", b""), _text(message_id) if message_id else entry_id)


class RedisBus:
    """A `Bus` over Redis Streams at `url`; every key starts with `prefix`."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "hub:",
        maxlen: int = DEFAULT_MAXLEN,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        deadline_s: float = 30.0,
        max_block_s: float = 5.0,
        backoff: Callable[[], Backoff] = lambda: Backoff(base_s=0.05, cap_s=2.0),
    ) -> None:
        self.prefix = prefix
        self.maxlen = maxlen
        self.max_deliveries = max_deliveries
        self.deadline_s = deadline_s
        self.max_block_s = max_block_s
        self.connection_failures = 0
        self._backoff = backoff
        # redis-py's own retries are off: the loop in `_call` is the one place that retries;
        # a pool that waits for a free connection rather than failing (a failure would count
        # as a lost connection and make every consumer re-read its pending entries)
        self._redis = connect(url, socket_timeout_s=max_block_s + 5.0)
        self._publish = self._redis.register_script(_PUBLISH)
        self._renew = self._redis.register_script(_RENEW)
        self._consumers: set[Consumer] = set()
        self._replay: dict[Consumer, str] = {}  # consumer -> entry id to re-read its PEL after
        self._closed = False

    def stream_key(self, topic: str) -> str:
        """The Redis key of `topic`'s stream."""
        return f"{self.prefix}stream:{topic}"

    def dead_key(self, topic: str) -> str:
        """The Redis key of `topic`'s dead-letter stream."""
        return f"{self.prefix}dead:{topic}"

    async def _call(self, what: str, command: Callable[[], object]) -> Any:
        """Run `command` until it succeeds, reconnecting with backoff, up to the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadline_s
        backoff = self._backoff()
        while True:
            if self._closed:
                raise BusClosed(what)
            try:
                return await _awaitable(command())
            except _RETRYABLE as error:
                if self._closed:
                    raise BusClosed(what) from error
                self._connection_lost()
                delay = backoff.next_delay()
                if loop.time() + delay > deadline:
                    raise BusUnavailable(f"{what}: {error}") from error
                log.warning("redis bus: %s failed (%s); retrying in %.2f s", what, error, delay)
                await asyncio.sleep(delay)

    def _connection_lost(self) -> None:
        self.connection_failures += 1
        for consumer in self._consumers:
            self._replay.setdefault(consumer, "0")

    def unique_key(self, topic: str, message_id: str) -> str:
        """The Redis key marking `message_id` as appended to `topic` within its window."""
        return f"{self.prefix}unique:{topic}:{message_id}"

    async def publish(self, topic: str, message: Message) -> str:
        """XADD the message, trimming the stream to about `maxlen`.

        A retry after a lost reply may append it twice: both carry the same message id.
        """
        await self.publish_many(topic, [message])
        return message.id

    async def publish_many(
        self, topic: str, messages: Sequence[Message], *, unique_s: float = 0.0
    ) -> int:
        """XADD the messages (not appended within `unique_s`), pipelined in one round trip.

        Without a window, a retry after a lost reply may append a message twice.
        """
        if not messages:
            return 0
        window_ms = max(1, int(unique_s * 1000)) if unique_s > 0 else 0
        stream = self.stream_key(topic)

        async def append() -> list[Any]:
            async with self._redis.pipeline(transaction=False) as pipe:
                for start in range(0, len(messages), PUBLISH_BATCH):
                    batch = messages[start : start + PUBLISH_BATCH]
                    keys = [stream, *(self.unique_key(topic, m.id) for m in batch)]
                    args: list[bytes | str | int] = [self.maxlen, window_ms]
                    for message in batch:
                        args += [message.id, message.body]
                    await self._publish(keys=keys, args=args, client=pipe)
                return await pipe.execute()

        return sum(int(n) for n in await self._call("publish", append))

    async def subscribe(self, topic: str, group: str, *, from_start: bool = True) -> None:
        """XGROUP CREATE ... MKSTREAM, unless the group exists."""
        await self._create_group(topic, group, "0" if from_start else "$")

    async def _create_group(self, topic: str, group: str, start: str) -> None:
        key = self.stream_key(topic)
        try:
            await self._call(
                "subscribe", lambda: self._redis.xgroup_create(key, group, start, mkstream=True)
            )
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def consume(
        self, topic: str, group: str, consumer: str, *, count: int = 100, block_s: float = 1.0
    ) -> list[Delivery]:
        """XREADGROUP new entries, blocking up to `block_s`.

        A consumer new to this process, or whose connection was lost, first re-reads its own
        pending entries (their delivery counts from XPENDING).
        """
        who = (topic, group, consumer)
        if who not in self._consumers:
            self._consumers.add(who)
            self._replay[who] = "0"
        while True:
            after = self._replay.get(who)
            block = None if after is not None or block_s <= 0 else self._block_ms(block_s)
            entries = await self._read_group(who, after or ">", count, block)
            if entries is None:
                continue  # the group was missing and has been created
            if after is None:
                return await self._deliveries(who, entries, first=True)
            if not entries:
                del self._replay[who]  # own pending list read through: now new entries
                continue
            self._replay[who] = _text(entries[-1][0])
            return await self._deliveries(who, entries, first=False)

    def _block_ms(self, block_s: float) -> int:
        # BLOCK 0 would wait forever: at least 1 ms, at most max_block_s (the socket timeout
        # is set above it, so a blocked read never looks like a dead connection)
        return max(1, int(min(block_s, self.max_block_s) * 1000))

    async def _read_group(
        self, who: Consumer, start: str, count: int, block: int | None
    ) -> list[Entry] | None:
        topic, group, consumer = who
        key = self.stream_key(topic)
        try:
            reply = await self._call(
                "consume",
                lambda: self._redis.xreadgroup(
                    group, consumer, {key: start}, count=count, block=block
                ),
            )
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            # a Redis restarted without persistence lost the group: start over from the
            # beginning of whatever the stream holds now
            await self._create_group(topic, group, "0")
            return None
        return [entry for _, entries in reply or [] for entry in entries]

    async def _deliveries(
        self, who: Consumer, entries: list[Entry], *, first: bool
    ) -> list[Delivery]:
        topic, group, _ = who
        trimmed = [_text(entry_id) for entry_id, fields in entries if not fields]
        if trimmed:
            await self.ack(topic, group, trimmed)  # gone from the stream: nothing to deliver
        live = [(_text(entry_id), fields) for entry_id, fields in entries if fields]
        counts = {} if first else await self._delivery_counts(who, [e for e, _ in live])
        return [Delivery(topic, e, _message(e, f), counts.get(e, 1)) for e, f in live]

    async def _delivery_counts(self, who: Consumer, entry_ids: Sequence[str]) -> dict[str, int]:
        """How many times each pending entry was handed out (XPENDING, one round trip)."""
        if not entry_ids:
            return {}
        topic, group, consumer = who
        key = self.stream_key(topic)

        async def query() -> list[Any]:
            pipe = self._redis.pipeline(transaction=False)
            for entry_id in entry_ids:
                pipe.xpending_range(key, group, entry_id, entry_id, 1, consumer)
            return await pipe.execute()

        replies = await self._call("xpending", query)
        return {
            _text(row["message_id"]): int(row["times_delivered"])
            for rows in replies
            for row in rows
        }

    async def ack(self, topic: str, group: str, entry_ids: Sequence[str]) -> int:
        """XACK; 0 for entries or a group that a restart without persistence lost."""
        if not entry_ids:
            return 0
        key = self.stream_key(topic)
        try:
            return int(await self._call("ack", lambda: self._redis.xack(key, group, *entry_ids)))
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            return 0

    async def reclaim(
        self, topic: str, group: str, consumer: str, *, min_idle_s: float, count: int = 100
    ) -> list[Delivery]:
        """XAUTOCLAIM idle entries.

        Those handed out more than `max_deliveries` times are moved to the dead-letter stream
        instead (XADD and XACK in one transaction).
        """
        key = self.stream_key(topic)
        try:
            reply = await self._call(
                "reclaim",
                lambda: self._redis.xautoclaim(
                    key, group, consumer, int(min_idle_s * 1000), "0-0", count=count
                ),
            )
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            return []
        claimed = await self._deliveries((topic, group, consumer), reply[1], first=False)
        kept = []
        for delivery in claimed:
            if delivery.deliveries > self.max_deliveries:
                await self._bury(group, delivery)
            else:
                kept.append(delivery)
        return kept

    async def renew(
        self, topic: str, group: str, consumer: str, entry_ids: Sequence[str]
    ) -> list[str]:
        """XCLAIM ... JUSTID the entries `consumer` still owns (XPENDING), in one script call."""
        if not entry_ids:
            return []
        keys = [self.stream_key(topic)]
        args = [group, consumer, *entry_ids]
        try:
            held = await self._call("renew", lambda: self._renew(keys=keys, args=args))
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            return []
        return [_text(entry_id) for entry_id in held]

    async def _bury(self, group: str, delivery: Delivery) -> None:
        fields = {
            b"id": delivery.message.id.encode(),
            b"body": delivery.message.body,
            b"entry": delivery.entry_id.encode(),
            b"group": group.encode(),
            b"deliveries": str(delivery.deliveries).encode(),
        }
        key, dead = self.stream_key(delivery.topic), self.dead_key(delivery.topic)

        async def move() -> None:
            pipe = self._redis.pipeline(transaction=True)
            pipe.xadd(dead, fields, maxlen=self.maxlen, approximate=True)  # type: ignore[arg-type]
            pipe.xack(key, group, delivery.entry_id)
            await pipe.execute()

        await self._call("dead-letter", move)

    async def dead_letters(self, topic: str, *, count: int = 100) -> list[Delivery]:
        """XRANGE over the dead-letter stream."""
        dead = self.dead_key(topic)
        entries = await self._call("dead letters", lambda: self._redis.xrange(dead, count=count))
        return [
            Delivery(
                topic,
                _text(entry_id),
                _message(_text(entry_id), fields),
                int(fields.get(b"deliveries", b"0")),
            )
            for entry_id, fields in entries
        ]

    async def close(self) -> None:
        """Close the connections; calls still retrying end with `BusClosed`."""
        self._closed = True
        await self._redis.aclose()
