"""One GTFS-RT VehiclePosition entity into a `VehiclePosition`, checked against its trip's shape."""

from __future__ import annotations

import math

import numpy as np
from google.transit import gtfs_realtime_pb2 as rt

from alerts.context import IngestContext, text
from alerts.descriptors import TripMatch, match_trip, read_descriptor
from alerts.models import VehiclePosition
from alerts.stats import FailureKind
from routing.geo import EARTH_RADIUS_M, Floats
from routing.network import Network

# The GTFS-RT validator's tolerance between a vehicle and its trip's shape (E029).
MAX_OFF_ROUTE_M = 100.0


def convert_vehicle(
    ctx: IngestContext, entity_id: str, vehicle: rt.VehiclePosition
) -> VehiclePosition | FailureKind:
    """Check the position, match trip and stop when there is a network, and flag off-route ones.

    A vehicle far from its trip's shape is kept (the position is real) and counted as
    `OFF_ROUTE`; an impossible position, an unknown trip or an unknown stop refuse it.
    """
    if not vehicle.HasField("position") or not _valid(vehicle.position):
        return FailureKind.BAD_POSITION
    trip = _trip(ctx, vehicle) if vehicle.HasField("trip") else None
    if isinstance(trip, FailureKind):
        return trip
    stop = None
    if vehicle.stop_id and ctx.network is not None:
        stop = ctx.network.find_stop(ctx.scoped(vehicle.stop_id))
        if stop is None:
            return FailureKind.UNKNOWN_STOP
    position = vehicle.position
    if trip is not None and ctx.network is not None:
        distance = distance_to_shape(ctx.network, trip.trip, position.latitude, position.longitude)
        if distance is not None and distance > MAX_OFF_ROUTE_M:
            ctx.stats.note(FailureKind.OFF_ROUTE)
    return _build(ctx, entity_id, vehicle, trip, stop)


def _valid(position: rt.Position) -> bool:
    lat, lon = position.latitude, position.longitude
    # 0 is what an unset float reads as, so the validator refuses it too (E026).
    finite = math.isfinite(lat) and math.isfinite(lon)
    return finite and -90 <= lat <= 90 and -180 <= lon <= 180 and lat != 0 and lon != 0


def _trip(ctx: IngestContext, vehicle: rt.VehiclePosition) -> TripMatch | FailureKind | None:
    if ctx.network is None:
        return None
    fields = read_descriptor(vehicle.trip)
    if fields is FailureKind.ADDED_TRIP_UNSUPPORTED:
        return None  # a vehicle on an extra trip is still a vehicle on the map
    if isinstance(fields, FailureKind):
        return fields
    if fields.trip_id is None and fields.route_id is None:
        return None
    return match_trip(ctx, ctx.network, fields)


def _build(
    ctx: IngestContext,
    entity_id: str,
    vehicle: rt.VehiclePosition,
    trip: TripMatch | None,
    stop: int | None,
) -> VehiclePosition:
    position = vehicle.position
    descriptor = vehicle.trip
    trip_id = None
    if trip is not None and ctx.network is not None:
        trip_id = ctx.network.trip_ids[trip.trip]
    elif descriptor.trip_id:
        trip_id = ctx.scoped(descriptor.trip_id)
    return VehiclePosition(
        feed_id=ctx.feed_id,
        entity_id=entity_id,
        latitude=position.latitude,
        longitude=position.longitude,
        vehicle_id=text(vehicle.vehicle.id) or None,
        label=text(vehicle.vehicle.label) or None,
        trip=None if trip is None else trip.trip,
        trip_id=trip_id,
        route_id=ctx.scoped(descriptor.route_id) if descriptor.route_id else None,
        stop=stop,
        stop_id=ctx.scoped(vehicle.stop_id) if vehicle.stop_id else None,
        bearing=position.bearing if position.HasField("bearing") else None,
        speed_mps=position.speed if position.HasField("speed") else None,
        current_status=(
            rt.VehiclePosition.VehicleStopStatus.Name(vehicle.current_status)
            if vehicle.HasField("current_status")
            else None
        ),
        timestamp=vehicle.timestamp if vehicle.HasField("timestamp") else None,
    )


def distance_to_shape(network: Network, trip: int, lat: float, lon: float) -> float | None:
    """Metres from (lat, lon) to the shape of `trip`'s pattern, None when it has no shape.

    Segments are measured in a local equirectangular projection, ample at the scale of a
    100 m tolerance.
    """
    pattern = int(network.trip_pattern[trip])
    shape = int(network.pattern_shape[pattern])
    if shape < 0:
        return None
    lo, hi = int(network.shape_ptr[shape]), int(network.shape_ptr[shape + 1])
    if hi <= lo:
        return None
    scale = math.cos(math.radians(lat))
    xs = (network.shape_lon[lo:hi].astype(np.float64) - lon) * scale
    ys = network.shape_lat[lo:hi].astype(np.float64) - lat
    return math.radians(_nearest_on_polyline(xs, ys)) * EARTH_RADIUS_M


def _nearest_on_polyline(xs: Floats, ys: Floats) -> float:
    """Smallest distance from the origin to the polyline (xs, ys), in the same units."""
    if len(xs) == 1:
        return float(np.hypot(xs[0], ys[0]))
    ax, ay, bx, by = xs[:-1], ys[:-1], xs[1:], ys[1:]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return float(np.min(np.hypot(ax + t * dx, ay + t * dy)))
