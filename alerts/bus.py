"""The alert bus contract: topics of messages read by consumer groups, with ack and dead letters.

Delivery is at least once: a message handed to a consumer stays pending in its group until
acknowledged; a consumer that died leaves its pending entries for another to `reclaim`, and an
entry reclaimed more than the bus's ``max_deliveries`` times goes to the topic's dead letters.
A consumer that holds an entry longer than the reclaim's idle time (retrying it, say) `renew`s
its claim meanwhile, so that no other takes it over while it is still at work.
Messages carry their own id (an alert's id, say), kept across redeliveries and duplicates, so
receivers dedupe on it; ``entry_id`` is the bus's handle for acknowledging one delivery. A
publisher whose ids are deterministic can also have the bus drop a message whose id it
appended recently (``publish_many(..., unique_s=...)``), as a queue's deduplication window
does: two processes dispatching the same alert at once then queue each webhook once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

DEFAULT_MAX_DELIVERIES = 5


def new_message_id() -> str:
    """A random message id, for messages that have no natural one."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Message:
    """An opaque body and its publisher-chosen id."""

    body: bytes
    id: str = field(default_factory=new_message_id)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One hand-out of a message: ack it with `entry_id`; `deliveries` counts hand-outs."""

    topic: str
    entry_id: str
    message: Message
    deliveries: int


class BusClosed(Exception):
    """The bus was closed: no more publishing nor consuming."""


class BusUnavailable(Exception):
    """The bus's server stayed unreachable past the operation's deadline."""


@runtime_checkable
class Bus(Protocol):
    """What the hub publishes alerts and snapshots through (in memory, or Redis Streams)."""

    async def publish(self, topic: str, message: Message) -> str:
        """Append `message` to `topic`; return its id (`message.id`)."""
        ...

    async def publish_many(
        self, topic: str, messages: Sequence[Message], *, unique_s: float = 0.0
    ) -> int:
        """Append `messages` in order (in one round trip); how many were appended.

        With `unique_s`, each message appended opens a window of `unique_s` seconds on its
        id, and a message whose id is in a window still open on `topic` is dropped.
        """
        ...

    async def subscribe(self, topic: str, group: str, *, from_start: bool = True) -> None:
        """Create consumer group `group` on `topic` if missing, reading from the start or now."""
        ...

    async def consume(
        self, topic: str, group: str, consumer: str, *, count: int = 100, block_s: float = 1.0
    ) -> list[Delivery]:
        """Up to `count` messages not yet handed to `group`, waiting up to `block_s` for one.

        The group is created (from the start) if missing.
        """
        ...

    async def ack(self, topic: str, group: str, entry_ids: Sequence[str]) -> int:
        """Acknowledge deliveries; returns how many were pending."""
        ...

    async def reclaim(
        self, topic: str, group: str, consumer: str, *, min_idle_s: float, count: int = 100
    ) -> list[Delivery]:
        """Take over entries pending longer than `min_idle_s` (a dead consumer's).

        Entries past ``max_deliveries`` hand-outs go to the dead letters instead.
        """
        ...

    async def renew(
        self, topic: str, group: str, consumer: str, entry_ids: Sequence[str]
    ) -> list[str]:
        """Reset the idle time of those of `entry_ids` that `consumer` still holds.

        Not a hand-out (delivery counts are unchanged). Returns the ids still held: an entry
        acknowledged, or reclaimed by another consumer meanwhile, is not taken back.
        """
        ...

    async def dead_letters(self, topic: str, *, count: int = 100) -> list[Delivery]:
        """The oldest `count` messages of `topic` given up on, with their hand-out counts."""
        ...

    async def close(self) -> None:
        """Release the bus; later calls raise `BusClosed`."""
        ...
