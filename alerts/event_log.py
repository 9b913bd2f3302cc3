"""Each subscription's event log: what was sent to it, in order, replayable from any event id.

Events are appended once per dedupe key (an alert id: same id, same content), so an alert
re-ingested every cycle or redelivered by the bus is logged once. SSE streams read the log
after the client's ``Last-Event-ID``, which is what makes a reconnect replay exactly what was
missed. `waiter` gives the event that the next append to a subscription sets: take it
*before* reading the log, so that no append between the read and the wait goes unnoticed.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_MAXLEN = 1000


@dataclass(frozen=True, slots=True)
class Event:
    """One logged event: its id (for SSE ``id:``), its dedupe key and its JSON body."""

    id: str
    key: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Append:
    """An event to log for `subscription` unless `key` was logged for it before."""

    subscription: str
    key: str
    body: bytes


class EventLog(Protocol):
    """The per-subscription logs."""

    async def seen_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """For each (subscription, key): whether an event with that key was logged for it."""
        ...

    async def append_many(self, appends: Sequence[Append]) -> list[str | None]:
        """Log each event unless its key was seen; the new event ids (None where seen)."""
        ...

    async def read_after(
        self, subscription: str, after: str | None, *, count: int = 100
    ) -> list[Event]:
        """Up to `count` events after event id `after` (from the oldest kept when None)."""
        ...

    async def last_id(self, subscription: str) -> str | None:
        """The id of the newest event, or None."""
        ...

    def waiter(self, subscription: str) -> asyncio.Event:
        """An event set by the next append to `subscription` (maybe by another process)."""
        ...

    async def delete(self, subscription: str) -> None:
        """Forget the subscription's log and its dedupe keys."""
        ...


@dataclass(slots=True)
class Notifier:
    """Wake-ups per subscription: `notify` sets the current event and starts a new one."""

    _events: dict[str, asyncio.Event] = field(default_factory=dict)

    def waiter(self, subscription: str) -> asyncio.Event:
        """The event the next `notify(subscription)` sets."""
        return self._events.setdefault(subscription, asyncio.Event())

    def waiting(self, subscription: str) -> bool:
        """Whether someone waits for `subscription`'s next event."""
        return subscription in self._events

    def notify(self, subscription: str) -> None:
        """Wake everyone waiting on `subscription`."""
        found = self._events.pop(subscription, None)
        if found is not None:
            found.set()

    def notify_all(self) -> None:
        """Wake every waiter (after a lost connection, say: they read their logs again)."""
        for subscription in list(self._events):
            self.notify(subscription)


@dataclass(slots=True)
class _Log:
    events: list[Event] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)  # the events' ids as numbers, increasing
    keys: set[str] = field(default_factory=set)


class MemoryEventLog:
    """Logs of a single process; ids are a process-wide sequence number."""

    def __init__(self, maxlen: int = DEFAULT_MAXLEN) -> None:
        self.maxlen = maxlen
        self._logs: dict[str, _Log] = {}
        self._seq = 0
        self._notifier = Notifier()

    async def seen_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """Whether each key was logged for its subscription."""
        return [
            (found := self._logs.get(subscription)) is not None and key in found.keys
            for subscription, key in pairs
        ]

    async def append_many(self, appends: Sequence[Append]) -> list[str | None]:
        """Log the unseen events and wake their readers."""
        ids: list[str | None] = []
        for item in appends:
            log = self._logs.setdefault(item.subscription, _Log())
            if item.key in log.keys:
                ids.append(None)
                continue
            self._seq += 1
            log.keys.add(item.key)
            log.events.append(Event(str(self._seq), item.key, item.body))
            log.seqs.append(self._seq)
            if len(log.events) > self.maxlen:
                del log.events[: -self.maxlen], log.seqs[: -self.maxlen]
            ids.append(str(self._seq))
            self._notifier.notify(item.subscription)
        return ids

    async def read_after(
        self, subscription: str, after: str | None, *, count: int = 100
    ) -> list[Event]:
        """Events after `after`."""
        found = self._logs.get(subscription)
        if found is None:
            return []
        start = bisect.bisect_right(found.seqs, _seq(after))
        return found.events[start : start + count]

    async def last_id(self, subscription: str) -> str | None:
        """The newest event's id."""
        found = self._logs.get(subscription)
        return found.events[-1].id if found is not None and found.events else None

    def waiter(self, subscription: str) -> asyncio.Event:
        """Set by the next append."""
        return self._notifier.waiter(subscription)

    async def delete(self, subscription: str) -> None:
        """Forget the log."""
        self._logs.pop(subscription, None)
        self._notifier.notify(subscription)


def _seq(event_id: str | None) -> int:
    if event_id is None:
        return 0
    try:
        return int(event_id)
    except ValueError:
        return 0
