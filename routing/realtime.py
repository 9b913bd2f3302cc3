"""The realtime overlay: delays and cancellations applied on top of a `Network`, never in it.

Built by `alerts` from GTFS-Realtime, swapped whole; the router reads it instead of the
scheduled times for the service day it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class RealtimeOverlay:
    """Realtime state for service day `day` of the network version `network_version`.

    ``arrival``/``departure`` mirror the network's stop-time arrays with delays applied;
    ``cancelled`` marks trips not running; ``skipped`` marks stop times not served. Never
    changed once built (the router caches what it derives from one while it lives).
    """

    network_version: str
    day: int
    created_at: float
    arrival: I32
    departure: I32
    cancelled: npt.NDArray[np.bool_]
    skipped: npt.NDArray[np.bool_]
    closed_stops: npt.NDArray[np.bool_]
    delayed_trips: frozenset[int] = field(default_factory=frozenset)
