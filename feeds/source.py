"""What a build takes in: feed sources and build options (hub maps region files onto these)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One GTFS feed to load: a zip or a folder, namespaced by its stable feed id."""

    id: str
    path: Path
    authority: str = ""
    url: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How feeds are linked into one network."""

    walk_speed_mps: float = 1.3
    transfer_radius_m: float = 300.0
    crow_fly_detour: float = 1.3
    min_transfer_s: int = 60
    extra_transfers: Path | None = None
    summary_date: dt.date | None = None


class FeedRejected(Exception):
    """A feed unusable as a whole (not a zip, required file missing, no service at all)."""

    def __init__(self, feed: str, reason: str) -> None:
        super().__init__(f"feed {feed!r} rejected: {reason}")
        self.feed = feed
        self.reason = reason
