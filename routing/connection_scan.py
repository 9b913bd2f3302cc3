"""The earliest-arrival transit search: a connection scan, for when only the fastest counts.

`earliest_arrival` answers "when can I be there at the earliest?" (or, arriving by a time,
"when must I leave at the latest?") several times faster than the Pareto search
`routing.raptor.search`, under the same rules (offsets, one footpath between rides, minimum
transfer times, the days before and after, pickup/drop-off, wheelchair, bikes, realtime). The
journey found takes whatever transfers the fastest way takes: their number is not minimized.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from routing.connection_scan_kernels import (
    Connections,
    ScanSpace,
    build_connections,
    components,
    earliest,
)
from routing.journey import Journey
from routing.network import Network
from routing.query import Offset
from routing.raptor import journey_rows, usable_offsets
from routing.raptor_arrays import DayArrays
from routing.raptor_frame import Frame, day_arrays, frame_for, frame_times
from routing.raptor_kernels import INF
from routing.raptor_paths import to_journeys
from routing.realtime import RealtimeOverlay

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
REALTIME_STREAMS = 4


_timetable: weakref.WeakKeyDictionary[Network, dict[bool, Connections]] = (
    weakref.WeakKeyDictionary()
)
_realtime: weakref.WeakKeyDictionary[
    Network, OrderedDict[tuple[bool, int], tuple[I32, Connections]]
]
_realtime = weakref.WeakKeyDictionary()
_local = threading.local()


def earliest_arrival(
    network: Network,
    access: Sequence[Offset],
    egress: Sequence[Offset],
    day: int,
    time_s: int,
    *,
    arrive_by: bool = False,
    wheelchair: bool = False,
    bikes: bool = False,
    overlay: RealtimeOverlay | None = None,
) -> list[Journey]:
    """The journey arriving first after leaving at `time_s` (none or one, as a list).

    With `arrive_by`, the journey leaving last while arriving by `time_s`. Arguments as for
    `routing.raptor.search`.

    Raises:
        ValueError: on an overlay of another network.
    """
    frame = frame_for(network, arrive_by)
    days = day_arrays(network, frame, day, wheelchair=wheelchair, bikes=bikes, overlay=overlay)
    sources = usable_offsets(egress if arrive_by else access, days)
    targets = usable_offsets(access if arrive_by else egress, days)
    if not sources or not targets:
        return []
    ws = _space(network, frame, days)
    offsets = np.array(
        [(s, o.duration_s) for s, o in sources.items()]
        + [(s, o.duration_s) for s, o in targets.items()],
        dtype=np.int32,
    )
    head, legs = journey_rows(1, 2 * frame.n_stops + 1)
    timetable, realtime = _streams(network, frame, days)
    start = -time_s if arrive_by else time_s
    found = earliest(
        tuple(frame.arrays), tuple(days), tuple(timetable), tuple(realtime), tuple(ws), offsets,
        len(sources), start, head, legs,
    )  # fmt: skip
    return to_journeys(frame, day, (head[:found], legs), sources, targets)


def stream_bytes(network: Network) -> int:
    """Bytes of `network`'s timetable connection streams (each direction's built on first use)."""
    return sum(sum(a.nbytes for a in c) for c in _timetable.get(network, {}).values())


def _streams(network: Network, frame: Frame, days: DayArrays) -> tuple[Connections, Connections]:
    """The timetable's connections, and the realtime overlay's (the same when there is none)."""
    fa = frame.arrays
    per_network = _timetable.setdefault(network, {})
    if frame.reverse not in per_network:
        per_network[frame.reverse] = build_connections(
            fa, *frame_times(network, frame), components(fa)
        )
    timetable = per_network[frame.reverse]
    if days.ov_slot < 0:
        return timetable, timetable
    cache = _realtime.setdefault(network, OrderedDict())
    key = (frame.reverse, id(days.ov_departure))
    hit = cache.get(key)
    if hit is None or hit[0] is not days.ov_departure:
        stream = build_connections(
            fa, days.ov_arrival, days.ov_departure, days.ov_flags, timetable.component
        )
        hit = cache[key] = (days.ov_departure, stream)
        while len(cache) > REALTIME_STREAMS:
            cache.popitem(last=False)
    return timetable, hit[1]


def _space(network: Network, frame: Frame, days: DayArrays) -> ScanSpace:
    """This thread's labels for `network`, for either direction.

    The frames have the same stops, trips and pattern stops, and each search clears what it
    reads (`_start`) and the offsets it set, so one space serves both.
    """
    per_thread = getattr(_local, "spaces", None)
    if per_thread is None:
        per_thread = _local.spaces = weakref.WeakKeyDictionary()
    space: ScanSpace | None = per_thread.get(network)
    if space is None:
        s, n = frame.n_stops, days.running.size
        space = per_thread[network] = ScanSpace(
            ready=np.full(s, INF, np.int32), ride=np.full(s, INF, np.int32),
            ready_parent=np.full(s, -1, np.int32), ride_parent=np.full((s, 4), -1, np.int32),
            board=np.full(n, -1, np.int32),
            boarded=np.zeros(n, np.uint8),
            access=np.full(s, INF, np.int32), egress=np.full(s, INF, np.int32),
            best=np.zeros(2, np.int64),
        )  # fmt: skip
    return space
