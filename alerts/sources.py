"""The realtime sources of a region: feed, kind, and a URL to poll or a file to replay."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SourceKind = Literal["trip_updates", "alerts", "vehicle_positions"]


@dataclass(frozen=True, slots=True)
class RealtimeSource:
    """One GTFS-Realtime endpoint of static feed `feed_id`: a live `url` or a capture `path`."""

    feed_id: str
    kind: SourceKind
    url: str | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.path is None):
            raise ValueError("a realtime source is read from exactly one of a url or a path")

    @property
    def key(self) -> str:
        """A name unique within a region (``bart/trip_updates``)."""
        return f"{self.feed_id}/{self.kind}"

    @property
    def location(self) -> str:
        """Where it is read from, for `/health`."""
        return self.url if self.url is not None else f"file:{self.path}"
