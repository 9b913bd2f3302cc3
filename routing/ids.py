"""Feed-scoped identifiers and the typed integer indices used inside the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

StopIdx = NewType("StopIdx", int)
RouteIdx = NewType("RouteIdx", int)
TripIdx = NewType("TripIdx", int)
PatternIdx = NewType("PatternIdx", int)
ServiceIdx = NewType("ServiceIdx", int)
NodeIdx = NewType("NodeIdx", int)

SEPARATOR = ":"


@dataclass(frozen=True, slots=True, order=True)
class FeedScopedId:
    """An id as published by one feed, namespaced by the feed's stable id (`eptc:123`)."""

    feed: str
    id: str

    def __str__(self) -> str:
        return f"{self.feed}{SEPARATOR}{self.id}"

    @classmethod
    def parse(cls, text: str) -> FeedScopedId:
        """Parse `feed:id`; the id itself may contain colons.

        Raises:
            ValueError: when there is no feed prefix or either part is empty.
        """
        feed, sep, local = text.partition(SEPARATOR)
        if not sep or not feed or not local:
            raise ValueError(f"expected 'feed:id', got {text!r}")
        return cls(feed, local)
