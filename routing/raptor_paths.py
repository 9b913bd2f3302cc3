"""Journeys out of the kernels' rows: `Journey` objects in the network's direction, Pareto-filtered.

After each run `routing.raptor_kernels.range_query` walks the parents back from every round
whose arrival at the target improved and writes the journey's legs (frame times and indices)
as int32 rows; this module reads them back, undoing the reversal of an arrive-by frame.
Its numba kernel reads the row layout of `routing.raptor_kernels`: numba's cache follows only
a function's own file, so after changing that layout clear the ``__pycache__`` numba caches
(``*.nbi``, ``*.nbc``) of this module too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

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
I8 = npt.NDArray[np.int8]


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
    heads = head.tolist()
    n_legs = max((h[LEG_START] + h[LEG_COUNT] for h in heads), default=0)
    fa = frame.arrays
    fields = _leg_fields(
        legs[:n_legs], fa.pattern_trip_ptr, fa.pattern_stop_ptr, frame.network_trips,
        frame.transfer_kind, frame.reverse, day,
    ).tolist()  # fmt: skip
    out = []
    for h in heads:
        found = fields[h[LEG_START] : h[LEG_START] + h[LEG_COUNT]]
        parts = tuple(
            TransferLeg(*f[1:6]) if f[0] == WALK else RideLeg(*f[1:])
            for f in (reversed(found) if frame.reverse else found)
        )
        source, target = sources[h[J_ACCESS]], targets[h[J_EGRESS]]
        if frame.reverse:
            out.append(Journey(-h[J_ARR], -h[J_DEP], h[RIDES] - 1, target, source, parts))
        else:
            out.append(Journey(h[J_DEP], h[J_ARR], h[RIDES] - 1, source, target, parts))
    return out


@njit(cache=True, nogil=True)
def _leg_fields(
    legs: I32, trip_ptr: I32, stop_ptr: I32, network_trips: I32, transfer_kind: I8,
    reverse: bool, day: int,
) -> npt.NDArray[np.int64]:  # fmt: skip
    """Each leg row as its kind then the fields of its `RideLeg` or `TransferLeg`.

    In the network's direction: an arrive-by frame's trips, positions, day slots, stops and
    times are turned back around.
    """
    out = np.zeros((legs.shape[0], 10), np.int64)
    for x in range(legs.shape[0]):
        row, f = legs[x], out[x]
        f[0] = row[KIND]
        first, second = (row[TO], row[FROM]) if reverse else (row[FROM], row[TO])
        dep, arr = (-row[ARR], -row[DEP]) if reverse else (row[DEP], row[ARR])
        if row[KIND] == WALK:
            f[1], f[2], f[3], f[4], f[5] = first, second, dep, arr, transfer_kind[row[REF]]
            continue
        p, j, slot, bpos, apos = row[REF], row[TRIP], row[SLOT], row[BOARD], row[ALIGHT]
        if reverse:
            n_pos, n_trips = stop_ptr[p + 1] - stop_ptr[p], trip_ptr[p + 1] - trip_ptr[p]
            j, slot, bpos, apos = n_trips - 1 - j, 2 - slot, n_pos - 1 - apos, n_pos - 1 - bpos
        f[1], f[2], f[3] = network_trips[trip_ptr[p] + j], day + slot - 1, p
        f[4], f[5], f[6], f[7], f[8], f[9] = bpos, apos, first, second, dep, arr
    return out


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
