"""Validating GTFS feeds: the loader's findings plus checks against a reference date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from feeds.gtfs_reader import read_feed
from feeds.loaded import LoadedFeed
from feeds.notice import NoticeLog
from feeds.source import FeedRejected, FeedSource

_EXPIRY_WARNINGS = ((7, "feed_expiration_date7_days"), (30, "feed_expiration_date30_days"))


def validate_feed(source: FeedSource, today: dt.date | None = None) -> NoticeLog:
    """Every finding about one feed; never raises for bad data.

    A rejected feed ends with a `feed_rejected` ERROR notice giving the reason; a bug of the
    loader gives `runtime_exception_in_loader_error` rather than a traceback. With `today`,
    calendars that have ended and feeds about to expire are reported too, as MobilityData's
    validator does.
    """
    log = NoticeLog(source.id)
    try:
        feed = read_feed(source, log)
    except FeedRejected as exc:
        # The cause has its own notice already (missing_required_file, i_o_error...); this one
        # says what it means for the feed as a whole.
        log.add("feed_rejected", "ERROR", f"feed unusable as a whole: {exc.reason}")
        return log
    except Exception as exc:  # a loader bug must still give a report, not a traceback
        log.add(
            "runtime_exception_in_loader_error",
            "ERROR",
            f"the loader failed ({type(exc).__name__}: {exc}); please report this bug",
        )
        return log
    if today is not None:
        _check_dates(feed, today, log)
    return log


def validate_path(
    path: Path, feed_id: str | None = None, today: dt.date | None = None
) -> NoticeLog:
    """Validate the zip or folder at `path`; the feed id defaults to its name without suffixes."""
    return validate_feed(FeedSource(feed_id or default_feed_id(path), path), today)


def default_feed_id(path: Path) -> str:
    """`bart_2019` for `.../bart_2019.gtfs.zip`, the folder name for a folder."""
    return path.name.split(".")[0] or path.name


def _check_dates(feed: LoadedFeed, today: dt.date, log: NoticeLog) -> None:
    dates = feed.service_dates["date"]
    if not dates.empty and max(dates) < today:
        log.add(
            "expired_calendar",
            "WARNING",
            f"the last day of service, {max(dates)}, is before {today}",
            file="calendar.txt",
        )
    end = feed.feed_info_end
    if end is None:
        return
    for days, code in _EXPIRY_WARNINGS:
        if end < today + dt.timedelta(days=days):
            log.add(
                code,
                "WARNING",
                f"feed_end_date {end} is less than {days} days after {today}",
                file="feed_info.txt",
                field="feed_end_date",
            )
            return
