"""Subscriptions over HTTP (bay-area replay): tokens, expiry, SSE replay, webhooks, commutes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from alerts.subscriptions import Watch
from hub.app import create_app
from hub.realtime import REALTIME
from hub.reload import DirectorySource
from tests.alerts.test_webhooks import verify
from tests.hub.test_realtime import BART_ALERT, TOKEN, bay_settings, manual_body

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
Server = Callable[..., Awaitable[TestServer]]
OPERATOR = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def bay(aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path) -> TestClient[Any, Any]:
    app = create_app(bay_settings(tmp_path), source=DirectorySource(bay_area_dir))
    return await aiohttp_client(app)


async def subscribe(client: TestClient[Any, Any], **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/subscriptions", json=body)
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def read_event(response: ClientResponse, timeout_s: float = 5.0) -> dict[str, Any]:
    """The next SSE event (comments skipped) as {"id", "event", "data"}."""
    event: dict[str, Any] = {}
    async with asyncio.timeout(timeout_s):
        while True:
            line = (await response.content.readline()).decode().rstrip("\n")
            if not line:
                if "data" in event:
                    event["data"] = json.loads(event["data"])
                    return event
                continue
            if line.startswith((":", "retry:")):
                continue
            name, _, value = line.partition(": ")
            event[name] = value


async def post_alert(client: TestClient[Any, Any], **changes: Any) -> str:
    response = await client.post("/api/v1/alerts", json=manual_body(**changes), headers=OPERATOR)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def test_create_read_renew_delete_with_the_token(bay: TestClient[Any, Any]) -> None:
    created = await subscribe(bay, lines=["bart:1"], stops=["bart:MONT"], expires_in_days=2)
    sid, token = created["id"], created["token"]
    assert "webhook_secret" not in created and created["watch"]["routes"] == ["bart:1"]
    assert (
        created["watch"]["agencies"] == ["bart:BART"] and "bart:MONT" in created["watch"]["stops"]
    )
    url = f"/api/v1/subscriptions/{sid}"
    assert (await bay.get(url)).status == 401
    assert (await bay.get(url, params={"token": "wrong"})).status == 404
    read = await (await bay.get(url, headers={"Authorization": f"Bearer {token}"})).json()
    assert read["expires_at"] == created["expires_at"] and "token" not in read
    renewed = await bay.patch(url, params={"token": token}, json={"expires_in_days": 20})
    assert renewed.status == 200 and (await renewed.json())["expires_at"] > created["expires_at"]
    changed = await bay.patch(url, params={"token": token}, json={"lines": ["bart:3"]})
    assert (await changed.json())["watch"]["routes"] == ["bart:3"]
    too_long = await bay.patch(url, params={"token": token}, json={"expires_in_days": 3000})
    assert too_long.status == 400
    assert (await bay.delete(url, params={"token": token})).status == 204
    assert (await bay.get(url, params={"token": token})).status == 404


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({}, 400, "body"),
        ({"lines": ["bart:NOPE"]}, 422, "lines[0]"),
        ({"stops": ["nope"]}, 400, "stops.0"),
        ({"lines": ["bart:1"], "webhook_url": "http://10.0.0.1/x"}, 400, "webhook_url"),
        ({"lines": ["bart:1"], "surprise": 1}, 400, "surprise"),
    ],
)
async def test_bad_subscriptions_name_the_field(
    aiohttp_client: Client,
    bay_area_dir: Path,
    tmp_path: Path,
    body: dict[str, Any],
    status: int,
    param: str,
) -> None:
    settings = bay_settings(tmp_path, webhook_allow_private=False)
    client = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))
    response = await client.post("/api/v1/subscriptions", json=body)
    assert response.status == status
    problem = await response.json()
    assert problem["invalid_params"][0]["name"] == param


async def test_sse_replays_exactly_what_was_missed(bay: TestClient[Any, Any]) -> None:
    created = await subscribe(bay, lines=["bart:1"], stops=["bart:MONT"], lang="fr")
    events_url = f"/api/v1/subscriptions/{created['id']}/events"
    stream = await bay.get(events_url, params={"token": created["token"], "last_event_id": "0"})
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    welcome = await read_event(stream)
    assert welcome["data"]["alert"]["id"] == BART_ALERT  # active already: sent on creation
    first = await post_alert(bay, informed_entities=[{"route_id": "1"}])
    got = await read_event(stream)
    assert (
        got["data"]["alert"]["id"] == first and got["data"]["alert"]["header"] == "Station fermée"
    )
    stream.close()
    await post_alert(bay, informed_entities=[{"route_id": "3"}])  # not watched
    missed = await post_alert(bay, informed_entities=[{"stop_id": "MONT"}])
    await asyncio.sleep(0.3)
    again = await bay.get(
        events_url, params={"token": created["token"]}, headers={"Last-Event-ID": got["id"]}
    )
    replayed = await read_event(again)
    assert replayed["data"]["alert"]["id"] == missed and replayed["id"] > got["id"]
    with pytest.raises(TimeoutError):
        await read_event(again, timeout_s=0.5)
    again.close()


async def test_an_event_stream_outlives_the_request_deadline(
    aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path
) -> None:
    settings = bay_settings(tmp_path, request_deadline_s=0.5)
    client = await aiohttp_client(create_app(settings, source=DirectorySource(bay_area_dir)))
    created = await subscribe(client, lines=["bart:1"])
    stream = await client.get(
        f"/api/v1/subscriptions/{created['id']}/events", params={"token": created["token"]}
    )
    await asyncio.sleep(1.0)
    posted = await post_alert(client, informed_entities=[{"route_id": "1"}])
    try:
        assert (await read_event(stream, timeout_s=2.0))["data"]["alert"]["id"] == posted
    finally:
        stream.close()


async def test_open_event_streams_end_when_the_hub_shuts_down(
    bay_area_dir: Path, tmp_path: Path
) -> None:
    """A waiting stream held the shutdown for aiohttp's minute, then died mid-request."""
    server = TestServer(create_app(bay_settings(tmp_path), source=DirectorySource(bay_area_dir)))
    async with TestClient(server) as client:
        created = await subscribe(client, lines=["bart:1"])
        streams = [
            await client.get(
                f"/api/v1/subscriptions/{created['id']}/events", params={"token": created["token"]}
            )
            for _ in range(2)
        ]
        for stream in streams:
            assert (await stream.content.readline()).startswith(b"retry:")
        await asyncio.sleep(0.1)  # both waiting for an event
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(10):
            await server.close()
            rest = [await stream.content.read() for stream in streams]
        assert loop.time() - started < 2.0  # not RECHECK_S, let alone aiohttp's minute
        assert rest == [b": subscribed\n\n"] * 2  # the body ended cleanly after its preamble


