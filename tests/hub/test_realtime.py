"""Realtime in the hub: the BART captures of 2019-08-07 replayed on the bay-area network."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from alerts.matching import trip_index
from hub.app import create_app
from hub.realtime import REALTIME, plan_with_realtime
from hub.reload import DirectorySource
from hub.settings import Settings
from routing.network import Network
from routing.query import Query, StopRef
from routing.timeutil import service_day_origin

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
TOKEN = "bart-operator-token"
BART_ALERT = "8f22c782c490e76dc2f0a89a"


def bay_settings(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "region": "bay-area",
        "cache_dir": tmp_path / "cache",
        "reload_check_s": 0,
        "operator_tokens": {"bart": TOKEN},
        "webhook_allow_private": True,
        "api_rate_per_min": 0,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
async def bay(aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path) -> TestClient[Any, Any]:
    app = create_app(bay_settings(tmp_path), source=DirectorySource(bay_area_dir))
    return await aiohttp_client(app)


def delayed_query(network: Network, overlay: Any) -> Query:
    """From a stop where a BART trip leaves at least 2 min late, a little before it is due."""
    index = trip_index(network)
    origin = service_day_origin(network.first_date + dt.timedelta(days=overlay.day), network.tz)
    for trip in sorted(overlay.delayed_trips):
        stops = index.pattern_stops_of(trip)
        for position in range(len(stops) - 3):
            slot = index.time_index(trip, position)
            late = int(overlay.departure[slot]) - int(network.departure[slot])
            if (
                late >= 120
                and 10 * 3600 + 45 * 60 <= int(network.departure[slot]) <= 11 * 3600 + 40 * 60
            ):
                return Query(
                    StopRef(network.stop_ids[stops[position]]),
                    StopRef(network.stop_ids[stops[position + 3]]),
                    origin + dt.timedelta(seconds=int(network.departure[slot]) - 60),
                )
    raise AssertionError("no delayed BART departure in the capture")


async def test_health_shows_each_feed_age_and_stats(bay: TestClient[Any, Any]) -> None:
    body = await (await bay.get("/health")).json()
    realtime = body["realtime"]
    assert realtime["status"] == "applied" and realtime["role"] == "single"
    assert realtime["alerts"] == 1 and realtime["delayed_trips"] > 0
    feeds = {f["source"]: f for f in realtime["feeds"]}
    assert set(feeds) == {"bart/trip_updates", "bart/alerts"}
    tu = feeds["bart/trip_updates"]
    assert tu["age_s"] == 0 and not tu["stale"] and tu["last_error"] is None
    assert (
        tu["location"].startswith("file:") and tu["header_timestamp"] == "2019-08-07T17:45:21+00:00"
    )
    stats = tu["stats"]
    assert stats["entities"] == sum(stats["ok"].values()) + sum(stats["failed"].values()) == 91


async def test_a_delayed_bart_trip_and_the_agency_alert_once(bay: TestClient[Any, Any]) -> None:
    service = bay.app[REALTIME]
    served = service.reloader.served
    query = delayed_query(served.network, service.snapshot.overlay)
    live = await asyncio.to_thread(plan_with_realtime, service, served, query, "en")
    assert live.realtime_status == "applied" and live.itineraries
    rides = [leg for it in live.itineraries for leg in it.legs if leg.transit]
    assert any(leg.realtime and leg.delay_s > 0 for leg in rides)
    for itinerary in live.itineraries:
        assert [a.id for a in itinerary.alerts] == [BART_ALERT]
        assert itinerary.alerts[0].header.startswith("There is a major delay at Montgomery")
        assert all(not leg.alerts for leg in itinerary.legs)
    timetable = plan_with_realtime(
        service, served, dataclasses.replace(query, realtime=False), "en"
    )
    assert timetable.realtime_status == "disabled"
    assert all(
        not leg.realtime and leg.delay_s == 0 for it in timetable.itineraries for leg in it.legs
    )
    assert all(not it.alerts for it in timetable.itineraries)


async def test_alerts_list_with_filters(bay: TestClient[Any, Any]) -> None:
    body = await (await bay.get("/api/v1/alerts", params={"lang": "en"})).json()
    assert body["realtime_status"] == "applied"
    (alert,) = body["alerts"]
    assert alert["id"] == BART_ALERT and alert["source"] == "feed"
    assert (alert["cause"], alert["effect"]) == ("MEDICAL_EMERGENCY", "SIGNIFICANT_DELAYS")
    assert alert["informed_entities"] == [{"agency_id": "bart:BART"}]
    assert alert["header"].startswith("There is a major delay")
    other = await (await bay.get("/api/v1/alerts", params={"feed": "caltrain"})).json()
    assert other["alerts"] == []
    by_route = await (await bay.get("/api/v1/alerts", params={"route": "bart:1"})).json()
    assert by_route["alerts"] == []  # agency-wide: it names no route
    bad = await bay.get("/api/v1/alerts", params={"active_at": "yesterday"})
    assert bad.status == 400 and (await bad.json())["invalid_params"][0]["name"] == "active_at"


def manual_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "feed": "bart",
        "cause": "MAINTENANCE",
        "effect": "NO_SERVICE",
        "header": {"fr": "Station fermée", "en": "Station closed"},
        "active_periods": [
            {"start": "2019-08-07T10:00:00-07:00", "end": "2019-08-07T20:00:00-07:00"}
        ],
        "informed_entities": [{"stop_id": "MONT"}],
    }
    body.update(changes)
    return body


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_manual_alert_lifecycle(bay: TestClient[Any, Any]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert (await bay.post("/api/v1/alerts", json=manual_body())).status == 401
    wrong = await bay.post(
        "/api/v1/alerts", json=manual_body(), headers={"Authorization": "Bearer x"}
    )
    assert wrong.status == 403
    unknown = await bay.post(
        "/api/v1/alerts", json=manual_body(informed_entities=[{"stop_id": "NOPE"}]), headers=auth
    )
    assert unknown.status == 422
    assert (await unknown.json())["invalid_params"][0]["name"] == "informed_entities[0].stop_id"
    created = await bay.post("/api/v1/alerts", json=manual_body(), headers=auth)
    assert created.status == 201
    alert = await created.json()
    assert alert["source"] == "manual" and alert["informed_entities"] == [{"stop_id": "bart:MONT"}]

    async def listed() -> set[str]:
        body = await (
            await bay.get("/api/v1/alerts", params={"stop": "bart:MONT", "lang": "fr"})
        ).json()
        return {a["id"] for a in body["alerts"]}

    await wait_for(lambda: _has(listed, alert["id"]))
    service = bay.app[REALTIME]
    mont = service.reloader.served.network.get_stop("bart:MONT")
    assert service.snapshot.overlay is not None and service.snapshot.overlay.closed_stops[mont]
    assert (await bay.delete(f"/api/v1/alerts/{alert['id']}")).status == 401
    assert (await bay.delete(f"/api/v1/alerts/{alert['id']}", headers=auth)).status == 204
    assert (await bay.delete(f"/api/v1/alerts/{alert['id']}", headers=auth)).status == 404
    await wait_for(lambda: _has(listed, alert["id"], present=False))


async def _has(
    listed: Callable[[], Awaitable[set[str]]], alert_id: str, *, present: bool = True
) -> bool:
    return (alert_id in await listed()) is present


async def test_plan_endpoint_applies_realtime_and_attaches_alerts(
    bay: TestClient[Any, Any],
) -> None:
    service = bay.app[REALTIME]
    query = delayed_query(service.reloader.served.network, service.snapshot.overlay)
    assert isinstance(query.origin, StopRef) and isinstance(query.destination, StopRef)
    params = {
        "from": query.origin.stop_id,
        "to": query.destination.stop_id,
        "depart": query.time.isoformat(),
        "lang": "en",
    }
    live = await (await bay.get("/api/v1/plan", params=params)).json()
    assert live["realtime_status"] == "applied"
    rides = [leg for it in live["itineraries"] for leg in it["legs"] if leg["transit"]]
    assert any(leg["realtime"] and leg["delay_s"] > 0 for leg in rides)
    assert all([a["id"] for a in it["alerts"]] == [BART_ALERT] for it in live["itineraries"])
    off = await (await bay.get("/api/v1/plan", params={**params, "realtime": "false"})).json()
    assert off["realtime_status"] == "disabled"
    assert all(not it["alerts"] for it in off["itineraries"])


async def test_departures_board_shows_delays(bay: TestClient[Any, Any]) -> None:
    service = bay.app[REALTIME]
    query = delayed_query(service.reloader.served.network, service.snapshot.overlay)
    assert isinstance(query.origin, StopRef)
    at = (query.time - dt.timedelta(minutes=5)).isoformat()
    response = await bay.get(
        f"/api/v1/stops/{query.origin.stop_id}/departures", params={"at": at, "limit": "30"}
    )
    body = await response.json()
    assert response.status == 200 and body["realtime_status"] == "applied"
    assert any(d["realtime"] and (d["delay_s"] or 0) > 0 for d in body["departures"])
