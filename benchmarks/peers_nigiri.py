"""nigiri (pynigiri, MOTIS's C++ core) as a benchmark peer: stop-to-stop Pareto sets.

Each query is timed back to back with ours on it (`benchmarks.queries.paired`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pynigiri as ng

from benchmarks.queries import Inputs, StopQuery, Timed, paired, query_datetime

R = TypeVar("R")
# (arrival in seconds on the service day's clock, transfers) of each journey of a Pareto set.
Answer = list[tuple[int, int]]
# nigiri counts whole minutes; our times are seconds.
TOLERANCE_S = 60


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence the C++ loaders' progress lines, written straight to file descriptor 2."""
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


class Nigiri:
    """A nigiri timetable of the feeds' folders around one service day."""

    def __init__(self, feeds: Sequence[tuple[str, Path]], origin: dt.datetime) -> None:
        """Load `feeds` ((feed id, GTFS folder)) for the days around `origin` (the day's 00:00)."""
        day = origin.date()
        sources = [ng.TimetableSource(feed_id, str(folder)) for feed_id, folder in feeds]
        with quiet_stderr():
            self.timetable = ng.load_timetable(
                sources, str(day - dt.timedelta(days=1)), str(day + dt.timedelta(days=2))
            )
        self._source = {feed_id: ng.SourceIdx(i) for i, (feed_id, _) in enumerate(feeds)}
        self._origin_min = int(origin.timestamp()) // 60
        self._origin_s = int(origin.timestamp())

    def location(self, stop_id: str) -> Any:
        """The nigiri location of a feed-scoped stop id (`eptc:123`); KeyError when unknown."""
        feed, own = stop_id.split(":", 1)
        found = self.timetable.find_location(own, self._source[feed])
        if found is None:
            raise KeyError(stop_id)
        return found

    def pareto(self, start: Any, destination: Any, time_s: int, max_transfers: int = 6) -> Any:
        """Leave `start` at `time_s` (seconds on the day's clock) for `destination`.

        nigiri counts in whole minutes: the departure is rounded down to its minute.
        """
        query = ng.Query()
        query.start_time = self._origin_min + time_s // 60
        query.start = [ng.Offset(start, 0, 0)]
        query.destination = [ng.Offset(destination, 0, 0)]
        query.max_transfers = max_transfers
        return ng.route(self.timetable, query)

    def answer(self, journeys: Any) -> Answer:
        """(arrival seconds on the day's clock, transfers) of nigiri's journeys."""
        return [(j.dest_time * 60 - self._origin_s, int(j.transfers)) for j in journeys]


def run_nigiri(
    inputs: Inputs, feeds: Sequence[tuple[str, Path]], ours: Callable[[StopQuery], R]
) -> tuple[Timed[R], Timed[Answer]]:
    """Our answers and nigiri's Pareto sets to the stop queries, timed back to back per query.

    The load time is printed; nigiri's query and route are timed, its stops found beforehand.
    """
    started = time.perf_counter()
    nigiri = Nigiri(feeds, query_datetime(inputs.network, 0))
    print(f"nigiri: timetable loaded in {time.perf_counter() - started:.2f} s")
    ids = inputs.network.stop_ids
    ends = [(nigiri.location(ids[a]), nigiri.location(ids[b]), t) for a, b, t in inputs.stops]
    mine, run = paired(
        ours, lambda q: nigiri.pareto(*q), list(zip(inputs.stops, ends, strict=True))
    )
    return mine, Timed(run.ms, [nigiri.answer(js) for js in run.answers], run.first_ms)


def agreement(ours: Timed[tuple[int | None, int]], theirs: Timed[Answer]) -> list[str]:
    """Lines comparing our Pareto sets (b) with nigiri's: earliest arrivals and set sizes."""
    same = earlier = later = only_ours = only_theirs = 0
    for (arrival, _), answer in zip(ours.answers, theirs.answers, strict=True):
        best = min((a for a, _ in answer), default=None)
        if arrival is None or best is None:
            only_ours += best is None and arrival is not None
            only_theirs += arrival is None and best is not None
        elif abs(arrival - best) <= TOLERANCE_S:
            same += 1
        elif arrival < best:
            earlier += 1
        else:
            later += 1
    return [
        f"earliest arrival within {TOLERANCE_S} s: {same}; ours earlier: {earlier}; "
        f"nigiri earlier: {later}; only ours found: {only_ours}; only nigiri found: {only_theirs}",
        f"journeys: ours {sum(n for _, n in ours.answers)}, "
        f"nigiri {sum(len(a) for a in theirs.answers)}",
    ]
