"""A transit search result in network indices, before it becomes an `Itinerary`.

Times are seconds from the origin of the *query's* service day; a trip of the previous
service day (running past midnight) keeps its own `day` and its times are shifted by
-86,400 s here, so all legs of a journey share one clock.

The transit search (`routing.raptor`) has this contract::

    search(network, access, egress, day, time_s, *, arrive_by=False, window_s=0,
           max_transfers=6, wheelchair=False, bikes=False, overlay=None) -> list[Journey]

returning the Pareto set over (arrival, transfers) — for arrive-by, over (departure, transfers)
— for each departure in the window (range RAPTOR), access and egress given as `Offset`s.

The three types are NamedTuples, immutable like frozen dataclasses but built four times
faster: a query makes a few dozen of them, within a budget of a few hundred microseconds.
"""

from __future__ import annotations

from typing import NamedTuple

from routing.query import Offset


class RideLeg(NamedTuple):
    """Aboard trip `trip` of service day `day`, between two positions of its pattern."""

    trip: int
    day: int
    pattern: int
    board_pos: int
    alight_pos: int
    board_stop: int
    alight_stop: int
    departure_s: int
    arrival_s: int


class TransferLeg(NamedTuple):
    """A footpath between two stops (street walk, crow-fly link or transfers.txt)."""

    from_stop: int
    to_stop: int
    departure_s: int
    arrival_s: int
    kind: int


class Journey(NamedTuple):
    """Access, rides and transfers, egress: one Pareto-optimal transit journey."""

    departure_s: int
    arrival_s: int
    transfers: int
    access: Offset
    egress: Offset
    legs: tuple[RideLeg | TransferLeg, ...]

    @property
    def duration_s(self) -> int:
        """Door-to-door duration in seconds."""
        return self.arrival_s - self.departure_s
