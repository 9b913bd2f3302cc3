"""The shipped regions built from the real data (slow: real feeds and OSM extracts)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.cli import main
from hub.settings import REPO_ROOT, Settings

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
pytestmark = pytest.mark.slow


async def test_porto_alegre_served_from_the_cache(
    aiohttp_client: Client, porto_alegre_cache: Path, data_dir: Path
) -> None:
    settings = Settings(
        region="porto-alegre", cache_dir=porto_alegre_cache, data_dir=data_dir, reload_check_s=0
    )
    client = await aiohttp_client(create_app(settings))
    health = await (await client.get("/health")).json()
    assert health["serving"] == "region porto-alegre"
    assert health["now"] == "2019-05-14T14:00:00-03:00"  # the region's demo date
    assert health["network"]["feeds"] == ["eptc", "trensurb"] and health["network"]["streets"]
    assert health["reload"]["state"] == "ok"

    feeds = {f["id"]: f for f in (await (await client.get("/api/v1/feeds")).json())["feeds"]}
    # Counts of SOURCES.md: EPTC 3986 stops, 115 routes, 2374 trips; Trensurb 24 stations.
    assert feeds["eptc"]["counts"] == {"agencies": 1, "stops": 3986, "routes": 115, "trips": 2374}
    assert feeds["trensurb"]["counts"]["stops"] == 24
    assert feeds["trensurb"]["counts"]["trips"] == 1248
    assert feeds["eptc"]["service_window"]["start_date"] == "2019-04-15"
    assert feeds["eptc"]["authority"].startswith("EPTC")


def test_cached_region_is_reused_by_hub_build(
    porto_alegre_cache: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_CACHE_DIR", str(porto_alegre_cache))
    monkeypatch.setenv("HUB_DATA_DIR", str(data_dir))
    assert main(["build"]) == 0
    assert "up to date" in capsys.readouterr().err
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["cross_feed_transfers"] > 0 and info["connections"] > 0


@pytest.mark.parametrize("region", ["bay-area", "caltrain-2023", "sao-paulo", "seattle"])
def test_other_shipped_regions_build(
    region: str,
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HUB_REGIONS_DIR", str(REPO_ROOT / "config" / "regions"))
    code = main(["build", "--region", region])
    built = capsys.readouterr()
    assert code == 0, built.err
    assert "saved to" in built.out
    assert main(["info", "--region", region, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["trips"] > 0 and info["connections"] > 0
