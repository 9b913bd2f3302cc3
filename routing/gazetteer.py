"""The place index's data: named stops, stations, streets, places and addresses as arrays.

Built by `feeds` with the network it belongs to (``network_version``), saved next to it by
`routing.storage`, and searched by `routing.place_search`. Entry ``e`` is named
``names[e]``, shown at (``lat[e]``, ``lon[e]``), identified by ``refs[e]`` (the feed-scoped
stop id for stops and stations, ``osm:n123`` / ``osm:w123`` for OSM objects, ``osm:street:``
plus the name for a street made of several ways). A street's geometry points are
``point_lat/point_lon[point_ptr[e]:point_ptr[e + 1]]`` (one point for the other kinds), and
the routes serving a stop or station are ``line_route[line_ptr[e]:line_ptr[e + 1]]``
(indices into the network's routes, which is why the index travels with its network).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

PlaceKind = Literal["station", "stop", "place", "street", "address"]
# The order of kinds is the order of preference between equally good matches.
KINDS: Final[tuple[PlaceKind, ...]] = ("station", "stop", "place", "street", "address")
KIND_STATION, KIND_STOP, KIND_PLACE, KIND_STREET, KIND_ADDRESS = range(5)


@dataclass(frozen=True, eq=False, weakref_slot=True, slots=True)
class Gazetteer:
    """Every searchable place of one network (immutable; arrays may be memory-mapped)."""

    network_version: str
    names: tuple[str, ...]
    refs: tuple[str, ...]
    kind: I8
    lat: F64
    lon: F64
    importance: F32
    point_ptr: I32
    point_lat: F64
    point_lon: F64
    line_ptr: I32
    line_route: I32

    @property
    def n_entries(self) -> int:
        """Number of places."""
        return len(self.names)

    def kind_name(self, entry: int) -> PlaceKind:
        """The kind of entry `entry` as the API names it."""
        return KINDS[int(self.kind[entry])]

    def lines(self, entry: int) -> I32:
        """Network route indices serving entry `entry` (empty for non-stops)."""
        return self.line_route[self.line_ptr[entry] : self.line_ptr[entry + 1]]


def empty_gazetteer(network_version: str) -> Gazetteer:
    """A gazetteer with no entry (a network with nothing named)."""
    zero = np.zeros(1, dtype=np.int32)
    return Gazetteer(
        network_version=network_version,
        names=(),
        refs=(),
        kind=np.empty(0, np.int8),
        lat=np.empty(0),
        lon=np.empty(0),
        importance=np.empty(0, np.float32),
        point_ptr=zero,
        point_lat=np.empty(0),
        point_lon=np.empty(0),
        line_ptr=zero.copy(),
        line_route=np.empty(0, np.int32),
    )
