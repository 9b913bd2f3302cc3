"""Realtime data mapped onto a network: trip updates, service alerts, vehicle positions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TripRelationship(StrEnum):
    """What a trip update says about its trip (GTFS-RT TripDescriptor.ScheduleRelationship)."""

    SCHEDULED = "SCHEDULED"
    CANCELED = "CANCELED"


class StopRelationship(StrEnum):
    """What a stop time update says about its stop (StopTimeUpdate.ScheduleRelationship)."""

    SCHEDULED = "SCHEDULED"
    SKIPPED = "SKIPPED"
    NO_DATA = "NO_DATA"


@dataclass(frozen=True, slots=True)
class StopTimeUpdate:
    """Realtime for position `position` of the trip's pattern (stop index `stop`).

    Delays are seconds late (negative when early) against the timetable; ``None`` when the
    update gives nothing for that event.
    """

    position: int
    stop: int
    arrival_delay_s: int | None
    departure_delay_s: int | None
    relationship: StopRelationship = StopRelationship.SCHEDULED


@dataclass(frozen=True, slots=True)
class TripUpdate:
    """A trip of the network on service day `day` (index into the network's days).

    ``stop_time_updates`` are sorted by position. ``delay_s`` is the trip-level delay some feeds
    give instead of (or besides) per-stop updates.
    """

    trip: int
    day: int
    trip_id: str
    relationship: TripRelationship
    stop_time_updates: tuple[StopTimeUpdate, ...] = ()
    delay_s: int | None = None
    timestamp: int | None = None
    vehicle_id: str | None = None

    @property
    def cancelled(self) -> bool:
        """Whether the trip does not run."""
        return self.relationship is TripRelationship.CANCELED

    @property
    def skipped_positions(self) -> tuple[int, ...]:
        """Pattern positions not served."""
        return tuple(
            u.position for u in self.stop_time_updates if u.relationship is StopRelationship.SKIPPED
        )


@dataclass(frozen=True, slots=True)
class TranslatedText:
    """A text in one or more languages: ``(language, text)`` pairs, language "" when unstated."""

    translations: tuple[tuple[str, str], ...] = ()

    def text(self, language: str | None = None) -> str | None:
        """The text in `language` (or its primary subtag), else the first one, else None."""
        if not self.translations:
            return None
        if language is not None:
            wanted = language.lower()
            for lang, text in self.translations:
                if lang.lower() == wanted or lang.lower().split("-")[0] == wanted:
                    return text
        return self.translations[0][1]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages present, in feed order."""
        return tuple(lang for lang, _ in self.translations)


@dataclass(frozen=True, slots=True)
class ActivePeriod:
    """POSIX seconds; an open end is None."""

    start: int | None = None
    end: int | None = None

    def contains(self, moment: float) -> bool:
        """Whether `moment` falls in the period."""
        return (self.start is None or self.start <= moment) and (
            self.end is None or moment <= self.end
        )

    def overlaps(self, start: float, end: float) -> bool:
        """Whether the period meets the interval [start, end]."""
        return (self.start is None or self.start <= end) and (self.end is None or start <= self.end)


@dataclass(frozen=True, slots=True)
class InformedEntity:
    """What an alert concerns, ids feed-scoped (``bart:DALY``); the set fields apply together."""

    agency_id: str | None = None
    route_id: str | None = None
    route_type: int | None = None
    direction_id: int | None = None
    trip_id: str | None = None
    stop_id: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceAlert:
    """A GTFS-RT Alert. ``id`` is a hash of feed, entity id and content, so it is stable."""

    id: str
    feed_id: str
    entity_id: str
    active_periods: tuple[ActivePeriod, ...]
    informed_entities: tuple[InformedEntity, ...]
    cause: str
    effect: str
    header: TranslatedText
    description: TranslatedText
    url: TranslatedText
    severity: str = "UNKNOWN_SEVERITY"

    def is_active(self, moment: float) -> bool:
        """Whether the alert applies at `moment` (no period means always)."""
        return not self.active_periods or any(p.contains(moment) for p in self.active_periods)

    def is_active_between(self, start: float, end: float) -> bool:
        """Whether the alert applies at some moment of [start, end]."""
        return not self.active_periods or any(p.overlaps(start, end) for p in self.active_periods)

    @property
    def route_ids(self) -> frozenset[str]:
        """Feed-scoped routes named by any informed entity."""
        return frozenset(e.route_id for e in self.informed_entities if e.route_id)

    @property
    def stop_ids(self) -> frozenset[str]:
        """Feed-scoped stops named by any informed entity."""
        return frozenset(e.stop_id for e in self.informed_entities if e.stop_id)

    @property
    def trip_ids(self) -> frozenset[str]:
        """Feed-scoped trips named by any informed entity."""
        return frozenset(e.trip_id for e in self.informed_entities if e.trip_id)

    @property
    def agency_ids(self) -> frozenset[str]:
        """Feed-scoped agencies named on their own (agency-wide alerts)."""
        return frozenset(
            e.agency_id
            for e in self.informed_entities
            if e.agency_id and not (e.route_id or e.stop_id or e.trip_id)
        )


@dataclass(frozen=True, slots=True)
class VehiclePosition:
    """Where a vehicle is. ``trip``/``stop`` are network indices when matched, else None."""

    feed_id: str
    entity_id: str
    latitude: float
    longitude: float
    vehicle_id: str | None = None
    label: str | None = None
    trip: int | None = None
    trip_id: str | None = None
    route_id: str | None = None
    stop: int | None = None
    stop_id: str | None = None
    bearing: float | None = None
    speed_mps: float | None = None
    current_status: str | None = None
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class RealtimeUpdate:
    """Everything one feed message gave, mapped onto the network, received at `received_at`."""

    feed_id: str
    received_at: float
    header_timestamp: int | None
    trip_updates: tuple[TripUpdate, ...] = ()
    alerts: tuple[ServiceAlert, ...] = ()
    vehicles: tuple[VehiclePosition, ...] = ()
