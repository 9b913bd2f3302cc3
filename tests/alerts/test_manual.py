"""Manual disruptions: checks of entities, periods and texts; stores in memory and in Redis."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import ValidationError
from redis.asyncio import Redis

from alerts.manual import ManualAlertError, ManualAlertRequest, manual_alert
from alerts.manual_store import ManualStore, MemoryManualStore, RedisManualStore
from routing.network import Network

NOW = dt.datetime(2024, 1, 10, 8, 0, tzinfo=dt.UTC)


def request(**changes: Any) -> ManualAlertRequest:
    body: dict[str, Any] = {
        "feed": "t",
        "cause": "STRIKE",
        "effect": "NO_SERVICE",
        "header": {"fr": "Grève sur la ligne 1", "en": "Strike on line 1"},
        "active_periods": [
            {"start": "2024-01-10T09:00:00+01:00", "end": "2024-01-10T18:00:00+01:00"}
        ],
        "informed_entities": [{"route_id": "R1"}, {"stop_id": "t:B"}],
    }
    body.update(changes)
    return ManualAlertRequest.model_validate(body)


def test_a_valid_request_becomes_a_scoped_alert(tiny: Network) -> None:
    alert = manual_alert(request(), tiny, NOW)
    assert alert.feed_id == "t" and alert.entity_id.startswith("manual-")
    assert alert.route_ids == {"t:R1"} and alert.stop_ids == {"t:B"}
    assert alert.header.text("fr") == "Grève sur la ligne 1" and alert.header.text("en")
    (period,) = alert.active_periods
    assert period.start == int(dt.datetime(2024, 1, 10, 8, tzinfo=dt.UTC).timestamp())
    assert manual_alert(request(), tiny, NOW).id != alert.id  # each post is a new disruption


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"feed": "nope"}, "feed"),
        ({"informed_entities": [{"route_id": "R9"}]}, "informed_entities[0].route_id"),
        ({"informed_entities": [{"stop_id": "X"}]}, "informed_entities[0].stop_id"),
        ({"informed_entities": [{"trip_id": "T9"}]}, "informed_entities[0].trip_id"),
        ({"informed_entities": [{"agency_id": "XX"}]}, "informed_entities[0].agency_id"),
        ({"informed_entities": [{}]}, "informed_entities[0]"),
        ({"effect": "EXPLOSION"}, "effect"),
        (
            {"active_periods": [{"start": "2024-01-10T10:00:00Z", "end": "2024-01-10T09:00:00Z"}]},
            "active_periods[0]",
        ),
        (
            {"active_periods": [{"start": "2024-01-09T10:00:00Z", "end": "2024-01-09T12:00:00Z"}]},
            "active_periods[0].end",
        ),
        ({"active_periods": [{"start": "2026-01-10T10:00:00Z"}]}, "active_periods[0].start"),
        (
            {"active_periods": [{"start": "2024-01-10T10:00:00Z", "end": "2026-01-10T10:00:00Z"}]},
            "active_periods[0]",
        ),
    ],
)
def test_invalid_requests_name_the_field(
    tiny: Network, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ManualAlertError) as caught:
        manual_alert(request(**changes), tiny, NOW)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "changes",
    [
        {"header": {}},
        {"header": {"de": "Streik"}},
        {"active_periods": []},
        {"active_periods": [{"start": "2024-01-10T10:00:00"}]},  # no offset
        {"informed_entities": []},
        {"url": "javascript:alert(1)"},
    ],
)
def test_malformed_bodies_are_refused_by_the_model(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request(**changes)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ManualStore]:
    if request.param == "memory":
        yield MemoryManualStore()
        return
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"test:{uuid.uuid4().hex}:"
    yield RedisManualStore(redis, prefix)
    keys = [key async for key in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


@pytest.mark.redis
async def test_store_contract(store: ManualStore, tiny: Network) -> None:
    first, second = manual_alert(request(), tiny, NOW), manual_alert(request(), tiny, NOW)
    assert await store.list_alerts() == [] and await store.version() == 0
    await store.put(first)
    await store.put(second)
    assert sorted(a.id for a in await store.list_alerts()) == sorted([first.id, second.id])
    version = await store.version()
    assert await store.delete(first.id) == first
    assert await store.delete(first.id) is None
    assert await store.version() > version
    assert await store.list_alerts() == [second]
