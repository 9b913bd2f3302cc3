"""Service-day clock: "noon minus 12 h" in absolute time, also on daylight-saving days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from routing.timeutil import service_day_origin, to_datetime, to_service_seconds

SAO_PAULO = ZoneInfo("America/Sao_Paulo")  # -03:00 -> -02:00 at 00:00 on 2018-11-04
LOS_ANGELES = ZoneInfo("America/Los_Angeles")  # -08:00 -> -07:00 at 02:00 on 2019-03-10


def test_origin_is_local_midnight_on_ordinary_days() -> None:
    origin = service_day_origin(dt.date(2019, 5, 14), SAO_PAULO)
    assert origin.isoformat() == "2019-05-14T00:00:00-03:00"


@pytest.mark.parametrize(
    ("day", "tz", "origin"),
    [
        (dt.date(2018, 11, 4), SAO_PAULO, "2018-11-03T23:00:00-03:00"),
        (dt.date(2019, 3, 10), LOS_ANGELES, "2019-03-09T23:00:00-08:00"),
        (dt.date(2019, 11, 3), LOS_ANGELES, "2019-11-03T01:00:00-07:00"),
    ],
)
def test_origin_is_twelve_hours_before_noon_on_clock_changes(
    day: dt.date, tz: ZoneInfo, origin: str
) -> None:
    found = service_day_origin(day, tz)
    assert found.isoformat() == origin
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
    assert noon.timestamp() - found.timestamp() == 12 * 3600


@pytest.mark.parametrize("seconds", [0, 3600, 7200, 12 * 3600, 25 * 3600])
def test_seconds_and_datetimes_round_trip_across_the_change(seconds: int) -> None:
    day = dt.date(2019, 3, 10)
    moment = to_datetime(day, seconds, LOS_ANGELES)
    assert to_service_seconds(moment, day, LOS_ANGELES) == seconds
    origin = service_day_origin(day, LOS_ANGELES)
    assert moment.timestamp() - origin.timestamp() == seconds


def test_noon_is_12_h_whatever_the_offset_the_moment_carries() -> None:
    day = dt.date(2018, 11, 4)
    noon_local = dt.datetime(2018, 11, 4, 12, tzinfo=SAO_PAULO)
    assert to_service_seconds(noon_local, day, SAO_PAULO) == 12 * 3600
    assert to_service_seconds(noon_local.astimezone(dt.UTC), day, SAO_PAULO) == 12 * 3600
