"""`ServiceAlert` to and from JSON: lossless (bus, stores) and translated (the API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from alerts.leg_disruptions import is_leg_disruption
from alerts.models import ActivePeriod, InformedEntity, ServiceAlert, TranslatedText


def alert_to_dict(alert: ServiceAlert) -> dict[str, Any]:
    """Every field of `alert`, as JSON-ready values (read back by `alert_from_dict`)."""
    return {
        "id": alert.id,
        "feed_id": alert.feed_id,
        "entity_id": alert.entity_id,
        "active_periods": [[p.start, p.end] for p in alert.active_periods],
        "informed_entities": [
            {k: v for k, v in asdict(e).items() if v is not None} for e in alert.informed_entities
        ],
        "cause": alert.cause,
        "effect": alert.effect,
        "header": [list(t) for t in alert.header.translations],
        "description": [list(t) for t in alert.description.translations],
        "url": [list(t) for t in alert.url.translations],
        "severity": alert.severity,
    }


def _text(pairs: Any) -> TranslatedText:
    return TranslatedText(tuple((str(lang), str(text)) for lang, text in pairs))


def alert_from_dict(data: Mapping[str, Any]) -> ServiceAlert:
    """The alert written by `alert_to_dict`.

    Raises:
        KeyError, TypeError, ValueError: when `data` is not such a record.
    """
    return ServiceAlert(
        id=str(data["id"]),
        feed_id=str(data["feed_id"]),
        entity_id=str(data["entity_id"]),
        active_periods=tuple(ActivePeriod(start, end) for start, end in data["active_periods"]),
        informed_entities=tuple(InformedEntity(**e) for e in data["informed_entities"]),
        cause=str(data["cause"]),
        effect=str(data["effect"]),
        header=_text(data["header"]),
        description=_text(data["description"]),
        url=_text(data["url"]),
        severity=str(data.get("severity", "UNKNOWN_SEVERITY")),
    )


def _iso(posix: int | None, tz: dt.tzinfo) -> str | None:
    return None if posix is None else dt.datetime.fromtimestamp(posix, tz).isoformat()


def _source(alert: ServiceAlert) -> str:
    """Who wrote the alert: an operator, the feed, or the hub from trip updates."""
    if alert.entity_id.startswith("manual-"):
        return "manual"
    return "trip_update" if is_leg_disruption(alert) else "feed"


def alert_view(alert: ServiceAlert, lang: str | None, tz: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """The alert as the API lists it: texts in `lang` (else the feed's first), times ISO 8601."""
    return {
        "id": alert.id,
        "feed": alert.feed_id,
        "source": _source(alert),
        "cause": alert.cause,
        "effect": alert.effect,
        "severity": alert.severity,
        "header": alert.header.text(lang),
        "description": alert.description.text(lang),
        "url": alert.url.text(lang),
        "languages": sorted(set(alert.header.languages) | set(alert.description.languages)),
        "active_periods": [
            {"start": _iso(p.start, tz), "end": _iso(p.end, tz)} for p in alert.active_periods
        ],
        "informed_entities": [
            {k: v for k, v in asdict(e).items() if v is not None} for e in alert.informed_entities
        ],
    }
