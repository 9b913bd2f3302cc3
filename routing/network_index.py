"""Lookup tables for turning a network's indices into itinerary parts, derived once per network.

Built on first use and cached weakly by `Network` (the frozen network stays untouched, and a
reloaded network gets fresh tables): route models, leg modes, each trip's position among its
pattern's trips, cumulative metres along shapes and pattern stops, and plain views of the
arrays legs are read from. Stop places and trip ids are made when a leg asks for them.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from dataclasses import dataclass, fields

import numpy as np

from routing.geo import haversine_m
from routing.network import F32, F64, I32, Network
from routing.plan import LegMode, Place, Route, trusted

_COLOR = re.compile(r"^[0-9A-Fa-f]{6}$")
_INDEX: weakref.WeakKeyDictionary[Network, NetworkIndex] = weakref.WeakKeyDictionary()

# GTFS route_type (basic, then the extended ranges by their hundreds) to a leg mode.
_BASIC: dict[int, LegMode] = {
    0: "tram", 1: "subway", 2: "rail", 3: "bus", 4: "ferry", 5: "cable_car", 6: "gondola",
    7: "funicular", 11: "trolleybus", 12: "monorail",
}  # fmt: skip
_EXTENDED: dict[int, LegMode] = {
    1: "rail", 2: "coach", 4: "subway", 7: "bus", 8: "trolleybus", 9: "tram", 10: "ferry",
    12: "ferry", 13: "gondola", 14: "funicular",
}  # fmt: skip


def leg_mode(route_type: int) -> LegMode:
    """The leg mode of a GTFS route_type (extended types too); unknown ones count as bus."""
    if route_type in _BASIC:
        return _BASIC[route_type]
    if route_type == 405:
        return "monorail"
    return _EXTENDED.get(route_type // 100, "bus")


def split_id(scoped: str) -> tuple[str | None, str]:
    """(feed, the feed's own id) of a feed-scoped id; no feed when there is no prefix."""
    feed, sep, local = scoped.partition(":")
    return (feed, local) if sep else (None, scoped)


def hex_color(text: str) -> str | None:
    """`#RRGGBB` from a GTFS colour (``FF0000``), or None when blank or malformed."""
    text = text.strip().lstrip("#")
    return f"#{text.upper()}" if _COLOR.match(text) else None


@dataclass(frozen=True, eq=False)
class LegArrays:
    """Plain ndarray views of the network's arrays that legs read a few elements of at a time.

    A saved network's arrays are memory-mapped, and indexing a `numpy.memmap` runs Python
    code on every access: these views of the same memory index at ndarray speed.
    """

    stop_lat: F64
    stop_lon: F64
    trip_route: I32
    pattern_stop_ptr: I32
    pattern_stops: I32
    pattern_trip_ptr: I32
    pattern_time_ptr: I32
    arrival: I32
    departure: I32
    pattern_shape: I32
    pattern_stop_shape_pos: I32
    shape_ptr: I32
    shape_lat: F32
    shape_lon: F32

    @classmethod
    def of(cls, network: Network) -> LegArrays:
        """Views of `network`'s arrays (no copy)."""
        return cls(**{f.name: np.asarray(getattr(network, f.name)) for f in fields(cls)})


@dataclass(frozen=True, eq=False)
class NetworkIndex:
    """The tables for one network.

    It holds the network's arrays and tuples, never the `Network` itself: the cache is keyed
    weakly by the network, and a value referring to its key would keep every reloaded
    network alive. Stop places are not kept: a server would end up holding one model
    (about 1.3 kB) per stop, more than the timetable's own arrays, for what costs a
    microsecond to make.
    """

    stop_ids: tuple[str, ...]
    stop_names: tuple[str, ...]
    trip_ids: tuple[str, ...]
    routes: tuple[Route, ...]
    route_modes: tuple[LegMode, ...]
    trip_position: I32
    shape_cum_m: F64
    stop_cum_m: F64
    arrays: LegArrays

    def place(
        self, stop: int, arrival: dt.datetime | None = None, departure: dt.datetime | None = None
    ) -> Place:
        """The place of a stop, with its times at a stop of a ride (None elsewhere)."""
        feed, local = split_id(self.stop_ids[stop])
        # Made from the network's own tables: validating them would only cost time.
        return trusted(
            Place,
            {
                "name": self.stop_names[stop] or local,
                "lat": float(self.arrays.stop_lat[stop]),
                "lon": float(self.arrays.stop_lon[stop]),
                "id": self.stop_ids[stop],
                "stop_id": local,
                "feed": feed,
                "arrival": arrival,
                "departure": departure,
            },
        )

    def trip_local_id(self, trip: int) -> str:
        """The feed's own trip_id of a trip."""
        return split_id(self.trip_ids[trip])[1]


def network_index(network: Network) -> NetworkIndex:
    """The tables of `network`, built on first use."""
    found = _INDEX.get(network)
    if found is None:
        found = NetworkIndex(
            stop_ids=network.stop_ids,
            stop_names=network.stop_names,
            trip_ids=network.trip_ids,
            routes=tuple(_route(network, r) for r in range(len(network.route_ids))),
            route_modes=tuple(leg_mode(int(t)) for t in network.route_type.tolist()),
            trip_position=_trip_position(network),
            shape_cum_m=_cumulative(
                network.shape_lat.astype(np.float64),
                network.shape_lon.astype(np.float64),
                network.shape_ptr,
            ),
            stop_cum_m=_cumulative(
                network.stop_lat[network.pattern_stops],
                network.stop_lon[network.pattern_stops],
                network.pattern_stop_ptr,
            ),
            arrays=LegArrays.of(network),
        )
        _INDEX[network] = found
    return found


def _route(network: Network, r: int) -> Route:
    feed, local = split_id(network.route_ids[r])
    return Route(
        id=network.route_ids[r],
        feed=feed or "",
        route_id=local,
        short_name=network.route_short_names[r] or None,
        long_name=network.route_long_names[r] or None,
        color=hex_color(network.route_colors[r]),
        text_color=hex_color(network.route_text_colors[r]),
        agency=network.route_agency_names[r] or None,
    )


def _trip_position(network: Network) -> I32:
    """Where each trip sits among its pattern's trips (the ``j`` of the stop-time layout)."""
    position = np.zeros(len(network.trip_ids), dtype=np.int32)
    ptr = network.pattern_trip_ptr
    offsets = np.arange(network.pattern_trips.size) - np.repeat(ptr[:-1], np.diff(ptr))
    position[network.pattern_trips] = offsets
    return position


def _cumulative(lat: F64, lon: F64, ptr: I32) -> F64:
    """Metres from the start of each segment ``ptr[i]:ptr[i + 1]`` to each of its points."""
    cum = np.zeros(lat.size)
    if lat.size > 1:
        step = np.nan_to_num(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]))
        cum[1:] = np.cumsum(step)
    starts = ptr[:-1][np.diff(ptr) > 0]
    # Subtract the running total at each segment's first point, so each segment starts at 0.
    base = np.repeat(cum[starts], np.diff(ptr)[np.diff(ptr) > 0])
    return cum - base if base.size == cum.size else cum
