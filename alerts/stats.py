"""What one GTFS-Realtime ingest accepted and rejected, counted by kind (never raised)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class EntityKind(StrEnum):
    """What a FeedEntity carries."""

    TRIP_UPDATE = "trip_update"
    ALERT = "alert"
    VEHICLE_POSITION = "vehicle_position"


class FailureKind(StrEnum):
    """Why a feed, an entity or a part of an entity was not used.

    The GTFS-Realtime validator rule each one corresponds to is given where there is one.
    """

    # the feed as a whole
    UNPARSEABLE = "unparseable"
    MISSING_HEADER = "missing_header"
    BAD_HEADER_TIME = "bad_header_time"  # E001 on header.timestamp
    FUTURE_HEADER = "future_header"  # E050
    STALE_HEADER = "stale_header"
    DIFFERENTIAL_UNSUPPORTED = "differential_unsupported"
    # any entity
    EMPTY_ENTITY = "empty_entity"
    UNSUPPORTED_ENTITY = "unsupported_entity"  # experimental shape, stop, trip_modifications
    MULTIPLE_PAYLOADS = "multiple_payloads"
    DELETED_ENTITY = "deleted_entity"  # E039
    UNMATCHED = "unmatched"  # no static network to match against
    # trips
    MISSING_TRIP = "missing_trip"
    UNKNOWN_TRIP = "unknown_trip"  # E003
    AMBIGUOUS_TRIP = "ambiguous_trip"
    UNKNOWN_ROUTE = "unknown_route"  # E004
    DIRECTION_MISMATCH = "direction_mismatch"  # E024
    INACTIVE_TRIP = "inactive_trip"
    DUPLICATE_TRIP = "duplicate_trip"
    ADDED_TRIP_UNSUPPORTED = "added_trip_unsupported"
    UNSUPPORTED_RELATIONSHIP = "unsupported_relationship"
    BAD_START_TIME = "bad_start_time"  # E020
    BAD_START_DATE = "bad_start_date"  # E021
    BAD_DIRECTION = "bad_direction"
    NO_STOP_TIME_UPDATES = "no_stop_time_updates"  # E041
    # stop time updates
    BAD_TIME = "bad_time"  # E001
    UNKNOWN_STOP = "unknown_stop"  # E011
    MISSING_STOP = "missing_stop"  # E040
    STOP_SEQUENCE_ONLY = "stop_sequence_only"
    STOP_NOT_ON_TRIP = "stop_not_on_trip"
    UNSORTED_STOP_TIMES = "unsorted_stop_times"  # E002, E036
    DECREASING_TIMES = "decreasing_times"  # E022, E025
    MISSING_STOP_TIME = "missing_stop_time"  # E043
    EMPTY_STOP_TIME_EVENT = "empty_stop_time_event"  # E044
    NO_DATA_WITH_TIMES = "no_data_with_times"  # E042
    # vehicles
    BAD_POSITION = "bad_position"  # E026
    OFF_ROUTE = "off_route"  # E029
    # alerts
    NO_INFORMED_ENTITY = "no_informed_entity"
    BAD_PERIOD = "bad_period"


def _frozen(counts: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(sorted(counts.items())))


@dataclass(frozen=True, slots=True)
class IngestStats:
    """Counts of one ingest. Invariant: ``entities == n_ok + n_failed``.

    ``ok`` counts accepted entities by `EntityKind`; ``failed`` counts rejected entities by
    `FailureKind` (the first reason found); ``issues`` counts problems inside accepted entities
    (a stop time update dropped, an unknown trip id rescued by its descriptor) and problems of
    the feed header; ``feed_issue`` is set when the feed as a whole was refused.
    """

    feed_id: str
    header_timestamp: int | None
    entities: int
    ok: Mapping[str, int]
    failed: Mapping[str, int]
    issues: Mapping[str, int]
    feed_issue: FailureKind | None = None
    matched_by_id: int = 0
    matched_by_descriptor: int = 0

    @property
    def n_ok(self) -> int:
        """Number of accepted entities."""
        return sum(self.ok.values())

    @property
    def n_failed(self) -> int:
        """Number of rejected entities."""
        return sum(self.failed.values())

    @property
    def problems(self) -> Mapping[str, int]:
        """Every problem found, whether it rejected an entity or only part of one."""
        total = Counter(self.failed)
        total.update(self.issues)
        if self.feed_issue is not None:
            total[self.feed_issue] += 1
        return _frozen(total)


@dataclass(slots=True)
class StatsRecorder:
    """Mutable tally used while one feed is ingested; `freeze` gives the `IngestStats`."""

    feed_id: str
    header_timestamp: int | None = None
    entities: int = 0
    feed_issue: FailureKind | None = None
    matched_by_id: int = 0
    matched_by_descriptor: int = 0
    seen_trips: set[tuple[int, int]] = field(default_factory=set)
    ok: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    issues: Counter[str] = field(default_factory=Counter)
    _pending: Counter[str] = field(default_factory=Counter)

    def accept(self, kind: EntityKind) -> None:
        """Count one entity used, with the problems noted while converting it."""
        self.ok[kind] += 1
        self.issues.update(self._pending)
        self._pending.clear()

    def reject(self, reason: FailureKind) -> None:
        """Count one entity refused for `reason`; the problems noted inside it are dropped."""
        self.failed[reason] += 1
        self._pending.clear()

    def note(self, issue: FailureKind) -> None:
        """Note a problem inside the entity being converted; it counts if the entity is used."""
        self._pending[issue] += 1

    def note_feed(self, issue: FailureKind) -> None:
        """Count a problem of the feed header (the entities may still be used)."""
        self.issues[issue] += 1

    def freeze(self) -> IngestStats:
        """The immutable counts."""
        return IngestStats(
            feed_id=self.feed_id,
            header_timestamp=self.header_timestamp,
            entities=self.entities,
            ok=_frozen(self.ok),
            failed=_frozen(self.failed),
            issues=_frozen(self.issues),
            feed_issue=self.feed_issue,
            matched_by_id=self.matched_by_id,
            matched_by_descriptor=self.matched_by_descriptor,
        )
