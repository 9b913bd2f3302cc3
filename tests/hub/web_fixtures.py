"""Fixtures of the web tests: the tiny network served with one employer whose page is local."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.settings import Settings
from tests.hub.conftest import build_tiny, tiny_feed

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
SECRET = "a widget secret for the tests, 32+"
SHOP_ORIGIN = "http://127.0.0.1:8123"
SHOP = f"""
name = "Corner <Shop> & Co"
language = "fr"
modes = ["walk", "transit"]
allowed_origins = ["{SHOP_ORIGIN}", "https://shop.example"]

[branding]
accent = "#112233"

[[sites]]
id = "front"
label = "Front \\"door\\""
lat = -30.03
lon = -51.23
shift_start = 15:00:00

[[sites]]
id = "depot"
label = "Depot"
stop = "tiny:S2"
shift_start = 08:00:00
"""


@pytest.fixture(scope="module")
def network_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web")
    directory = root / "net"
    build_tiny({"tiny": tiny_feed(root / "tiny")}, directory)
    return directory


@pytest.fixture
def employers_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "employers"
    directory.mkdir()
    (directory / "shop.toml").write_text(SHOP, encoding="utf-8")
    return directory


@pytest.fixture
def settings(network_dir: Path, employers_dir: Path, tmp_path: Path) -> Settings:
    return Settings(
        network_dir=network_dir,
        cache_dir=tmp_path / "cache",
        employers_dir=employers_dir,
        widget_secret=SECRET,
        now="2019-05-14T14:00:00-03:00",
        reload_check_s=0,
        tiles_url="https://tiles.example/{z}/{x}/{y}.png",
    )
