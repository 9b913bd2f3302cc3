"""Service-day time arithmetic: GTFS seconds since "noon minus 12 h" and aware datetimes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SECONDS_PER_DAY = 86_400


def service_day_origin(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The instant GTFS times of `day` count from: noon local time minus 12 hours.

    On daylight-saving days this differs from local midnight, which is why GTFS defines it so.
    The arithmetic is done in UTC: Python subtracts wall-clock time between datetimes of one
    zone, which would give local midnight again.
    """
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
    return (noon.astimezone(dt.UTC) - dt.timedelta(hours=12)).astimezone(tz)


def to_datetime(day: dt.date, seconds: int, tz: ZoneInfo) -> dt.datetime:
    """Turn service-day seconds into an aware local datetime."""
    instant = service_day_origin(day, tz).astimezone(dt.UTC) + dt.timedelta(seconds=int(seconds))
    return instant.astimezone(tz)


def to_service_seconds(moment: dt.datetime, day: dt.date, tz: ZoneInfo) -> int:
    """Seconds of `moment` counted from the origin of service day `day`."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    origin = service_day_origin(day, tz).astimezone(dt.UTC)
    return int((moment.astimezone(dt.UTC) - origin).total_seconds())


def parse_gtfs_time(text: str) -> int | None:
    """Parse `H:MM:SS` or `HH:MM:SS` (hours may pass 24) into seconds; blank gives None.

    Raises:
        ValueError: when the text is not a GTFS time.
    """
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"not a GTFS time: {text!r}")
    h, m, s = (int(p) for p in parts)
    if h < 0 or not 0 <= m < 60 or not 0 <= s < 60:
        raise ValueError(f"not a GTFS time: {text!r}")
    return h * 3600 + m * 60 + s


def format_gtfs_time(seconds: int) -> str:
    """Format service-day seconds as `HH:MM:SS` (hours may pass 24)."""
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"
