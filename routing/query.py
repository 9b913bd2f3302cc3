"""What a journey request says, once parsed: places, time, modes and limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from routing.ids import StopIdx

AccessMode = Literal["walk", "bike"]
QueryMode = Literal["walk", "bike", "transit", "car"]
DEFAULT_MODES: frozenset[QueryMode] = frozenset({"walk", "transit"})


@dataclass(frozen=True, slots=True)
class Coordinate:
    """A WGS84 point in degrees."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class StopRef:
    """A stop named by its feed-scoped id (`trensurb:MR`)."""

    stop_id: str


Location = Coordinate | StopRef


@dataclass(frozen=True, slots=True)
class Offset:
    """Access or egress to the transit search: reach `stop` in `duration_s` by `mode`.

    As in nigiri, the transit search sees only offsets, never streets.
    """

    stop: StopIdx
    duration_s: int
    mode: AccessMode
    distance_m: float = 0.0


@dataclass(frozen=True, slots=True)
class Query:
    """One journey request. `time` is a departure time, or an arrival time when `arrive_by`."""

    origin: Location
    destination: Location
    time: dt.datetime
    arrive_by: bool = False
    window_min: int = 0
    max_walk_min: int = 15
    max_bike_min: int = 30
    modes: frozenset[QueryMode] = field(default_factory=lambda: DEFAULT_MODES)
    wheelchair: bool = False
    max_transfers: int = 6
    realtime: bool = True
    walk_speed_mps: float = 1.3
    bike_speed_mps: float = 4.5
