"""Response models of `/api/v1` (pydantic, ``extra="forbid"``): what `/openapi.json` describes.

The plan endpoint answers `routing.plan.Plan` itself; these are the other endpoints' bodies.
Request bodies are validated with their own models (`alerts.subscriptions.SubscriptionSpec`
and its ``POST``/``PATCH`` forms in `hub.api.subscriptions`, `alerts.manual.ManualAlertRequest`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alerts.subscriptions import CommuteLeg, SubscriptionSpec
from routing.gazetteer import PlaceKind
from routing.plan import LegMode, LineString, RealtimeStatus, Route


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Model):
    """An error (RFC 9457 problem details)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    invalid_params: list[InvalidParam] | None = None


class InvalidParam(_Model):
    """One parameter a request got wrong, and why."""

    name: str
    reason: str


class Line(_Model):
    """A line serving a stop: enough to draw its badge."""

    id: str = Field(description="feed:route_id")
    short_name: str | None
    long_name: str | None
    color: str | None = Field(None, pattern=r"^#[0-9A-Fa-f]{6}$")
    text_color: str | None = Field(None, pattern=r"^#[0-9A-Fa-f]{6}$")
    mode: LegMode


class PlaceResult(_Model):
    """A place found by name or near a point."""

    id: str = Field(description="feed:stop_id for stops and stations, osm:n…/osm:w… for OSM")
    kind: PlaceKind
    name: str
    lat: float
    lon: float
    feed: str | None = Field(None, description="the feed of a stop or station")
    stop_id: str | None = Field(None, description="the feed's own stop_id")
    lines: list[Line] = Field(default_factory=list)
    distance_m: float | None = Field(None, description="from lat/lon, when given")
    score: float = Field(description="match quality (higher is better)")


class PlacesResponse(_Model):
    """The answer of `/places` and `/places/reverse`, best first."""

    query: str | None = None
    places: list[PlaceResult]


class StopRef(_Model):
    """A stop named in another answer."""

    id: str = Field(description="feed:stop_id")
    name: str
    lat: float | None
    lon: float | None


TransferKind = Literal["street", "crow_fly", "gtfs", "same_station"]


class Transfer(_Model):
    """A footpath from the stop to another one."""

    stop: StopRef
    duration_s: int
    kind: TransferKind


class StopDetail(_Model):
    """One stop or station."""

    id: str = Field(description="feed:stop_id")
    feed: str
    stop_id: str
    name: str
    lat: float | None
    lon: float | None
    location_type: int
    wheelchair_boarding: int
    parent_station: StopRef | None
    children: list[StopRef]
    lines: list[Line]
    transfers: list[Transfer]


class Departure(_Model):
    """One departure of one trip from one stop of the station."""

    stop: StopRef
    route: Route
    mode: LegMode
    headsign: str
    trip_id: str = Field(description="feed:trip_id")
    service_date: dt.date
    scheduled_departure: dt.datetime
    departure: dt.datetime = Field(description="with realtime when known, else as scheduled")
    delay_s: int | None = Field(None, description="null without realtime for this trip")
    realtime: bool
    cancelled: bool
    skipped: bool = Field(description="the trip runs but does not stop here (realtime)")


class DeparturesResponse(_Model):
    """The next departures from a stop and its station, soonest first."""

    stop: StopRef
    stops: list[StopRef] = Field(description="every stop whose departures are listed")
    at: dt.datetime
    realtime_status: RealtimeStatus
    departures: list[Departure]


class RouteSummary(_Model):
    """A route of one feed, with its size."""

    route: Route
    mode: LegMode
    patterns: int
    trips: int


class RoutesResponse(_Model):
    """Every route of the network (or of one feed, or one mode)."""

    routes: list[RouteSummary]


class Pattern(_Model):
    """One stop sequence of a route, with its trips and its shape."""

    id: str = Field(description="stable for a given stop sequence")
    headsign: str
    trips: int
    stops: list[StopRef]
    geometry: LineString


class RouteDetail(_Model):
    """A route with its stops in order, per stop sequence (direction)."""

    route: Route
    mode: LegMode
    patterns: list[Pattern]


class ActivePeriod(_Model):
    """When an alert applies (ends open when null)."""

    start: dt.datetime | None
    end: dt.datetime | None


class Alert(_Model):
    """A service alert (GTFS-Realtime, or posted by an operator)."""

    id: str
    feed: str
    source: Literal["feed", "manual"]
    cause: str
    effect: str
    severity: str
    header: str | None
    description: str | None
    url: str | None
    languages: list[str]
    active_periods: list[ActivePeriod]
    informed_entities: list[dict[str, str | int]]


class AlertsResponse(_Model):
    """The alerts active now."""

    realtime_status: RealtimeStatus
    alerts: list[Alert]


class DateWindow(_Model):
    """First and last date (YYYY-MM-DD), null when unknown."""

    start_date: str | None
    end_date: str | None


class FeedCounts(_Model):
    """Sizes of a feed."""

    agencies: int
    stops: int
    routes: int
    trips: int


class ValidationCounts(_Model):
    """Notices of the feed's validation."""

    errors: int
    warnings: int


class FeedInfo(_Model):
    """One feed of the served network."""

    id: str
    authority: str
    timezone: str
    agencies: list[str]
    url: str | None
    service_window: DateWindow
    feed_info_window: DateWindow
    counts: FeedCounts
    validation: ValidationCounts


class FeedsResponse(_Model):
    """Every feed of the served network."""

    network_version: str
    feeds: list[FeedInfo]


class WatchView(_Model):
    """The feed-scoped ids a subscription is told about, sorted."""

    routes: list[str]
    stops: list[str]
    trips: list[str]
    agencies: list[str]


class SubscriptionView(_Model):
    """A subscription as ``GET`` and ``PATCH`` answer it (without its secrets)."""

    id: str
    created_at: str = Field(description="ISO 8601, UTC, to the second")
    expires_at: str = Field(description="ISO 8601, UTC, to the second")
    spec: SubscriptionSpec
    watch: WatchView
    commute_legs: list[CommuteLeg] = Field(description="a commute's usual transit legs")
    events_url: str = Field(description="its Server-Sent Events stream (needs the token)")


class CreatedSubscription(SubscriptionView):
    """The answer of ``POST /api/v1/subscriptions``: the subscription and its secrets."""

    token: str = Field(description="the access token, shown this once (stored hashed)")
    webhook_secret: str | None = Field(
        None, description="``whsec_`` key signing the webhooks; only with a webhook_url"
    )


Problem.model_rebuild()
