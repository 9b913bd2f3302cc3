"""One GTFS-RT Alert entity into a `ServiceAlert` with feed-scoped ids and a content-hash id."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import IngestContext
from alerts.context import text as as_text
from alerts.descriptors import match_trip, read_descriptor
from alerts.models import ActivePeriod, InformedEntity, ServiceAlert, TranslatedText
from alerts.stats import FailureKind

ALERT_ID_HEX = 24


def convert_alert(
    ctx: IngestContext, entity_id: str, alert: rt.Alert
) -> ServiceAlert | FailureKind:
    """Map the alert's informed entities onto the network and give it its stable id.

    Informed entities naming a route, stop or trip the network lacks are dropped and counted;
    an alert left with none is refused, as is one whose every active period is inverted.
    """
    informed = _informed_entities(ctx, alert.informed_entity)
    if isinstance(informed, FailureKind):
        return informed
    periods = _periods(ctx, alert.active_period)
    if isinstance(periods, FailureKind):
        return periods
    content = (
        periods,
        informed,
        _enum_name(rt.Alert.Cause, alert.cause, "UNKNOWN_CAUSE"),
        _enum_name(rt.Alert.Effect, alert.effect, "UNKNOWN_EFFECT"),
        _translated(alert.header_text),
        _translated(alert.description_text),
        _translated(alert.url),
        _enum_name(rt.Alert.SeverityLevel, alert.severity_level, "UNKNOWN_SEVERITY"),
    )
    return ServiceAlert(alert_id(ctx.feed_id, entity_id, content), ctx.feed_id, entity_id, *content)


def alert_id(feed_id: str, entity_id: str, content: object) -> str:
    """A stable id from the feed, the entity id and the normalized content.

    The content is hashed after normalization (not as wire bytes), so the same alert gives the
    same id whether it came as protobuf or JSON, and re-ingesting it is idempotent.
    """
    digest = hashlib.sha256(repr((feed_id, entity_id, content)).encode("utf-8"))
    return digest.hexdigest()[:ALERT_ID_HEX]


def _enum_name(enum: EnumTypeWrapper, value: int, default: str) -> str:
    try:
        return str(enum.Name(value))
    except ValueError:
        return default


def _translated(translated: rt.TranslatedString) -> TranslatedText:
    pairs = ((as_text(t.language), as_text(t.text)) for t in translated.translation)
    return TranslatedText(tuple((language, value) for language, value in pairs if value))


def _periods(
    ctx: IngestContext, ranges: Sequence[rt.TimeRange]
) -> tuple[ActivePeriod, ...] | FailureKind:
    kept = []
    for time_range in ranges:
        start = time_range.start if time_range.HasField("start") else None
        end = time_range.end if time_range.HasField("end") else None
        if start is not None and end is not None and start > end:
            ctx.stats.note(FailureKind.BAD_PERIOD)
            continue
        kept.append(ActivePeriod(start, end))
    if ranges and not kept:
        return FailureKind.BAD_PERIOD
    return tuple(kept)


def _informed_entities(
    ctx: IngestContext, selectors: Sequence[rt.EntitySelector]
) -> tuple[InformedEntity, ...] | FailureKind:
    kept: list[InformedEntity] = []
    first_drop: FailureKind | None = None
    for selector in selectors:
        informed = _informed_entity(ctx, selector)
        if isinstance(informed, FailureKind):
            ctx.stats.note(informed)
            first_drop = first_drop or informed
        else:
            kept.append(informed)
    if not kept:
        return first_drop or FailureKind.NO_INFORMED_ENTITY
    return tuple(kept)


def _informed_entity(
    ctx: IngestContext, selector: rt.EntitySelector
) -> InformedEntity | FailureKind:
    trip_id = _trip_id(ctx, selector.trip) if selector.HasField("trip") else None
    if isinstance(trip_id, FailureKind):
        return trip_id
    route_id = ctx.scoped(selector.route_id) if selector.route_id else None
    stop_id = ctx.scoped(selector.stop_id) if selector.stop_id else None
    network = ctx.network
    if network is not None and route_id is not None and network.find_route(route_id) is None:
        return FailureKind.UNKNOWN_ROUTE
    if network is not None and stop_id is not None and network.find_stop(stop_id) is None:
        return FailureKind.UNKNOWN_STOP
    informed = InformedEntity(
        agency_id=ctx.scoped(selector.agency_id) if selector.agency_id else None,
        route_id=route_id,
        route_type=selector.route_type if selector.HasField("route_type") else None,
        direction_id=selector.direction_id if selector.HasField("direction_id") else None,
        trip_id=trip_id,
        stop_id=stop_id,
    )
    if informed == InformedEntity():
        return FailureKind.NO_INFORMED_ENTITY
    return informed


def _trip_id(ctx: IngestContext, trip: rt.TripDescriptor) -> str | FailureKind | None:
    fields = read_descriptor(trip)
    if isinstance(fields, FailureKind):
        return fields
    if ctx.network is None:
        return ctx.scoped(fields.trip_id) if fields.trip_id else None
    match = match_trip(ctx, ctx.network, fields)
    if isinstance(match, FailureKind):
        return match
    return ctx.network.trip_ids[match.trip]
