"""Where "now" comes from: the system clock, or a fixed instant to replay archived data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """A source of the current instant (timezone-aware)."""

    def now(self) -> dt.datetime:
        """The current instant."""
        ...

    @property
    def fixed(self) -> bool:
        """True when the clock does not move (a replayed instant)."""
        ...


@dataclass(frozen=True, slots=True)
class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        return dt.datetime.now(dt.UTC)

    @property
    def fixed(self) -> bool:
        """Always False: this clock moves."""
        return False


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at `at`, so archived feeds and realtime captures replay consistently."""

    at: dt.datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"a fixed clock needs a timezone-aware instant, got {self.at!r}")

    def now(self) -> dt.datetime:
        """The fixed instant."""
        return self.at

    @property
    def fixed(self) -> bool:
        """Always True."""
        return True


def choose_clock(
    hub_now: dt.datetime | str | None, demo_now: dt.datetime | None
) -> SystemClock | FixedClock:
    """The clock the hub runs on.

    Args:
        hub_now: the `HUB_NOW` setting: an instant, the string ``"real"`` (system clock even
            when the region has a demo date), or None.
        demo_now: the region's demo instant, if it has one.

    Returns:
        `HUB_NOW` when it is an instant, else the region's demo instant, else the system clock.
    """
    if isinstance(hub_now, dt.datetime):
        return FixedClock(hub_now)
    if hub_now is None and demo_now is not None:
        return FixedClock(demo_now)
    return SystemClock()
