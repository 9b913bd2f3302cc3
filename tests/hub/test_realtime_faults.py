"""A live realtime URL that misbehaves: polls end in time, the snapshot stays, /health says why."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from google.transit import gtfs_realtime_pb2 as rt

from hub.app import create_app
from hub.reload import DirectorySource
from hub.settings import Settings
from tests.hub.conftest import build_tiny, tiny_feed

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
Server = Callable[..., Awaitable[TestServer]]
DEADLINE_S = 0.5
MAX_BYTES = 64 * 1024


def alerts_feed() -> bytes:
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = int(time.time())
    entity = message.entity.add(id="works")
    entity.alert.informed_entity.add(route_id="R1")
    entity.alert.effect = rt.Alert.DETOUR
    entity.alert.header_text.translation.add(text="Works on line 1", language="en")
    return message.SerializeToString()


async def _trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    for _ in range(50):
        await response.write(b"\x0a")
        await asyncio.sleep(0.1)
    return response


async def _hang(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(60)
    return web.Response()


MODES: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {
    "hang": _hang,
    "trickle": _trickle,
}
BODIES = {
    "html": ("<html><body>Service Unavailable</body></html>", "text/html"),
    "garbage": (b"\x08\x96\x01garbage" * 20, "application/octet-stream"),
    "huge": (b"\x00" * (MAX_BYTES * 3), "application/octet-stream"),
}


@pytest.fixture
async def live_feed(aiohttp_server: Server) -> tuple[str, dict[str, str]]:
    behaviour = {"mode": "good"}

    async def feed(request: web.Request) -> web.StreamResponse:
        mode = behaviour["mode"]
        if mode == "good":
            return web.Response(body=alerts_feed(), content_type="application/x-protobuf")
        if mode in MODES:
            return await MODES[mode](request)
        body, content_type = BODIES[mode]
        if isinstance(body, str):
            return web.Response(text=body, content_type=content_type)
        return web.Response(body=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/alerts.pb", feed)
    server = await aiohttp_server(app)
    return str(server.make_url("/alerts.pb")), behaviour


@pytest.fixture
def region_with_url(tmp_path: Path, live_feed: tuple[str, dict[str, str]]) -> tuple[Path, Settings]:
    url, _ = live_feed
    zip_path = tiny_feed(tmp_path / "tiny")
    network_dir = tmp_path / "net"
    build_tiny({"tiny": zip_path}, network_dir)
    regions = tmp_path / "regions"
    regions.mkdir()
    (regions / "live.toml").write_text(
        f'title = "Live"\n[[feeds]]\nid = "tiny"\nauthority = "Tiny"\npath = "{zip_path.name}"\n'
        f'[[feeds.realtime]]\nkind = "alerts"\nurl = "{url}"\n'
    )
    settings = Settings(
        region="live",
        regions_dir=regions,
        data_dir=zip_path.parent,
        cache_dir=tmp_path / "cache",
        now="real",
        reload_check_s=0,
        realtime_poll_s=0.2,
        realtime_deadline_s=DEADLINE_S,
        realtime_max_mb=MAX_BYTES / (1024 * 1024),
        api_rate_per_min=0,
    )
    return network_dir, settings


async def realtime_health(client: TestClient[Any, Any]) -> dict[str, Any]:
    body = await (await client.get("/health")).json()
    return dict(body["realtime"])


async def test_a_failing_url_keeps_the_last_snapshot_and_reports(
    aiohttp_client: Client,
    region_with_url: tuple[Path, Settings],
    live_feed: tuple[str, dict[str, str]],
) -> None:
    network_dir, settings = region_with_url
    _, behaviour = live_feed
    client = await aiohttp_client(create_app(settings, source=DirectorySource(network_dir)))
    first = await realtime_health(client)
    assert first["status"] == "applied" and first["alerts"] == 1
    (feed,) = first["feeds"]
    assert feed["last_error"] is None and feed["location"].startswith("http://127.0.0.1")
    for mode, kind in [
        ("hang", "timeout"),
        ("trickle", "timeout"),
        ("html", "html"),
        ("garbage", "unparseable"),
        ("huge", "too_large"),
    ]:
        behaviour["mode"] = mode
        started = time.monotonic()
        async with asyncio.timeout(DEADLINE_S + 3):
            while True:
                health = await realtime_health(client)
                (feed,) = health["feeds"]
                error = feed["last_error"] or ""
                if error.startswith(kind) and feed["consecutive_failures"] >= 1:
                    break
                await asyncio.sleep(0.05)
        assert time.monotonic() - started < DEADLINE_S + 3
        assert health["status"] == "applied" and health["alerts"] == 1, mode
        assert feed["age_s"] is not None and feed["age_s"] < 60 and not feed["stale"]
        listed = await (await client.get("/api/v1/alerts")).json()
        assert [a["header"] for a in listed["alerts"]] == ["Works on line 1"]
        behaviour["mode"] = "good"
        async with asyncio.timeout(5):
            while (await realtime_health(client))["feeds"][0]["consecutive_failures"]:
                await asyncio.sleep(0.05)


async def test_realtime_older_than_the_limit_is_dropped_and_said_stale(
    aiohttp_client: Client,
    region_with_url: tuple[Path, Settings],
    live_feed: tuple[str, dict[str, str]],
) -> None:
    network_dir, settings = region_with_url
    _, behaviour = live_feed
    settings = settings.model_copy(update={"realtime_max_age_s": 1.0})
    client = await aiohttp_client(create_app(settings, source=DirectorySource(network_dir)))
    assert (await realtime_health(client))["status"] == "applied"
    behaviour["mode"] = "hang"
    async with asyncio.timeout(6):
        while (await realtime_health(client))["status"] != "stale":
            await asyncio.sleep(0.1)
    health = await realtime_health(client)
    assert health["feeds"][0]["stale"] and health["alerts"] == 0
    listed = await (await client.get("/api/v1/alerts")).json()
    assert listed == {"realtime_status": "stale", "alerts": []}
