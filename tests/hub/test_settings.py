from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.settings import REPO_ROOT, Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("HUB_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_defaults_are_anchored_at_the_repository(clean_env: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert s.data_dir == REPO_ROOT.parent / "shared" / "data"
    assert s.cache_dir == REPO_ROOT / ".cache" / "networks"
    assert s.regions_dir == REPO_ROOT / "config" / "regions"
    assert (s.host, s.port, s.region) == ("127.0.0.1", 8080, "porto-alegre")
    assert s.now is None and s.fixed_now is None and s.redis_url is None


def test_environment_variables_override(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("HUB_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("HUB_CACHE_DIR", str(tmp_path / "cache"))
    clean_env.setenv("HUB_NOW", "2019-05-14T09:30:00-03:00")
    clean_env.setenv("HUB_REDIS_URL", "redis://127.0.0.1:6379/0")
    clean_env.setenv("HUB_HOST", "0.0.0.0")
    clean_env.setenv("HUB_PORT", "9090")
    clean_env.setenv("HUB_REGION", "bay-area")
    s = Settings()
    assert s.data_dir == tmp_path / "data"
    assert s.region_cache_dir("bay-area") == tmp_path / "cache" / "bay-area"
    tz = dt.timezone(dt.timedelta(hours=-3))
    assert s.fixed_now == dt.datetime(2019, 5, 14, 9, 30, tzinfo=tz)
    assert (s.redis_url, s.host, s.port, s.region) == (
        "redis://127.0.0.1:6379/0",
        "0.0.0.0",
        9090,
        "bay-area",
    )
    assert s.pidfile() == tmp_path / "cache" / "serve-9090.pid"


def test_blank_values_mean_unset(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HUB_NOW", "")
    clean_env.setenv("HUB_REDIS_URL", " ")
    s = Settings()
    assert s.now is None and s.redis_url is None


def test_now_real_forces_the_system_clock(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HUB_NOW", "real")
    s = Settings()
    assert s.now == "real" and s.fixed_now is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HUB_NOW", "2019-05-14T14:00:00"),  # no offset: ambiguous, refused
        ("HUB_NOW", "tomorrow"),
        ("HUB_PORT", "70000"),
        ("HUB_LOG_FORMAT", "xml"),
    ],
)
def test_invalid_values_are_refused(clean_env: pytest.MonkeyPatch, key: str, value: str) -> None:
    clean_env.setenv(key, value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert key.removeprefix("HUB_").lower() in str(err.value)
