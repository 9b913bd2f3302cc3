"""Plan requests as the CLI, the batch and the API take them, checked and turned into a `Query`.

Places are ``LAT,LON`` (``-30.03,-51.23``) or a feed-scoped stop id (``eptc:123``); times are
ISO 8601, read in the network's timezone when they carry no offset. A request that cannot be
used becomes an RFC 9457 problem naming the offending field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from routing.query import Coordinate, Location, Query, QueryMode, StopRef

MODES: frozenset[str] = frozenset({"walk", "bike", "transit"})
MAX_WINDOW_MIN = 24 * 60


class RequestError(ValueError):
    """A request field that cannot be used: `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid {field!r}: {reason}")
        self.field = field
        self.reason = reason

    def problem(self) -> dict[str, Any]:
        """This error as an RFC 9457 problem (status 400)."""
        return problem(400, str(self), [(self.field, self.reason)])


class PlanRequest(BaseModel):
    """One request: the JSON fields of a batch line, or the options of `hub plan`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    id: str | int | None = None
    origin: str = Field(alias="from", min_length=1)
    destination: str = Field(alias="to", min_length=1)
    depart: str | None = None
    arrive: str | None = None
    window_min: int = Field(0, ge=0, le=MAX_WINDOW_MIN)
    max_walk_min: int | None = Field(None, ge=0, le=180)
    modes: list[Literal["walk", "bike", "transit"]] | None = Field(None, min_length=1)
    wheelchair: bool = False
    realtime: bool = Field(True, description="use realtime delays and cancellations when known")
    lang: str | None = Field(
        None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", description="language of texts"
    )

    @field_validator("origin", "destination", mode="before")
    @classmethod
    def _place_text(cls, value: object) -> object:
        # A batch may also give [lat, lon], {"lat", "lon"} or {"stop_id"}.
        if isinstance(value, list | tuple) and len(value) == 2:
            return ",".join(str(v) for v in value)
        if isinstance(value, dict):
            if set(value) == {"lat", "lon"}:
                return f"{value['lat']},{value['lon']}"
            if set(value) == {"stop_id"}:
                return value["stop_id"]
        return value

    @model_validator(mode="after")
    def _one_time(self) -> PlanRequest:
        if self.depart is not None and self.arrive is not None:
            raise ValueError("give either 'depart' or 'arrive', not both")
        return self


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a request leaves out: the region's walking defaults, and "now"."""

    now: dt.datetime
    tz: ZoneInfo
    max_walk_min: int = 15
    walk_speed_mps: float = 1.3


def parse_request(data: Mapping[str, Any]) -> PlanRequest:
    """Check a request's fields.

    Raises:
        RequestError: naming the first bad field.
    """
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(part) for part in first["loc"]]
        name = {"origin": "from", "destination": "to"}.get(loc[0], loc[0]) if loc else "body"
        raise RequestError(name, first["msg"]) from None


def to_query(request: PlanRequest, defaults: Defaults) -> Query:
    """The `Query` a checked request asks for.

    Raises:
        RequestError: for a place or a time that cannot be read.
    """
    arrive_by = request.arrive is not None
    text = request.arrive if arrive_by else request.depart
    time = (
        defaults.now
        if text is None
        else parse_time(text, defaults.tz, "arrive" if arrive_by else "depart")
    )
    modes: frozenset[QueryMode] = frozenset(request.modes or ("walk", "transit"))
    return Query(
        origin=parse_place(request.origin, "from"),
        destination=parse_place(request.destination, "to"),
        time=time,
        arrive_by=arrive_by,
        window_min=request.window_min,
        max_walk_min=defaults.max_walk_min
        if request.max_walk_min is None
        else request.max_walk_min,
        modes=modes,
        wheelchair=request.wheelchair,
        realtime=request.realtime,
        walk_speed_mps=defaults.walk_speed_mps,
    )


def parse_place(text: str, field: str) -> Location:
    """``LAT,LON`` as a `Coordinate`, ``FEED:STOP`` as a `StopRef`.

    Raises:
        RequestError: when it is neither.
    """
    text = text.strip()
    lat_text, comma, lon_text = text.partition(",")
    if comma:
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise RequestError(field, f"expected LAT,LON or FEED:STOP, got {text!r}") from None
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            raise RequestError(field, f"coordinates out of range: {text!r}")
        return Coordinate(lat, lon)
    feed, colon, stop = text.partition(":")
    if colon and feed and stop:
        return StopRef(text)
    raise RequestError(field, f"expected LAT,LON or FEED:STOP, got {text!r}")


def parse_time(text: str, tz: ZoneInfo, field: str) -> dt.datetime:
    """An ISO 8601 time; without an offset it is local time of `tz`.

    Raises:
        RequestError: when it is not ISO 8601.
    """
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise RequestError(field, f"expected an ISO 8601 date and time, got {text!r}") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def problem(status: int, detail: str, invalid: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """An RFC 9457 problem body naming the invalid fields."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if invalid:
        body["invalid_params"] = [{"name": n, "reason": r} for n, r in invalid]
    return body


__all__ = [
    "MODES",
    "Defaults",
    "PlanRequest",
    "RequestError",
    "parse_place",
    "parse_request",
    "parse_time",
    "problem",
    "to_query",
]
