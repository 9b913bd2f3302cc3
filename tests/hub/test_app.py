from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.settings import Settings
from tests.hub.conftest import build_tiny, tiny_feed

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
PROBLEM = "application/problem+json"


@pytest.fixture
def network_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "net"
    build_tiny({"tiny": tiny_feed(tmp_path / "tiny")}, directory)
    return directory


@pytest.fixture
def settings(network_dir: Path, tmp_path: Path) -> Settings:
    return Settings(
        network_dir=network_dir,
        cache_dir=tmp_path / "cache",
        now="2019-05-14T14:00:00-03:00",
        reload_check_s=0,
    )


async def test_health_reports_the_served_network(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["now"] == "2019-05-14T14:00:00-03:00" and body["clock"] == "fixed"
    network = body["network"]
    assert len(network["version"]) == 64 and network["built_at"]
    assert network["feeds"] == ["tiny"]
    assert (network["stops"], network["trips"], network["streets"]) == (2, 1, False)
    assert network["directory"] == str(settings.network_dir)
    assert body["reload"]["state"] == "ok" and body["reload"]["trigger"] == "startup"


async def test_feeds_list_counts_and_service_window(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    body = await (await client.get("/api/v1/feeds")).json()
    (feed,) = body["feeds"]
    assert feed["id"] == "tiny" and feed["agencies"] == ["A"]
    assert feed["counts"] == {"agencies": 1, "stops": 2, "routes": 1, "trips": 1}
    assert feed["service_window"] == {"start_date": "2019-04-15", "end_date": "2019-07-15"}
    assert set(feed["validation"]) == {"errors", "warnings"}
    assert feed["validation"]["errors"] == 0
    one = await (await client.get("/api/v1/feeds/tiny")).json()
    assert one == feed


@pytest.mark.parametrize(
    ("method", "path", "status", "param"),
    [
        ("GET", "/api/v1/feeds/nope", 404, "feed_id"),
        ("GET", "/api/v1/feeds?colour=red", 400, "colour"),
        ("GET", "/health?verbose=1", 400, "verbose"),
        ("GET", "/no/such/page", 404, None),
        ("POST", "/health", 405, None),
    ],
)
async def test_bad_requests_are_problem_json(
    aiohttp_client: Client,
    settings: Settings,
    method: str,
    path: str,
    status: int,
    param: str | None,
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.request(method, path)
    assert response.status == status
    assert response.content_type == PROBLEM
    body = await response.json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    if param is not None:
        assert body["invalid_params"][0]["name"] == param
    if status == 405:
        assert "GET" in response.headers["Allow"].split(",")


async def test_admin_reload_swaps_in_a_rebuilt_network(
    aiohttp_client: Client, settings: Settings, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(settings))
    before = (await (await client.get("/health")).json())["network"]["version"]
    assert settings.network_dir is not None
    build_tiny({"tiny": tiny_feed(tmp_path / "v2", ("08:00:00", "09:00:00"))}, settings.network_dir)

    response = await client.post("/admin/reload")

    assert response.status == 200
    assert (await response.json())["reload"]["state"] == "ok"
    health = await (await client.get("/health")).json()
    assert health["network"]["version"] != before and health["network"]["trips"] == 2
    assert health["reload"]["trigger"] == "admin" and health["reload"]["reloads"] == 2


async def test_failed_reload_is_reported_in_health(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    before = (await (await client.get("/health")).json())["network"]["version"]
    assert settings.network_dir is not None
    (settings.network_dir / "network" / "meta.json").write_text("[]")

    body = await (await client.post("/admin/reload")).json()

    assert body["reload"]["state"] == "failed"
    health = await (await client.get("/health")).json()
    assert health["status"] == "degraded"
    assert health["network"]["version"] == before  # the old network keeps serving
    assert health["reload"]["state"] == "failed" and health["reload"]["error"]
    feeds = await client.get("/api/v1/feeds")
    assert feeds.status == 200


async def test_sighup_reloads(aiohttp_client: Client, settings: Settings) -> None:
    app = create_app(settings, handle_signals=True)
    client = await aiohttp_client(app)
    os.kill(os.getpid(), signal.SIGHUP)
    for _ in range(200):
        health = await (await client.get("/health")).json()
        if health["reload"]["reloads"] == 2 and health["reload"]["state"] != "loading":
            break
        await asyncio.sleep(0.02)
    assert health["reload"]["trigger"] == "sighup" and health["reload"]["state"] == "ok"


async def test_periodic_check_picks_up_a_rebuilt_folder(
    aiohttp_client: Client, settings: Settings, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(settings.model_copy(update={"reload_check_s": 0.05})))
    assert settings.network_dir is not None
    version = build_tiny(
        {"tiny": tiny_feed(tmp_path / "v2", ("10:00:00", "11:00:00"))}, settings.network_dir
    )
    for _ in range(200):
        health = await (await client.get("/health")).json()
        if health["network"]["version"] == version:
            break
        await asyncio.sleep(0.02)
    assert health["network"]["version"] == version
    assert health["reload"]["trigger"] == "periodic"


def test_a_region_without_its_files_does_not_start(tmp_path: Path) -> None:
    from hub.regions import MissingInputs

    settings = Settings(region="hauts-de-france", cache_dir=tmp_path, reload_check_s=0)
    with pytest.raises(MissingInputs, match="hub fetch --region hauts-de-france"):
        create_app(settings)
