"""Journeys out of the kernels' rows: `Journey` objects in the network's direction, Pareto-filtered.

After each run `routing.raptor_kernels.range_query` walks the parents back from every round
whose arrival at the target improved and writes the journey's legs (frame times and indices)
as int32 rows; this module reads them back, undoing the reversal of an arrive-by frame.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from routing.journey import Journey, RideLeg, TransferLeg
from routing.query import OffsetLookup
from routing.raptor_frame import Frame
from routing.raptor_kernels import (
    ALIGHT,
    ARR,
    BOARD,
    DEP,
    FROM,
    J_ACCESS,
    J_ARR,
    J_DEP,
    J_EGRESS,
    KIND,
    LEG_COUNT,
    LEG_START,
    REF,
    RIDES,
    SLOT,
    TO,
    TRIP,
    WALK,
)  # fmt: skip

I32 = npt.NDArray[np.int32]


def to_journeys(
    frame: Frame,
    day: int,
    rows: tuple[I32, I32],
    sources: OffsetLookup,
    targets: OffsetLookup,
) -> list[Journey]:
    """`Journey`s from the kernel's journey and leg rows, in the network's own direction.

    `sources`/`targets` give each stop's offset in the frame's direction (for an arrive-by
    search the frame's sources are the egress offsets).
    """
    head, legs = rows
    out = []
    for h in head.tolist():
        rows_ = legs[h[LEG_START] : h[LEG_START] + h[LEG_COUNT]].tolist()
        source, target = sources[h[J_ACCESS]], targets[h[J_EGRESS]]
        if frame.reverse:
            parts = tuple(_leg(frame, day, r) for r in reversed(rows_))
            out.append(Journey(-h[J_ARR], -h[J_DEP], h[RIDES] - 1, target, source, parts))
        else:
            parts = tuple(_leg(frame, day, r) for r in rows_)
            out.append(Journey(h[J_DEP], h[J_ARR], h[RIDES] - 1, source, target, parts))
    return out


def _leg(frame: Frame, day: int, row: list[int]) -> RideLeg | TransferLeg:
    if row[KIND] == WALK:
        kind = int(frame.transfer_kind[row[REF]])
        if frame.reverse:
            return TransferLeg(row[TO], row[FROM], -row[ARR], -row[DEP], kind)
        return TransferLeg(row[FROM], row[TO], row[DEP], row[ARR], kind)
    p, j, slot, bpos, apos = row[REF], row[TRIP], row[SLOT], row[BOARD], row[ALIGHT]
    trip_ptr = frame.arrays.pattern_trip_ptr
    if frame.reverse:
        stop_ptr = frame.arrays.pattern_stop_ptr
        n_pos, n_trips = int(stop_ptr[p + 1] - stop_ptr[p]), int(trip_ptr[p + 1] - trip_ptr[p])
        j, slot, bpos, apos = n_trips - 1 - j, 2 - slot, n_pos - 1 - apos, n_pos - 1 - bpos
        board, alight, dep, arr = row[TO], row[FROM], -row[ARR], -row[DEP]
    else:
        board, alight, dep, arr = row[FROM], row[TO], row[DEP], row[ARR]
    trip = int(frame.network_trips[trip_ptr[p] + j])
    return RideLeg(trip, day + slot - 1, p, bpos, apos, board, alight, dep, arr)


def pareto(journeys: list[Journey]) -> list[Journey]:
    """Journeys no other beats in (later departure, earlier arrival, fewer transfers), deduplicated.

    Sorted by departure, then arrival.
    """
    unique = list({(j.departure_s, j.arrival_s, j.transfers): j for j in journeys}.values())
    kept = [j for j in unique if not any(_dominates(o, j) for o in unique)]
    return sorted(kept, key=lambda j: (j.departure_s, j.arrival_s, j.transfers))


def _dominates(a: Journey, b: Journey) -> bool:
    no_worse = (
        a.departure_s >= b.departure_s and a.arrival_s <= b.arrival_s and a.transfers <= b.transfers
    )
    return no_worse and (a.departure_s, a.arrival_s, a.transfers) != (
        b.departure_s,
        b.arrival_s,
        b.transfers,
    )
