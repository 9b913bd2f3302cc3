"""Polling a realtime URL that misbehaves (a real aiohttp server on loopback); files replayed."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from google.transit import gtfs_realtime_pb2 as rt

from alerts.fetch import FetchLimits
from alerts.poller import SourcePoller
from alerts.sources import RealtimeSource

Server = Callable[..., Awaitable[TestServer]]
NOW = 1_700_000_000.0
LIMITS = FetchLimits(deadline_s=0.6, connect_s=0.3, max_bytes=64 * 1024)


def feed_bytes(stamp: int = int(NOW), entities: int = 1) -> bytes:
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = stamp
    for i in range(entities):
        entity = message.entity.add(id=f"e{i}")
        entity.trip_update.trip.trip_id = f"T{i}"
    return message.SerializeToString()


async def _good(request: web.Request) -> web.StreamResponse:
    if request.headers.get("If-None-Match") == '"v1"':
        return web.Response(status=304)
    return web.Response(body=feed_bytes(), headers={"ETag": '"v1"'})


async def _hang(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(30)
    return web.Response(body=feed_bytes())


async def _trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    await response.prepare(request)
    for _ in range(100):
        await response.write(b"\x0a")
        await asyncio.sleep(0.1)
    return response


async def _huge_chunked(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(20):
        await response.write(b"\x00" * 16384)
    return response


def _fixed(**kwargs: Any) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(**kwargs)

    return handler


HANDLERS = {
    "good": _good,
    "hang": _hang,
    "trickle": _trickle,
    "huge_chunked": _huge_chunked,
    "html": _fixed(text="<html><body>503 maintenance</body></html>", content_type="text/html"),
    "html_as_binary": _fixed(body=b"<!DOCTYPE html><html></html>"),
    "garbage": _fixed(body=b"\xff\xfe\x00garbage\x01\x02" * 10),
    "huge": _fixed(body=b"\x00" * (LIMITS.max_bytes * 4)),
    "error": _fixed(status=500),
}


def make_app(behaviour: dict[str, Any]) -> web.Application:
    async def feed(request: web.Request) -> web.StreamResponse:
        behaviour["requests"].append(dict(request.headers))
        return await HANDLERS[behaviour["mode"]](request)

    app = web.Application()
    app.router.add_get("/feed.pb", feed)
    return app


@pytest.fixture
async def served(aiohttp_server: Server) -> tuple[str, dict[str, Any]]:
    behaviour: dict[str, Any] = {"mode": "good", "requests": []}
    server = await aiohttp_server(make_app(behaviour))
    return str(server.make_url("/feed.pb")), behaviour


async def test_good_then_conditional_poll_is_not_modified(
    served: tuple[str, dict[str, Any]],
) -> None:
    url, behaviour = served
    poller = SourcePoller(RealtimeSource("f", "trip_updates", url=url), lambda: NOW, LIMITS)
    async with aiohttp.ClientSession() as session:
        first = await poller.poll(session)
        second = await poller.poll(session)
    assert first.body == feed_bytes() and first.header_timestamp == int(NOW)
    assert behaviour["requests"][1]["If-None-Match"] == '"v1"'
    assert second.not_modified == 1 and second.body == first.body and second.failures == 0


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("hang", "timeout"),
        ("trickle", "timeout"),
        ("html", "html"),
        ("html_as_binary", "html"),
        ("garbage", "unparseable"),
        ("huge", "too_large"),
        ("huge_chunked", "too_large"),
        ("error", "http_status"),
    ],
)
async def test_a_bad_poll_ends_in_time_and_keeps_the_previous_body(
    served: tuple[str, dict[str, Any]], mode: str, kind: str
) -> None:
    url, behaviour = served
    poller = SourcePoller(RealtimeSource("f", "trip_updates", url=url), lambda: NOW, LIMITS)
    async with aiohttp.ClientSession() as session:
        good = await poller.poll(session)
        behaviour["mode"] = mode
        started = time.monotonic()
        bad = await poller.poll(session)
        elapsed = time.monotonic() - started
    assert elapsed < LIMITS.deadline_s + 0.5
    assert bad.last_error is not None and bad.last_error.startswith(kind), bad.last_error
    assert bad.body == good.body and bad.failures == 1
    assert poller.next_delay() >= poller.interval_s / 2


async def test_backoff_grows_and_resets_on_success(served: tuple[str, dict[str, Any]]) -> None:
    url, behaviour = served
    behaviour["mode"] = "error"
    poller = SourcePoller(
        RealtimeSource("f", "trip_updates", url=url), lambda: NOW, LIMITS, interval_s=1.0
    )
    ceilings = []
    async with aiohttp.ClientSession() as session:
        for _ in range(5):
            await poller.poll(session)
            ceilings.append(poller.next_delay())
        behaviour["mode"] = "good"
        await poller.poll(session)
    assert ceilings[-1] > 2 * ceilings[0]
    assert all(0.5 <= c <= 300 for c in ceilings)
    assert poller.next_delay() == 1.0 and poller.state.failures == 0


async def test_unreachable_url_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    source = RealtimeSource("f", "alerts", url=f"http://127.0.0.1:{closed_port}/x.pb")
    poller = SourcePoller(source, lambda: NOW, LIMITS)
    async with aiohttp.ClientSession() as session:
        state = await poller.poll(session)
    assert state.body is None and state.last_error and state.last_error.startswith("connection")


async def test_a_capture_file_is_replayed_and_reread_only_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "tu.pb"
    path.write_bytes(feed_bytes(entities=2))
    poller = SourcePoller(RealtimeSource("f", "trip_updates", path=path), lambda: NOW, LIMITS)
    first = await poller.poll(None)
    again = await poller.poll(None)
    path.write_bytes(b"not a feed \xff\xff")
    broken = await poller.poll(None)
    assert first.body == feed_bytes(entities=2) and again.not_modified == 1
    assert broken.body == first.body and broken.last_error and "unparseable" in broken.last_error


async def test_a_missing_capture_file_is_an_error(tmp_path: Path) -> None:
    poller = SourcePoller(
        RealtimeSource("f", "alerts", path=tmp_path / "missing.pb"), lambda: NOW, LIMITS
    )
    state = await poller.poll(None)
    assert state.body is None and state.last_error and state.last_error.startswith("io")
