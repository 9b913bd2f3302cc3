"""The realtime snapshot: every fresh source ingested onto one network, swapped whole.

A snapshot holds the overlay of the current service day, the trip updates it was built from
(what `alerts.leg_disruptions` reads), the active alert set (the feeds' and the manual ones)
and a report per source for `/health`. Sources older than the
staleness limit are left out and the snapshot says so; a body is ingested again only when it
or the network changed (`SnapshotBuilder` keeps those results).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from alerts.ingest import ingest
from alerts.models import RealtimeUpdate, ServiceAlert, TripUpdate, VehiclePosition
from alerts.overlay import build_overlay
from alerts.source_state import SourceState
from alerts.stats import IngestStats
from routing.network import Network
from routing.realtime import RealtimeOverlay

SnapshotStatus = Literal["none", "applied", "stale"]
DEFAULT_MAX_AGE_S = 300.0


@dataclass(frozen=True, slots=True)
class FeedReport:
    """One source as `/health` shows it."""

    state: SourceState
    age_s: float | None
    stale: bool
    stats: IngestStats | None

    def to_json(self) -> dict[str, object]:
        """The report as JSON (times ISO 8601 UTC)."""
        s = self.state
        stats = self.stats
        return {
            "source": s.source.key,
            "feed": s.source.feed_id,
            "kind": s.source.kind,
            "location": s.source.location,
            "age_s": None if self.age_s is None else round(self.age_s, 1),
            "stale": self.stale,
            "fetched_at": _iso(s.fetched_at),
            "header_timestamp": _iso(s.header_timestamp),
            "last_error": s.last_error,
            "last_error_at": _iso(s.last_error_at),
            "consecutive_failures": s.failures,
            "polls": s.polls,
            "not_modified": s.not_modified,
            "stats": None if stats is None else _stats_json(stats),
        }


def _iso(posix: float | None) -> str | None:
    if posix is None:
        return None
    return dt.datetime.fromtimestamp(posix, dt.UTC).isoformat(timespec="seconds")


def _stats_json(stats: IngestStats) -> dict[str, object]:
    return {
        "entities": stats.entities,
        "ok": dict(stats.ok),
        "failed": dict(stats.failed),
        "issues": dict(stats.issues),
        "feed_issue": stats.feed_issue,
        "matched_by_id": stats.matched_by_id,
        "matched_by_descriptor": stats.matched_by_descriptor,
    }


@dataclass(frozen=True, slots=True, eq=False)
class RealtimeSnapshot:
    """Everything realtime the hub serves at one moment, for one network version."""

    network_version: str | None
    created_at: float
    status: SnapshotStatus
    overlay: RealtimeOverlay | None = None
    trip_updates: tuple[TripUpdate, ...] = ()
    alerts: tuple[ServiceAlert, ...] = ()
    vehicles: tuple[VehiclePosition, ...] = ()
    feeds: tuple[FeedReport, ...] = ()


EMPTY_SNAPSHOT = RealtimeSnapshot(None, 0.0, "none")


@dataclass(slots=True)
class SnapshotBuilder:
    """Builds snapshots, reusing the ingest of bodies seen before on the same network."""

    max_age_s: float = DEFAULT_MAX_AGE_S
    _ingested: dict[tuple[str, str, str], tuple[RealtimeUpdate, IngestStats]] = field(
        default_factory=dict
    )

    def build(
        self,
        network: Network,
        states: Sequence[SourceState],
        manual: Sequence[ServiceAlert],
        now: float,
    ) -> RealtimeSnapshot:
        """The snapshot of `states` (and the `manual` alerts) on `network` at `now`."""
        reports, updates = self._ingest_fresh(network, states, now)
        alerts = _unique(a for u in updates for a in u.alerts)
        alerts = _unique([*alerts, *manual])
        manual_update = RealtimeUpdate("manual", now, None, alerts=tuple(manual))
        fresh_trips = any(u.trip_updates for u in updates)
        overlay = None
        day = _today(network, now)
        if fresh_trips or any(a.effect == "NO_SERVICE" for a in alerts):
            overlay = build_overlay(network, [*updates, manual_update], day)
        return RealtimeSnapshot(
            network_version=network.version,
            created_at=now,
            status=_status(reports),
            overlay=overlay,
            trip_updates=tuple(t for u in updates for t in u.trip_updates if t.day == day),
            alerts=tuple(alerts),
            vehicles=tuple(v for u in updates for v in u.vehicles),
            feeds=tuple(reports),
        )

    def _ingest_fresh(
        self, network: Network, states: Sequence[SourceState], now: float
    ) -> tuple[list[FeedReport], list[RealtimeUpdate]]:
        reports: list[FeedReport] = []
        updates: list[RealtimeUpdate] = []
        kept: dict[tuple[str, str, str], tuple[RealtimeUpdate, IngestStats]] = {}
        for state in states:
            fresh = state.fresh(now, self.max_age_s)
            result = None
            if state.body is not None and state.body_hash is not None:
                key = (state.source.key, state.body_hash, network.version)
                result = self._ingested.get(key) or _ingest(network, state, now)
                kept[key] = result
            if fresh and result is not None:
                updates.append(result[0])
            stats = None if result is None else result[1]
            reports.append(FeedReport(state, state.age_s(now), not fresh, stats))
        self._ingested = kept  # forget bodies and networks no longer current
        return reports, updates


def _ingest(network: Network, state: SourceState, now: float) -> tuple[RealtimeUpdate, IngestStats]:
    assert state.body is not None
    # staleness is the snapshot's decision (the body's age at `now`), not the ingest's
    return ingest(state.body, state.source.feed_id, network, now, max_age_s=math.inf)


def _unique(alerts: Iterable[ServiceAlert]) -> list[ServiceAlert]:
    return list({a.id: a for a in alerts}.values())


def _status(reports: Sequence[FeedReport]) -> SnapshotStatus:
    relevant = [r for r in reports if r.state.source.kind != "vehicle_positions"]
    if not relevant:
        return "none"
    return "applied" if any(not r.stale for r in relevant) else "stale"


def _today(network: Network, now: float) -> int:
    """The service day of `now` (its local date) as an index of the network's days."""
    local = dt.datetime.fromtimestamp(now, network.tz)
    return network.day_index(local.date())
