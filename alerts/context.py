"""What every entity converter of one ingest shares: the feed, the network, the clock, the tally."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alerts.matching import TripIndex, trip_index
from alerts.stats import StatsRecorder
from routing.ids import SEPARATOR
from routing.network import Network

# Event times further than this from "now" are taken as wrong units or a wrong clock (E001).
MAX_EVENT_SKEW_S = 2 * 86_400
# Delays beyond this are taken as a wrong service day or garbage rather than a late train.
MAX_DELAY_S = 12 * 3600


def text(value: str | bytes) -> str:
    """A protobuf string field as text.

    GTFS-RT is proto2, where upb hands back a string field that is not valid UTF-8 as bytes;
    those are decoded with replacement characters (they then match no id).
    """
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class IngestContext:
    """One ingest's fixed inputs plus its mutable `StatsRecorder`."""

    feed_id: str
    network: Network | None
    index: TripIndex | None
    now: float
    stats: StatsRecorder
    stops: Mapping[str, int]

    @classmethod
    def create(cls, feed_id: str, network: Network | None, now: float) -> IngestContext:
        """A context with a fresh tally, the network's `TripIndex` built or reused."""
        index = None if network is None else trip_index(network)
        stops = {} if index is None else index.feed_stops(feed_id)
        return cls(feed_id, network, index, now, StatsRecorder(feed_id), stops)

    def find_stop(self, local_id: str | bytes) -> int | None:
        """The network index of this feed's stop `local_id` (not UTF-8: no stop), or None."""
        return self.stops.get(local_id) if isinstance(local_id, str) else None

    def scoped(self, local_id: str | bytes) -> str:
        """The feed-scoped form (`feed:id`) of one of this feed's ids."""
        return f"{self.feed_id}{SEPARATOR}{text(local_id)}"

    def plausible_time(self, posix_s: int) -> bool:
        """Whether a POSIX time is near enough to now to be one (not milliseconds, not zero)."""
        return abs(posix_s - self.now) <= MAX_EVENT_SKEW_S
