"""The itinerary models: one schema for the CLI, batch output and the API (pydantic)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

LegMode = Literal[
    "walk",
    "bike",
    "car",
    "carpool",
    "bus",
    "tram",
    "subway",
    "rail",
    "ferry",
    "cable_car",
    "gondola",
    "funicular",
    "trolleybus",
    "monorail",
    "coach",
]
Tag = Literal[
    "fastest", "fewest_transfers", "least_walking", "bike_only", "walk_only", "wheelchair"
]
NoResultReason = Literal[
    "outside_network", "no_service_that_day", "nothing_within_limits", "same_origin_destination"
]
RealtimeStatus = Literal["none", "applied", "stale", "disabled"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


M = TypeVar("M", bound=_Model)
_set = object.__setattr__


def trusted(model: type[M], fields: dict[str, Any]) -> M:
    """A `model` of `fields` given by name, every one of them, of their declared types.

    What `model_construct` makes, without its lookup of each field's alias and default: for
    the legs and stop times an itinerary builds from the network's own tables (a plan shows
    dozens), whose validation would only cost time. `fields` becomes the model's own dict,
    in the order of the model's fields (JSON follows the dict's order).
    """
    made = model.__new__(model)
    _set(made, "__dict__", fields)
    _set(made, "__pydantic_fields_set__", set(fields))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


def replaced(model: M, **changes: Any) -> M:
    """`model` with `changes`, as `model_copy(update=changes)` makes it, without its copies.

    The changes must be of the fields' types, as for `trusted`.
    """
    return trusted(type(model), {**model.__dict__, **changes})


class Place(_Model):
    """A leg's end: a stop (with its feed-scoped id) or a coordinate."""

    name: str
    lat: float
    lon: float
    id: str | None = Field(None, description="feed:stop_id, or null for a coordinate")
    stop_id: str | None = Field(None, description="the feed's own stop_id")
    feed: str | None = None
    arrival: dt.datetime | None = None
    departure: dt.datetime | None = None


class Route(_Model):
    """The line a transit leg rides."""

    id: str = Field(description="feed:route_id")
    feed: str
    route_id: str
    short_name: str | None
    long_name: str | None
    color: str | None = Field(None, pattern=r"^#[0-9A-Fa-f]{6}$")
    text_color: str | None = Field(None, pattern=r"^#[0-9A-Fa-f]{6}$")
    agency: str | None


class AlertRef(_Model):
    """A realtime alert attached to a leg or an itinerary (filled by `alerts`)."""

    id: str
    header: str
    description: str | None = None
    cause: str | None = None
    effect: str | None = None
    url: str | None = None


class LineString(_Model):
    """A GeoJSON LineString ([lon, lat] pairs)."""

    type: Literal["LineString"] = "LineString"
    coordinates: list[tuple[float, float]]


class Leg(_Model):
    """One leg: on foot, by bike, by car or aboard one transit trip."""

    mode: LegMode
    transit: bool
    from_: Place = Field(alias="from")
    to: Place
    departure: dt.datetime
    arrival: dt.datetime
    scheduled_departure: dt.datetime
    scheduled_arrival: dt.datetime
    delay_s: int = 0
    realtime: bool = False
    distance_m: float
    duration_s: int
    route: Route | None = None
    trip_id: str | None = Field(None, description="the feed's own trip_id")
    headsign: str | None = None
    intermediate_stops: list[Place] = Field(default_factory=list)
    geometry: LineString | None = None
    crow_fly: bool = Field(False, description="true when no street path was found")
    alerts: list[AlertRef] = Field(default_factory=list)


class Itinerary(_Model):
    """A door-to-door journey."""

    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    transfers: int
    walk_distance_m: float
    bike_distance_m: float
    co2_g: float
    tags: list[Tag] = Field(default_factory=list)
    legs: list[Leg]
    alerts: list[AlertRef] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Plan(_Model):
    """The answer to a query: zero or more itineraries and why there are none."""

    itineraries: list[Itinerary]
    no_result_reason: NoResultReason | None = None
    realtime_status: RealtimeStatus = "none"
    notes: list[str] = Field(default_factory=list)
