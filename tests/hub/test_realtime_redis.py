"""Realtime shared through a real Redis: one elected ingest loop, and a Redis killed mid-stream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.realtime import REALTIME
from hub.reload import DirectorySource
from routing.query import StopRef
from tests.alerts.test_redis_faults import RedisServer, free_port
from tests.hub.test_realtime import BART_ALERT, bay_settings, delayed_query
from tests.hub.test_subscriptions import OPERATOR, read_event, subscribe

pytestmark = pytest.mark.redis
Client = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test alone, deleted afterwards from the shared Redis."""
    name = f"test:{uuid.uuid4().hex}:"
    yield name
    client = redis.Redis(port=6379)
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


async def wait_until(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await check():
            await asyncio.sleep(0.05)


async def test_two_workers_share_one_ingest_loop_and_the_subscriptions(
    prefix: str, aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path
) -> None:
    settings = bay_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0", redis_prefix=prefix)
    a = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))
    b = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))

    async def both_applied() -> bool:
        health = [(await (await c.get("/health")).json())["realtime"] for c in (a, b)]
        return all(h["status"] == "applied" for h in health)

    await wait_until(both_applied)
    roles = sorted([(await (await c.get("/health")).json())["realtime"]["role"] for c in (a, b)])
    assert roles == ["follower", "leader"]
    polls = [
        sum(f["polls"] for f in (await (await c.get("/health")).json())["realtime"]["feeds"])
        for c in (a, b)
    ]
    assert polls[0] == polls[1], "the follower shows the leader's polls: sources are polled once"
    created = await subscribe(a, lines=["bart:1"])
    stream = await b.get(
        f"/api/v1/subscriptions/{created['id']}/events",
        params={"token": created["token"], "last_event_id": "0"},
    )
    assert (await read_event(stream))["data"]["alert"]["id"] == BART_ALERT
    body = {
        "feed": "bart",
        "effect": "REDUCED_SERVICE",
        "header": {"en": "Fewer trains"},
        "active_periods": [{"start": "2019-08-07T10:00:00-07:00"}],
        "informed_entities": [{"route_id": "1"}],
    }
    posted = await (await b.post("/api/v1/alerts", json=body, headers=OPERATOR)).json()
    assert (await read_event(stream))["data"]["alert"]["id"] == posted["id"]

    async def listed_on_a() -> bool:
        body = await (await a.get("/api/v1/alerts", params={"route": "bart:1"})).json()
        return [x["id"] for x in body["alerts"]] == [posted["id"]]

    await wait_until(listed_on_a)  # a manual alert reaches every worker
    stream.close()
    for client in (a, b):
        await client.close()  # before the prefix's keys are deleted


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    args = ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path)]
    server = RedisServer(free_port(), [*args, "--daemonize", "no"])
    server.start()
    yield server
    if server.process is not None:
        server.kill()


async def collect(stream: ClientResponse, received: list[dict[str, Any]]) -> None:
    while True:
        received.append(await read_event(stream, timeout_s=120))


async def test_redis_killed_and_restarted_mid_stream(
    aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path, durable_redis: RedisServer
) -> None:
    settings = bay_settings(tmp_path, redis_url=durable_redis.url, redis_prefix="hub:")
    client = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))
    service = client.app[REALTIME]
    await wait_until(lambda: _applied(client))
    created = await subscribe(client, lines=["bart:1"])
    stream = await client.get(
        f"/api/v1/subscriptions/{created['id']}/events",
        params={"token": created["token"], "last_event_id": "0"},
    )
    received: list[dict[str, Any]] = []
    reader = asyncio.create_task(collect(stream, received))
    query = delayed_query(service.reloader.served.network, service.snapshot.overlay)
    origin, destination = query.origin, query.destination
    assert isinstance(origin, StopRef) and isinstance(destination, StopRef)
    plan_params = {"from": origin.stop_id, "to": destination.stop_id,
                   "depart": query.time.isoformat()}  # fmt: skip
    published: list[str] = []
    refused = 0
    restart: asyncio.Task[None] | None = None
    for n in range(24):
        if n == 8:
            durable_redis.kill()
            restart = asyncio.create_task(_restart_later(durable_redis, 2.0))
        alert_id, failures = await _publish_until_accepted(client, n)
        published.append(alert_id)
        refused += failures
        journey = await client.get("/api/v1/plan", params=plan_params)
        assert journey.status == 200, "journeys keep answering whatever Redis does"
        assert (await journey.json())["itineraries"]
    assert restart is not None
    await restart
    assert refused > 0, "the outage was seen"
    await wait_until(lambda: _all_in(received, published), timeout_s=90)
    reader.cancel()
    stream.close()
    ids = [event["data"]["alert"]["id"] for event in received]
    missing = set(published) - set(ids)
    assert missing == set()
    assert len(ids) == len(set(ids)) or all(
        a["id"] == b["id"]
        for a, b in zip(received, received[1:], strict=False)
        if a["data"] == b["data"]
    )
    assert service.bus.connection_failures > 0


async def _restart_later(server: RedisServer, delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    await asyncio.to_thread(server.start)


async def _applied(client: TestClient[Any, Any]) -> bool:
    return bool((await (await client.get("/health")).json())["realtime"]["status"] == "applied")


async def _all_in(received: list[dict[str, Any]], published: list[str]) -> bool:
    return set(published) <= {event["data"]["alert"]["id"] for event in received}


async def _publish_until_accepted(client: TestClient[Any, Any], n: int) -> tuple[str, int]:
    body = {
        "feed": "bart",
        "effect": "REDUCED_SERVICE",
        "header": {"en": f"Message {n}"},
        "active_periods": [{"start": "2019-08-07T10:00:00-07:00"}],
        "informed_entities": [{"route_id": "1"}],
    }
    failures = 0
    while True:
        response = await client.post("/api/v1/alerts", json=body, headers=OPERATOR)
        if response.status == 201:
            return str((await response.json())["id"]), failures
        assert response.status == 503, await response.text()
        failures += 1
        await asyncio.sleep(0.1)


async def test_subscriptions_survive_a_hub_restart(
    prefix: str, aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path
) -> None:
    settings = bay_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0", redis_prefix=prefix)
    first = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))
    await wait_until(lambda: _applied(first))  # the BART alert is active: sent on creation
    created = await subscribe(first, lines=["bart:1"])
    await first.close()
    second = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))
    url = f"/api/v1/subscriptions/{created['id']}"
    read = await second.get(url, params={"token": created["token"]})
    assert read.status == 200 and (await read.json())["spec"]["lines"] == ["bart:1"]
    events = await second.get(
        url + "/events", params={"token": created["token"], "last_event_id": "0"}
    )
    assert (await read_event(events))["data"]["alert"]["id"] == BART_ALERT  # its log survived
    events.close()
    await second.close()  # before the prefix's keys are deleted
