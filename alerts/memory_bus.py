"""The in-memory `Bus`: the embedded default for a single process (nothing survives a restart)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from alerts.bus import DEFAULT_MAX_DELIVERIES, BusClosed, Delivery, Message

DEFAULT_MAXLEN = 100_000


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    deliveries: int


@dataclass(slots=True)
class _Group:
    cursor: int  # sequence number of the last entry handed out
    pending: dict[int, _Pending] = field(default_factory=dict)


@dataclass(slots=True)
class _Topic:
    entries: dict[int, Message] = field(default_factory=dict)  # insertion order = seq order
    last_seq: int = 0
    groups: dict[str, _Group] = field(default_factory=dict)
    dead: list[Delivery] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    # ids appended with a deduplication window: id -> end of its window, and in append order
    unique_until: dict[str, float] = field(default_factory=dict)
    unique_order: deque[tuple[float, str]] = field(default_factory=deque)


def _forget_windows(log: _Topic, now: float) -> None:
    """Drop the deduplication windows that ended (the oldest first)."""
    while log.unique_order and log.unique_order[0][0] <= now:
        until, message_id = log.unique_order.popleft()
        if log.unique_until.get(message_id) == until:
            del log.unique_until[message_id]


def _entry_id(seq: int) -> str:
    return f"{seq}-0"


def _seq(entry_id: str) -> int | None:
    head, _, _ = entry_id.partition("-")
    return int(head) if head.isdigit() else None


class MemoryBus:
    """Topics as bounded in-memory logs; same semantics as `RedisBus` within one process."""

    def __init__(
        self,
        *,
        maxlen: int = DEFAULT_MAXLEN,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maxlen = maxlen
        self.max_deliveries = max_deliveries
        self._clock = clock
        self._topics: dict[str, _Topic] = {}
        self._closed = False

    def _topic(self, name: str) -> _Topic:
        if self._closed:
            raise BusClosed(name)
        return self._topics.setdefault(name, _Topic())

    async def publish(self, topic: str, message: Message) -> str:
        """Append `message` to `topic` (trimming the oldest past `maxlen`); return its id."""
        await self.publish_many(topic, [message])
        return message.id

    async def publish_many(
        self, topic: str, messages: Sequence[Message], *, unique_s: float = 0.0
    ) -> int:
        """Append the messages whose ids are in no open window; how many were."""
        log = self._topic(topic)
        now = self._clock()
        _forget_windows(log, now)
        appended = 0
        for message in messages:
            if unique_s > 0:
                if log.unique_until.get(message.id, now) > now:
                    continue
                log.unique_until[message.id] = now + unique_s
                log.unique_order.append((now + unique_s, message.id))
            log.last_seq += 1
            log.entries[log.last_seq] = message
            appended += 1
        while len(log.entries) > self.maxlen:
            del log.entries[next(iter(log.entries))]
        if appended:
            log.changed.set()
        return appended

    async def subscribe(self, topic: str, group: str, *, from_start: bool = True) -> None:
        """Create the group if missing, reading from the oldest entry or from now."""
        log = self._topic(topic)
        if group not in log.groups:
            log.groups[group] = _Group(cursor=0 if from_start else log.last_seq)

    async def consume(
        self, topic: str, group: str, consumer: str, *, count: int = 100, block_s: float = 1.0
    ) -> list[Delivery]:
        """Up to `count` entries not yet handed to `group`, waiting up to `block_s` for one."""
        await self.subscribe(topic, group)
        deadline = self._clock() + block_s
        while True:
            log = self._topic(topic)
            handed = self._hand_out(topic, log, log.groups[group], consumer, count)
            remaining = deadline - self._clock()
            if handed or remaining <= 0:
                return handed
            # another consumer of the group may take what wakes us: then wait again
            log.changed.clear()
            try:
                async with asyncio.timeout(remaining):  # 3.11's wait_for may swallow a cancel
                    await log.changed.wait()
            except TimeoutError:
                return []

    def _hand_out(
        self, topic: str, log: _Topic, group: _Group, consumer: str, count: int
    ) -> list[Delivery]:
        now = self._clock()
        handed: list[Delivery] = []
        for seq in range(group.cursor + 1, log.last_seq + 1):
            if len(handed) >= count:
                break
            group.cursor = seq
            message = log.entries.get(seq)
            if message is None:
                continue  # trimmed before anyone read it
            group.pending[seq] = _Pending(consumer, now, 1)
            handed.append(Delivery(topic, _entry_id(seq), message, 1))
        return handed

    async def ack(self, topic: str, group: str, entry_ids: Sequence[str]) -> int:
        """Acknowledge deliveries; returns how many were pending."""
        found = self._topic(topic).groups.get(group)
        if found is None:
            return 0
        acked = 0
        for entry_id in entry_ids:
            seq = _seq(entry_id)
            if seq is not None and found.pending.pop(seq, None) is not None:
                acked += 1
        return acked

    async def reclaim(
        self, topic: str, group: str, consumer: str, *, min_idle_s: float, count: int = 100
    ) -> list[Delivery]:
        """Take over entries idle for `min_idle_s`; dead-letter those handed out too often."""
        log = self._topic(topic)
        found = log.groups.get(group)
        if found is None:
            return []
        now = self._clock()
        idle = [s for s, p in found.pending.items() if now - p.delivered_at >= min_idle_s]
        claimed: list[Delivery] = []
        for seq in sorted(idle)[:count]:
            pending = found.pending[seq]
            pending.consumer, pending.delivered_at = consumer, now
            pending.deliveries += 1
            message = log.entries.get(seq)
            if message is None:
                del found.pending[seq]  # trimmed away: nothing left to deliver
                continue
            delivery = Delivery(topic, _entry_id(seq), message, pending.deliveries)
            if pending.deliveries > self.max_deliveries:
                del found.pending[seq]
                log.dead.append(delivery)
            else:
                claimed.append(delivery)
        return claimed

    async def renew(
        self, topic: str, group: str, consumer: str, entry_ids: Sequence[str]
    ) -> list[str]:
        """Reset the idle time of the entries `consumer` still holds; their ids."""
        found = self._topic(topic).groups.get(group)
        if found is None:
            return []
        now = self._clock()
        held = []
        for entry_id in entry_ids:
            seq = _seq(entry_id)
            pending = None if seq is None else found.pending.get(seq)
            if pending is not None and pending.consumer == consumer:
                pending.delivered_at = now
                held.append(entry_id)
        return held

    async def dead_letters(self, topic: str, *, count: int = 100) -> list[Delivery]:
        """The oldest `count` messages given up on."""
        return self._topic(topic).dead[:count]

    async def close(self) -> None:
        """Forget everything; later calls raise `BusClosed`."""
        self._closed = True
        for log in self._topics.values():
            log.changed.set()  # wake blocked consumers
        self._topics.clear()
