"""GTFS-Realtime bytes (or JSON) into a `RealtimeUpdate` plus `IngestStats`: pure, never raises."""

from __future__ import annotations

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import MAX_EVENT_SKEW_S, IngestContext, text
from alerts.models import RealtimeUpdate, ServiceAlert, TripUpdate, VehiclePosition
from alerts.service_alerts import convert_alert
from alerts.stats import EntityKind, FailureKind, IngestStats
from alerts.trip_updates import convert_trip_update
from alerts.vehicles import convert_vehicle
from routing.network import Network

DEFAULT_MAX_AGE_S = 3600.0
# Header times ahead of the clock by more than this mean the feed's or our clock is off.
MAX_FUTURE_S = 300.0
_DIFFERENTIAL = rt.FeedHeader.Incrementality.Value("DIFFERENTIAL")


def ingest(
    data: bytes,
    feed_id: str,
    network: Network | None,
    now: float,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
) -> tuple[RealtimeUpdate, IngestStats]:
    """Parse a GTFS-Realtime FeedMessage and map it onto `network`.

    Args:
        data: the protobuf bytes as fetched.
        feed_id: the static feed the realtime feed belongs to (its ids get this namespace).
        network: the network to match trips and stops against; None parses and counts only.
        now: POSIX seconds of "now" (from the clock; fixed when replaying a capture).
        max_age_s: a feed whose header is older than this is dropped as stale.

    Returns:
        The trip updates, alerts and vehicle positions that could be used, and the counts of
        what was used and what was not, by kind. Nothing in `data` makes it raise.
    """
    message = rt.FeedMessage()
    try:
        message.ParseFromString(data)
    except DecodeError:
        return _unparseable(feed_id, now)
    return ingest_message(message, feed_id, network, now, max_age_s=max_age_s)


def ingest_json(
    text: str | bytes,
    feed_id: str,
    network: Network | None,
    now: float,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
) -> tuple[RealtimeUpdate, IngestStats]:
    """Like `ingest`, for a FeedMessage in protobuf's JSON form (as validators and tests use)."""
    message = rt.FeedMessage()
    try:
        json_format.Parse(text, message)
    except (json_format.ParseError, ValueError, TypeError, RecursionError):
        # json_format raises ParseError for most bad input, but lets some ValueErrors
        # (bad UTF-8) and RecursionErrors (deep nesting) through.
        return _unparseable(feed_id, now)
    return ingest_message(message, feed_id, network, now, max_age_s=max_age_s)


def ingest_message(
    message: rt.FeedMessage,
    feed_id: str,
    network: Network | None,
    now: float,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
) -> tuple[RealtimeUpdate, IngestStats]:
    """Like `ingest`, for a FeedMessage already parsed."""
    ctx = IngestContext.create(feed_id, network, now)
    refusal = _check_header(ctx, message, max_age_s)
    ctx.stats.entities = len(message.entity)
    if refusal is not None:
        ctx.stats.feed_issue = refusal
        for _ in message.entity:
            ctx.stats.reject(refusal)
        return RealtimeUpdate(feed_id, now, ctx.stats.header_timestamp), ctx.stats.freeze()
    return _convert_entities(ctx, message), ctx.stats.freeze()


def _unparseable(feed_id: str, now: float) -> tuple[RealtimeUpdate, IngestStats]:
    ctx = IngestContext.create(feed_id, None, now)
    ctx.stats.feed_issue = FailureKind.UNPARSEABLE
    return RealtimeUpdate(feed_id, now, None), ctx.stats.freeze()


def _check_header(
    ctx: IngestContext, message: rt.FeedMessage, max_age_s: float
) -> FailureKind | None:
    """Note header problems; return the reason when the whole feed must be refused."""
    if not message.HasField("header"):
        ctx.stats.note_feed(FailureKind.MISSING_HEADER)
        return None
    header = message.header
    if header.incrementality == _DIFFERENTIAL:
        return FailureKind.DIFFERENTIAL_UNSUPPORTED
    if not header.HasField("timestamp"):
        return None
    stamp = header.timestamp
    if not ctx.plausible_time(stamp) and stamp > ctx.now + MAX_EVENT_SKEW_S:
        # far ahead: most likely milliseconds (E001); its age is unknown, not stale
        ctx.stats.note_feed(FailureKind.BAD_HEADER_TIME)
        return None
    ctx.stats.header_timestamp = stamp
    if stamp > ctx.now + MAX_FUTURE_S:
        ctx.stats.note_feed(FailureKind.FUTURE_HEADER)
    if ctx.now - stamp > max_age_s:
        return FailureKind.STALE_HEADER
    return None


def _convert_entities(ctx: IngestContext, message: rt.FeedMessage) -> RealtimeUpdate:
    trip_updates: list[TripUpdate] = []
    alerts: list[ServiceAlert] = []
    vehicles: list[VehiclePosition] = []
    for entity in message.entity:
        result = _convert_entity(ctx, entity)
        if isinstance(result, FailureKind):
            ctx.stats.reject(result)
        elif isinstance(result, TripUpdate):
            trip_updates.append(result)
            ctx.stats.accept(EntityKind.TRIP_UPDATE)
        elif isinstance(result, ServiceAlert):
            alerts.append(result)
            ctx.stats.accept(EntityKind.ALERT)
        else:
            vehicles.append(result)
            ctx.stats.accept(EntityKind.VEHICLE_POSITION)
    return RealtimeUpdate(
        ctx.feed_id,
        ctx.now,
        ctx.stats.header_timestamp,
        tuple(trip_updates),
        tuple(alerts),
        tuple(vehicles),
    )


def _convert_entity(
    ctx: IngestContext, entity: rt.FeedEntity
) -> TripUpdate | ServiceAlert | VehiclePosition | FailureKind:
    if entity.is_deleted:
        return FailureKind.DELETED_ENTITY  # only meaningful in DIFFERENTIAL feeds
    payloads = [name for name in ("trip_update", "vehicle", "alert") if entity.HasField(name)]
    if not payloads:
        others = ("shape", "stop", "trip_modifications")
        if any(entity.HasField(name) for name in others):
            return FailureKind.UNSUPPORTED_ENTITY
        return FailureKind.EMPTY_ENTITY
    if len(payloads) > 1:
        ctx.stats.note(FailureKind.MULTIPLE_PAYLOADS)
    if payloads[0] == "trip_update":
        return convert_trip_update(ctx, entity.trip_update)
    if payloads[0] == "vehicle":
        return convert_vehicle(ctx, text(entity.id), entity.vehicle)
    return convert_alert(ctx, text(entity.id), entity.alert)
