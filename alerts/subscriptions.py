"""Subscriptions without an account: what a commuter watches, its secrets, expiry and matching.

A subscription names lines, stops, or a commute (origin, destination, weekdays and a departure
or arrival time window). What it watches is a `Watch` of stable feed-scoped ids (``bart:01``),
never network indices, so it outlives network reloads; a commute's watch comes from the
itineraries planned for it and is planned again when the network changes. The access token is
kept only as a hash; the webhook secret (``whsec_`` + base64) signs deliveries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.models import InformedEntity, ServiceAlert

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ScopedId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*:.+$", max_length=200)]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Strict):
    """Leave (``depart``) or arrive (``arrive``) between two local times ``HH:MM``."""

    kind: Literal["depart", "arrive"] = "depart"
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("expected HH:MM")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.minutes(self.end) < self.minutes(self.start):
            raise ValueError("the window must end after it starts")
        return self

    @staticmethod
    def minutes(hhmm: str) -> int:
        """Minutes after midnight of ``HH:MM``."""
        return int(hhmm[:2]) * 60 + int(hhmm[3:])

    @property
    def length_min(self) -> int:
        """The window's length in minutes."""
        return self.minutes(self.end) - self.minutes(self.start)


class Commute(_Strict):
    """A usual journey: places as ``LAT,LON`` or a feed-scoped stop id."""

    origin: str = Field(min_length=3, max_length=200)
    destination: str = Field(min_length=3, max_length=200)
    weekdays: list[Weekday] = Field(min_length=1, max_length=7)
    window: TimeWindow


class SubscriptionSpec(_Strict):
    """What a subscriber asks to watch, and how to be told."""

    lines: list[ScopedId] = Field(default_factory=list, max_length=50)
    stops: list[ScopedId] = Field(default_factory=list, max_length=50)
    commute: Commute | None = None
    webhook_url: str | None = Field(None, max_length=2000, pattern=r"^https?://")
    lang: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")

    @model_validator(mode="after")
    def _something(self) -> SubscriptionSpec:
        if not (self.lines or self.stops or self.commute):
            raise ValueError("name lines, stops or a commute")
        return self


class CommuteLeg(_Strict):
    """A transit leg of a commute's usual itinerary, as feed-scoped ids and local times."""

    route_id: str
    trip_id: str | None
    from_stop: str | None
    to_stop: str | None
    stops: list[str]
    departure: str
    arrival: str


class Watch(_Strict):
    """The feed-scoped ids a subscription is told about."""

    routes: frozenset[str] = frozenset()
    stops: frozenset[str] = frozenset()
    trips: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()

    def concerns(self, alert: ServiceAlert) -> bool:
        """Whether one of the alert's informed entities names something watched."""
        return any(self._entity(e) for e in alert.informed_entities)

    def _entity(self, entity: InformedEntity) -> bool:
        if entity.trip_id is not None and entity.trip_id in self.trips:
            return True
        if entity.route_id is not None and entity.route_id in self.routes:
            return True
        if entity.stop_id is not None and entity.stop_id in self.stops:
            return True
        only_agency = not (entity.route_id or entity.stop_id or entity.trip_id)
        return only_agency and entity.agency_id is not None and entity.agency_id in self.agencies


class Subscription(_Strict):
    """A stored subscription (its token only as a hash)."""

    id: str
    token_hash: str
    webhook_secret: str
    created_at: float
    expires_at: float
    spec: SubscriptionSpec
    watch: Watch
    commute_legs: list[CommuteLeg] = Field(default_factory=list)
    network_version: str | None = None

    def expired(self, now: float) -> bool:
        """Whether the subscription has lapsed."""
        return now >= self.expires_at

    def allows(self, token: str) -> bool:
        """Whether `token` is this subscription's (constant-time comparison)."""
        return hmac.compare_digest(self.token_hash, token_hash(token))


def new_id() -> str:
    """A random, unguessable subscription id."""
    return secrets.token_urlsafe(12)


def new_token() -> str:
    """A random access token (shown once, stored hashed)."""
    return secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
