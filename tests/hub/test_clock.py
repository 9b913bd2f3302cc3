from __future__ import annotations

import datetime as dt

import pytest

from hub.clock import FixedClock, SystemClock, choose_clock

BRT = dt.timezone(dt.timedelta(hours=-3))
DEMO = dt.datetime(2019, 5, 14, 14, 0, tzinfo=BRT)


def test_hub_now_wins_over_the_demo_date() -> None:
    fixed = dt.datetime(2019, 5, 15, 8, 0, tzinfo=BRT)
    clock = choose_clock(fixed, DEMO)
    assert clock.fixed and clock.now() == fixed


def test_demo_date_when_hub_now_unset() -> None:
    clock = choose_clock(None, DEMO)
    assert isinstance(clock, FixedClock) and clock.now() == DEMO


def test_real_time_without_either_or_when_asked() -> None:
    for clock in (choose_clock(None, None), choose_clock("real", DEMO)):
        assert isinstance(clock, SystemClock) and not clock.fixed
        before = dt.datetime.now(dt.UTC)
        now = clock.now()
        assert now.tzinfo is not None
        assert abs((now - before).total_seconds()) < 5


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(dt.datetime(2019, 5, 14, 14, 0))
