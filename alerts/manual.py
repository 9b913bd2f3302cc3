"""Manual disruptions posted by an authority: the request, its checks, and the `ServiceAlert`.

Informed entities name ids of the posting feed (``"route_id": "1"`` or ``"bart:1"``) that must
exist in the served network; periods must be ordered, not over yet, and at most a year long;
texts are given in French and/or English. The alert gets the same kind of stable id as the
feeds' alerts, its entity id being ``manual-<random>``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from google.transit import gtfs_realtime_pb2 as rt
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from alerts.models import ActivePeriod, InformedEntity, ServiceAlert, TranslatedText
from alerts.service_alerts import alert_id
from routing.ids import SEPARATOR
from routing.network import Network

MAX_PERIOD = dt.timedelta(days=366)
CAUSES = frozenset(rt.Alert.Cause.keys())
EFFECTS = frozenset(rt.Alert.Effect.keys())
SEVERITIES = frozenset(rt.Alert.SeverityLevel.keys())
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ManualAlertError(ValueError):
    """A manual alert that cannot be accepted; `field` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManualText(_Strict):
    """A text in French and/or English."""

    fr: Text | None = None
    en: Text | None = None

    @model_validator(mode="after")
    def _one_language(self) -> ManualText:
        if self.fr is None and self.en is None:
            raise ValueError("give the text in 'fr' and/or 'en'")
        return self

    def translated(self) -> TranslatedText:
        """The pairs in fr, en order."""
        pairs = (("fr", self.fr), ("en", self.en))
        return TranslatedText(tuple((lang, text) for lang, text in pairs if text is not None))


class ManualEntity(_Strict):
    """What the alert concerns; the fields given apply together."""

    agency_id: str | None = None
    route_id: str | None = None
    stop_id: str | None = None
    trip_id: str | None = None


class ManualPeriod(_Strict):
    """When the alert applies; no end means until deleted."""

    start: AwareDatetime
    end: AwareDatetime | None = None


class ManualAlertRequest(_Strict):
    """The body of ``POST /api/v1/alerts``."""

    feed: str = Field(min_length=1)
    cause: str = "UNKNOWN_CAUSE"
    effect: str = "UNKNOWN_EFFECT"
    severity: str = "UNKNOWN_SEVERITY"
    header: ManualText
    description: ManualText | None = None
    url: str | None = Field(None, max_length=2000, pattern=r"^https?://")
    active_periods: list[ManualPeriod] = Field(min_length=1, max_length=20)
    informed_entities: list[ManualEntity] = Field(min_length=1, max_length=200)


def manual_alert(request: ManualAlertRequest, network: Network, now: dt.datetime) -> ServiceAlert:
    """The alert a checked request describes.

    Raises:
        ManualAlertError: naming the first field that does not hold.
    """
    _check_names(request)
    feed = next((f for f in network.feeds if f.id == request.feed), None)
    if feed is None:
        raise ManualAlertError("feed", f"no feed {request.feed!r} in the served network")
    entities = tuple(
        _entity(network, request.feed, feed.agencies, i, e)
        for i, e in enumerate(request.informed_entities)
    )
    periods = tuple(_period(i, p, now) for i, p in enumerate(request.active_periods))
    url = TranslatedText((("", request.url),)) if request.url else TranslatedText()
    description = request.description.translated() if request.description else TranslatedText()
    content = (
        periods, entities, request.cause, request.effect, request.header.translated(),
        description, url, request.severity,
    )  # fmt: skip
    entity_id = f"manual-{uuid.uuid4().hex[:16]}"
    return ServiceAlert(
        alert_id(request.feed, entity_id, content), request.feed, entity_id, *content
    )


def _check_names(request: ManualAlertRequest) -> None:
    for name, value, known in (
        ("cause", request.cause, CAUSES),
        ("effect", request.effect, EFFECTS),
        ("severity", request.severity, SEVERITIES),
    ):
        if value not in known:
            raise ManualAlertError(name, f"unknown {name} {value!r} (one of {sorted(known)})")


def _scoped(feed: str, value: str) -> str:
    return value if value.startswith(f"{feed}{SEPARATOR}") else f"{feed}{SEPARATOR}{value}"


def _entity(
    network: Network, feed: str, agencies: tuple[str, ...], i: int, entity: ManualEntity
) -> InformedEntity:
    where = f"informed_entities[{i}]"
    ids = {k: None if v is None else _scoped(feed, v) for k, v in entity.model_dump().items()}
    if not any(ids.values()):
        raise ManualAlertError(where, "name an agency, a route, a stop or a trip")
    checks = (
        ("route_id", network.find_route),
        ("stop_id", network.find_stop),
        ("trip_id", network.find_trip),
    )
    for name, find in checks:
        value = ids[name]
        if value is not None and find(value) is None:
            raise ManualAlertError(f"{where}.{name}", f"no {value!r} in the served network")
    agency = ids["agency_id"]
    if agency is not None and agency.split(SEPARATOR, 1)[1] not in agencies:
        raise ManualAlertError(f"{where}.agency_id", f"no agency {agency!r} in feed {feed!r}")
    return InformedEntity(
        agency_id=agency, route_id=ids["route_id"], trip_id=ids["trip_id"], stop_id=ids["stop_id"]
    )


def _period(i: int, period: ManualPeriod, now: dt.datetime) -> ActivePeriod:
    where = f"active_periods[{i}]"
    if period.end is not None and period.end <= period.start:
        raise ManualAlertError(where, "the end must come after the start")
    if period.end is not None and period.end <= now:
        raise ManualAlertError(f"{where}.end", "the period is already over")
    if period.start > now + MAX_PERIOD:
        raise ManualAlertError(f"{where}.start", "starts more than a year from now")
    if period.end is not None and period.end - period.start > MAX_PERIOD:
        raise ManualAlertError(where, "lasts more than a year")
    end = None if period.end is None else int(period.end.timestamp())
    return ActivePeriod(int(period.start.timestamp()), end)
