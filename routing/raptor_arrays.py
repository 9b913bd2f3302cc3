"""The NamedTuples of arrays the RAPTOR kernels read and write: frame, day and workspace.

They live apart from `routing.raptor_frame` and `routing.raptor`, which make them, so that
`routing.raptor_kernels` can rebuild them from the plain tuples it is handed (numba's
dispatcher types a plain tuple in C, a NamedTuple field by field in Python). numba's cache
follows only a function's own file: after changing these fields, clear the ``__pycache__``
numba caches (``*.nbi``, ``*.nbc``) of the kernels' modules.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]


class FrameArrays(NamedTuple):
    """What the kernels read of the timetable, in one direction (see `routing.network`).

    ``mirrored`` is None forward; True in the reversed frame, whose ``arrival``,
    ``departure`` and ``flags`` are the network's departure, arrival and flags, read
    backwards in each pattern and negated (see `routing.raptor_kernels`); every other array
    is the frame's own.
    """

    pattern_stop_ptr: I32
    pattern_stops: I32
    pattern_trip_ptr: I32
    pattern_time_ptr: I32
    arrival: I32
    departure: I32
    flags: U8
    stop_pattern_ptr: I32
    stop_patterns: I32
    stop_pattern_pos: I32
    transfer_ptr: I32
    transfer_to: I32
    transfer_s: I32
    min_transfer_s: I32
    pattern_min_dep: I32
    pattern_max_dep: I32
    position_flags: U8
    pattern_regular: U8
    mirrored: bool | None


class DayArrays(NamedTuple):
    """What the kernels read of one query: trips running in each day slot, usable stops, realtime.

    ``running[slot * n + trip_ptr[p] + j]`` (``n`` trips in all patterns) says whether trip
    ``j`` of pattern ``p`` runs in that slot. ``ov_*`` replace the times of day slot ``ov_slot``
    (-1: no overlay).

    A regular pattern's route scan holds the first trip one can board, found by a binary search
    in ``next_active[slot * n + trip_ptr[p] + j]``: the first trip index ``>= j`` running in that
    slot, or the pattern's trip count. Realtime may break the order that search relies on, so in
    the overlay's slot it skips the trips out of order, ``ov_unordered[ov_unordered_ptr[p]:
    ov_unordered_ptr[p + 1]]``, which the scan rides one by one; ``ov_board`` is the overlay's
    departures with theirs replaced so that the search still sees sorted times (see
    `realtime_order`).
    """

    next_active: I32
    running: U8
    stop_ok: U8
    ov_slot: int
    ov_arrival: I32
    ov_departure: I32
    ov_flags: U8
    ov_board: I32
    ov_unordered_ptr: I32
    ov_unordered: I32


class Workspace(NamedTuple):
    """The search's mutable labels, allocated once per network and thread.

    Both directions share it: the frames have the same stops and patterns, a thread runs one
    search at a time, and each search leaves it as it found it (rows reset at the start,
    marks and offsets cleared at the end), whichever its direction.
    """

    ride: npt.NDArray[np.int32]
    ready: npt.NDArray[np.int32]
    ride_parent: npt.NDArray[np.int32]
    ready_parent: npt.NDArray[np.int32]
    best_ride: I32
    best_ready: I32
    access: I32
    egress: I32
    marked: U8
    ride_marked: U8
    stop_list: I32
    ride_list: I32
    pattern_first: I32
    pattern_last: I32
    pattern_list: I32
    target: I32
    target_stop: I32
    improved: U8
    counts: npt.NDArray[np.int64]
    lb: I32
