"""What a journey request says, once parsed: places, time, modes and limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

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


class Offset(NamedTuple):
    """Access or egress to the transit search: reach `stop` in `duration_s` by `mode`.

    As in nigiri, the transit search sees only offsets, never streets. A NamedTuple (immutable,
    built in a quarter of a frozen dataclass's time): each journey found makes two.
    """

    stop: StopIdx
    duration_s: int
    mode: AccessMode
    distance_m: float = 0.0


class OffsetLookup(Protocol):
    """The offset of each stop a search started or ended at (a dict, or `OffsetArrays`)."""

    def __getitem__(self, stop: int, /) -> Offset: ...


@dataclass(frozen=True, slots=True, eq=False)
class OffsetArrays:
    """Offsets of one mode to many stops, as arrays: what a street search hands the transit one.

    ``stops`` are distinct and ascending; `Offset` objects are made only for the few stops a
    journey uses (a bike search may reach thousands).
    """

    stops: npt.NDArray[np.int32]
    duration_s: npt.NDArray[np.int32]
    distance_m: npt.NDArray[np.float64]
    mode: AccessMode

    def __len__(self) -> int:
        return int(self.stops.size)

    def __getitem__(self, stop: int, /) -> Offset:
        """The offset to `stop`.

        Raises:
            KeyError: when `stop` is not one of them.
        """
        at = int(self.stops.searchsorted(stop))
        if at >= self.stops.size or self.stops[at] != stop:
            raise KeyError(stop)
        return self._offset(at)

    def select(self, keep: npt.NDArray[np.bool_]) -> OffsetArrays:
        """The offsets where `keep` is True."""
        return OffsetArrays(
            self.stops[keep], self.duration_s[keep], self.distance_m[keep], self.mode
        )

    def as_tuple(self) -> tuple[Offset, ...]:
        """Every offset as an `Offset`."""
        return tuple(self._offset(i) for i in range(self.stops.size))

    def _offset(self, i: int) -> Offset:
        return Offset(
            StopIdx(int(self.stops[i])), int(self.duration_s[i]), self.mode,
            float(self.distance_m[i]),
        )  # fmt: skip


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
