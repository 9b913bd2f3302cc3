"""Service calendars of all feeds expanded into one matrix: which service runs on which day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from feeds.loaded import LoadedFeed
from feeds.merged_stops import scoped
from routing.network import I32, U8

EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, eq=False)
class ServiceCalendar:
    """``days[s, d]`` is 1 when the feed-scoped service ``ids[s]`` runs on first_date + d."""

    ids: tuple[str, ...]
    first_date: dt.date
    days: U8

    @cached_property
    def index(self) -> dict[str, int]:
        """Service index by feed-scoped service id."""
        return {v: i for i, v in enumerate(self.ids)}

    @property
    def n_days(self) -> int:
        """Number of day columns."""
        return int(self.days.shape[1])

    def date(self, day: int) -> dt.date:
        """The calendar date of day column `day`."""
        return self.first_date + dt.timedelta(days=day)


def expand_services(feeds: Sequence[LoadedFeed]) -> ServiceCalendar:
    """Merge every feed's service dates into one matrix from the earliest to the latest date.

    Services named by trips but absent from the calendars get a row of zeros (never run).
    """
    ids: list[pd.Series] = []
    dated: list[pd.DataFrame] = []
    for feed in feeds:
        rows = feed.service_dates
        days = _epoch_days(rows["date"])
        dated.append(pd.DataFrame({"service": scoped(feed.id, rows["service_id"]), "day": days}))
        ids.append(scoped(feed.id, rows["service_id"]))
        ids.append(scoped(feed.id, feed.trips["service_id"]))
    every = pd.concat(ids, ignore_index=True) if ids else pd.Series([], dtype=object)
    service_ids = tuple(pd.unique(every.astype(str)).tolist())
    table = (
        pd.concat(dated, ignore_index=True) if dated else pd.DataFrame({"service": [], "day": []})
    )
    if table.empty:
        return ServiceCalendar(service_ids, EPOCH, np.zeros((len(service_ids), 0), np.uint8))
    day = table["day"].to_numpy(np.int64)
    first = int(day.min())
    matrix = np.zeros((len(service_ids), int(day.max()) - first + 1), dtype=np.uint8)
    row = pd.Series(np.arange(len(service_ids)), index=list(service_ids))
    matrix[row.loc[table["service"].to_numpy()].to_numpy(), day - first] = 1
    return ServiceCalendar(service_ids, EPOCH + dt.timedelta(days=first), matrix)


def trips_per_day(
    calendar: ServiceCalendar, trip_service: I32
) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """Number of trips active on each day column."""
    per_service = np.bincount(trip_service, minlength=len(calendar.ids)).astype(np.int64)
    return np.asarray(per_service @ calendar.days.astype(np.int64), dtype=np.int64)


def busiest_day(calendar: ServiceCalendar, trip_service: I32) -> dt.date:
    """The day with most trips active (the earliest on ties); first_date when none runs."""
    counts = trips_per_day(calendar, trip_service)
    if counts.size == 0:
        return calendar.first_date
    return calendar.date(int(np.argmax(counts)))


def active_range(calendar: ServiceCalendar, trip_service: I32) -> tuple[dt.date, dt.date] | None:
    """First and last day on which at least one of these trips runs, or None."""
    counts = trips_per_day(calendar, trip_service)
    active = np.flatnonzero(counts)
    if active.size == 0:
        return None
    return calendar.date(int(active[0])), calendar.date(int(active[-1]))


def _epoch_days(dates: pd.Series) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """Days since 1970-01-01 of a column of `datetime.date` (or datetime-like) values."""
    if dates.empty:
        return np.zeros(0, dtype=np.int64)
    stamps = pd.to_datetime(dates).to_numpy().astype("datetime64[D]")
    return stamps.astype(np.int64)
