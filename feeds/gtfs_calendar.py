"""Service days: calendar.txt and calendar_dates.txt combined, and feed_info's validity dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.gtfs_fields import (
    FileNotices,
    coded_int,
    first_of_duplicates,
    parse_date,
    require_columns,
    require_values,
    text,
)
from feeds.notice import NoticeLog

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Longer calendars are clipped: a typo like 20991231 would otherwise expand to millions of rows.
MAX_SPAN_DAYS = 366 * 30
_ADDED, _REMOVED = 1, 2

Days = npt.NDArray[np.datetime64]
Bools = npt.NDArray[np.bool_]


def clean_services(
    calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None, log: NoticeLog
) -> tuple[pd.DataFrame, frozenset[str]]:
    """The (service_id, date) rows of active days, and every service id the feed defines."""
    weekly_ids, weekly = _weekly(calendar, log) if calendar is not None else _nothing()
    dated = _exceptions(calendar_dates, log) if calendar_dates is not None else _no_exceptions()
    added = dated.loc[dated["exception_type"] == _ADDED, ["service_id", "date"]]
    removed = dated.loc[dated["exception_type"] == _REMOVED, ["service_id", "date"]]
    active = pd.concat([weekly, added], ignore_index=True).drop_duplicates()
    active = active.merge(removed, how="left", indicator=True)
    active = active.loc[active["_merge"] == "left_only", ["service_id", "date"]]
    active = active.sort_values(["service_id", "date"], ignore_index=True)
    service_dates = pd.DataFrame(
        {
            "service_id": active["service_id"].astype("str"),
            "date": pd.Series(pd.to_datetime(active["date"]).dt.date, dtype=object),
        }
    )
    return service_dates, weekly_ids | frozenset(dated["service_id"])


def _nothing() -> tuple[frozenset[str], pd.DataFrame]:
    return frozenset(), pd.DataFrame({"service_id": pd.Series([], dtype="str"), "date": _days([])})


def _no_exceptions() -> pd.DataFrame:
    empty = _nothing()[1]
    return empty.assign(exception_type=np.array([], dtype=np.int64))


def _days(values: list[np.datetime64] | Days) -> pd.Series:
    return pd.Series(np.asarray(values, dtype="datetime64[D]").astype("datetime64[s]"))


def _weekly(frame: pd.DataFrame, log: NoticeLog) -> tuple[frozenset[str], pd.DataFrame]:
    """Expand each calendar.txt row to the dates its weekdays select in its range."""
    notes = FileNotices(log, "calendar.txt")
    required = ["service_id", *WEEKDAYS, "start_date", "end_date"]
    require_columns(frame, notes, required)
    frame = frame.loc[require_values(frame, notes, required)]
    frame = first_of_duplicates(frame, notes, ["service_id"])
    week = np.column_stack([coded_int(frame, notes, day, (0, 1), 0) for day in WEEKDAYS])
    start, end, ok = _date_range(frame, notes)
    service_id = text(frame, "service_id").to_numpy()
    lengths = np.where(ok, (end - start).astype(np.int64) + 1, 0)
    owner = np.repeat(np.arange(len(frame)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    dates = start[owner] + offsets.astype("timedelta64[D]")
    # 1970-01-01 was a Thursday: shift so that Monday is 0, like the column order.
    weekday = (dates.astype(np.int64) + 3) % 7
    runs = week[owner, weekday] == 1
    weekly = pd.DataFrame({"service_id": service_id[owner][runs], "date": _days(dates[runs])})
    return frozenset(service_id[ok]), weekly.astype({"service_id": "str"})


def _date_range(frame: pd.DataFrame, notes: FileNotices) -> tuple[Days, Days, Bools]:
    """start_date and end_date of each row (clipped to MAX_SPAN_DAYS) and the usable mask."""
    start, start_ok = _dates(frame, notes, "start_date")
    end, end_ok = _dates(frame, notes, "end_date")
    service_id = text(frame, "service_id")
    ok = start_ok & end_ok
    reversed_ = ok & (end < start)
    notes.report(
        "start_and_end_range_out_of_order",
        "end_date",
        service_id[reversed_],
        "service {value!r} ends before it starts; row dropped",
    )
    ok &= ~reversed_
    too_long = ok & ((end - start).astype(np.int64) > MAX_SPAN_DAYS)
    notes.report(
        "number_out_of_range",
        "end_date",
        service_id[too_long],
        f"service {{value!r}} spans more than {MAX_SPAN_DAYS} days; clipped",
        severity="WARNING",
    )
    end = np.where(too_long, start + np.timedelta64(MAX_SPAN_DAYS, "D"), end)
    return start, end, ok


def _dates(frame: pd.DataFrame, notes: FileNotices, name: str) -> tuple[Days, Bools]:
    """The dates of column `name` and the mask of valid ones; bad values are reported."""
    values = text(frame, name)
    days, bad = parse_date(values)
    notes.report("invalid_date", name, values[bad], "{value!r} is not a YYYYMMDD date; ignored")
    return days, ~np.isnat(days)


def _exceptions(frame: pd.DataFrame, log: NoticeLog) -> pd.DataFrame:
    """calendar_dates.txt rows: service_id, date, exception_type (1 added, 2 removed)."""
    notes = FileNotices(log, "calendar_dates.txt")
    required = ["service_id", "date", "exception_type"]
    require_columns(frame, notes, required)
    frame = frame.loc[require_values(frame, notes, required)]
    frame = first_of_duplicates(frame, notes, ["service_id", "date"])
    days, ok = _dates(frame, notes, "date")
    kind = coded_int(frame, notes, "exception_type", (_ADDED, _REMOVED), 0)
    ok &= kind > 0
    return pd.DataFrame(
        {
            "service_id": text(frame, "service_id").to_numpy()[ok],
            "date": _days(days[ok]),
            "exception_type": kind[ok],
        }
    ).astype({"service_id": "str"})


def feed_dates(frame: pd.DataFrame | None, log: NoticeLog) -> tuple[dt.date | None, dt.date | None]:
    """feed_start_date and feed_end_date of feed_info.txt's first row, when valid."""
    if frame is None or frame.empty:
        return None, None
    notes = FileNotices(log, "feed_info.txt")
    found: list[dt.date | None] = []
    for name in ("feed_start_date", "feed_end_date"):
        days, ok = _dates(frame.iloc[:1], notes, name)
        found.append(pd.Timestamp(days[0]).date() if ok[0] else None)
    return found[0], found[1]