@pytest.fixture
async def hooks(aiohttp_server: Server) -> tuple[str, list[tuple[dict[str, str], bytes]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    return str(server.make_url("/hook")), received


async def test_webhook_is_signed_with_the_subscription_secret(
    bay: TestClient[Any, Any], hooks: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = hooks
    created = await subscribe(bay, stops=["bart:EMBR"], webhook_url=url)
    secret = created["webhook_secret"]
    assert secret.startswith("whsec_")
    alert_id = await post_alert(bay, informed_entities=[{"stop_id": "EMBR"}])
    async with asyncio.timeout(5):
        while not received:
            await asyncio.sleep(0.05)
    headers, body = received[0]
    assert verify(secret, {k.lower(): v for k, v in headers.items()}, body)
    message = json.loads(body)
    assert message["alert"]["id"] == alert_id and message["subscription"] == created["id"]


async def test_a_disrupted_commute_gets_its_leg_and_an_alternative(
    bay: TestClient[Any, Any],
) -> None:
    commute = {
        "origin": "bart:MONT",
        "destination": "bart:19TH",
        "weekdays": ["wed"],
        "window": {"kind": "depart", "start": "10:50", "end": "11:10"},
    }
    created = await subscribe(bay, commute=commute)
    (leg, *_) = created["commute_legs"]
    assert leg["from_stop"] == "bart:MONT" and leg["to_stop"] == "bart:19TH"
    stream = await bay.get(
        f"/api/v1/subscriptions/{created['id']}/events",
        params={"token": created["token"], "last_event_id": "0"},
    )
    # the alert active already, and one for each train it usually takes (both leave Montgomery
    # late in the trip updates); in no promised order: the welcome and a refresh publishing
    # the commute's disruptions at the same moment may interleave (each is logged once)
    legs = created["commute_legs"]
    first = [(await read_event(stream))["data"] for _ in range(1 + len(legs))]
    assert [x["alert"]["id"] for x in first].count(BART_ALERT) == 1
    late = [x for x in first if x["alert"]["id"] != BART_ALERT]
    assert {x["alert"]["source"] for x in late} == {"trip_update"}
    assert sorted(json.dumps(x["affected_legs"], sort_keys=True) for x in late) == sorted(
        json.dumps([x], sort_keys=True) for x in legs
    )
    route = leg["route_id"].split(":", 1)[1]
    alert_id = await post_alert(bay, informed_entities=[{"route_id": route}])
    event = (await read_event(stream, timeout_s=10))["data"]
    assert event["alert"]["id"] == alert_id
    assert {x["route_id"] for x in event["affected_legs"]} == {leg["route_id"]}
    alternative = event["alternative"]
    assert alternative is not None
    rides = [x for x in alternative["legs"] if x["transit"]]
    assert rides and all(x["route"]["id"] != leg["route_id"] for x in rides)
    stream.close()


async def test_commutes_planned_on_another_network_are_planned_again(
    bay: TestClient[Any, Any],
) -> None:
    commute = {
        "origin": "bart:MONT",
        "destination": "bart:19TH",
        "weekdays": ["wed"],
        "window": {"kind": "arrive", "start": "11:00", "end": "11:30"},
    }
    created = await subscribe(bay, commute=commute, lines=["bart:3"])
    service = bay.app[REALTIME]
    stored = await service.subscriptions.get(created["id"], service.now())
    assert stored is not None and stored.network_version == service.reloader.served.network.version
    # as if planned on a network since replaced (a reload swaps the network whole)
    await service.subscriptions.put(
        stored.model_copy(update={"network_version": "old", "commute_legs": [], "watch": Watch()})
    )
    assert await service.commutes.replan_all() == 1
    again = await service.subscriptions.get(created["id"], service.now())
    assert again is not None and again.network_version == service.reloader.served.network.version
    assert again.commute_legs and "bart:3" in again.watch.routes
    assert again.watch.routes >= {leg.route_id for leg in again.commute_legs}
    assert await service.commutes.replan_all() == 0
