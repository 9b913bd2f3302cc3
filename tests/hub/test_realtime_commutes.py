"""Commutes told of their trip's delay: Caltrain 2023 and its trip updates of 2023-11-07 17:05.

In the capture, train 310 (line L3, to Gilroy) leaves Palo Alto at 17:24 instead of 17:14.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from alerts.subscriptions import (
    Commute,
    Subscription,
    SubscriptionSpec,
    new_token,
    new_webhook_secret,
    token_hash,
)
from hub.app import create_app
from hub.realtime import REALTIME
from hub.reload import DirectorySource
from hub.settings import Settings
from tests.conftest import _build_and_save
from tests.hub.test_subscriptions import read_event, subscribe

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
PALO_ALTO_SOUTH, LAWRENCE_SOUTH = "caltrain2023:70172", "caltrain2023:70232"
COMMUTE = {
    "origin": PALO_ALTO_SOUTH,
    "destination": LAWRENCE_SOUTH,
    "weekdays": ["tue"],  # 2023-11-07 is a Tuesday
    "window": {"kind": "depart", "start": "17:10", "end": "17:20"},
}


@pytest.fixture(scope="module")
def caltrain_2023_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    feeds = {"caltrain2023": "bay_area/caltrain_2023.gtfs.zip"}
    return _build_and_save(tmp_path_factory, "caltrain-2023", feeds, None).directory


@pytest.fixture
async def caltrain(
    aiohttp_client: Client, caltrain_2023_dir: Path, tmp_path: Path
) -> TestClient[Any, Any]:
    settings = Settings(
        region="caltrain-2023",
        cache_dir=tmp_path / "cache",
        reload_check_s=0,
        api_rate_per_min=0,
    )
    return await aiohttp_client(create_app(settings, source=DirectorySource(caltrain_2023_dir)))


async def events_of(client: TestClient[Any, Any], created: dict[str, Any]) -> Any:
    return await client.get(
        f"/api/v1/subscriptions/{created['id']}/events",
        params={"token": created["token"], "last_event_id": "0"},
    )


async def test_a_commute_riding_a_late_train_is_told_with_its_leg_and_an_alternative(
    caltrain: TestClient[Any, Any],
) -> None:
    created = await subscribe(caltrain, commute=COMMUTE, lang="en")
    (leg,) = created["commute_legs"]
    assert (leg["trip_id"], leg["from_stop"], leg["to_stop"]) == (
        "caltrain2023:310",
        PALO_ALTO_SOUTH,
        LAWRENCE_SOUTH,
    )
    stream = await events_of(caltrain, created)
    message = (await read_event(stream))["data"]
    alert = message["alert"]
    assert (alert["source"], alert["effect"]) == ("trip_update", "SIGNIFICANT_DELAYS")
    assert alert["header"] == "The 17:14 L3 to Gilroy is 10 min late"
    assert alert["description"].startswith(
        "It leaves Palo Alto Caltrain Station at 17:24 instead of 17:14 and reaches Lawrence"
    )
    assert alert["informed_entities"] == [
        {"trip_id": "caltrain2023:310", "stop_id": PALO_ALTO_SOUTH},
        {"trip_id": "caltrain2023:310", "stop_id": LAWRENCE_SOUTH},
    ]
    assert message["affected_legs"] == [leg]
    rides = [x for x in message["alternative"]["legs"] if x["transit"]]
    assert rides and all(x["trip_id"] != "310" for x in rides)
    assert rides[0]["from"]["id"] == PALO_ALTO_SOUTH and rides[-1]["to"]["id"] == LAWRENCE_SOUTH
    assert rides[0]["departure"] >= "2023-11-07T17:05"  # live, and not gone already
    with pytest.raises(TimeoutError):  # told once, not again by the bus
        await read_event(stream, timeout_s=1.0)
    stream.close()


async def test_the_bus_tells_commutes_and_no_one_else(caltrain: TestClient[Any, Any]) -> None:
    """The notice published with the snapshot reaches commutes riding that leg on that day."""
    service = caltrain.app[REALTIME]
    commute = Commute.model_validate(COMMUTE)
    legs, watch, version = service.commutes.usual(commute)
    token = new_token()
    # stored without the API, so not welcomed: told by the bus only
    rider = Subscription(
        id="bus-rider",
        token_hash=token_hash(token),
        webhook_secret=new_webhook_secret(),
        created_at=service.now(),
        expires_at=service.now() + 3600,
        spec=SubscriptionSpec(commute=commute, lang="fr"),
        watch=watch,
        commute_legs=legs,
        network_version=version,
    )
    await service.subscriptions.put(rider)
    wednesday = await subscribe(caltrain, commute={**COMMUTE, "weekdays": ["wed"]})
    watchers = await subscribe(caltrain, lines=["caltrain2023:L3"], stops=[PALO_ALTO_SOUTH])
    await service.refresh(force=True)
    stream = await events_of(caltrain, {"id": rider.id, "token": token})
    message = (await read_event(stream))["data"]
    assert message["alert"]["header"] == "Le L3 de 17:14 vers Gilroy a 10 min de retard"
    assert message["affected_legs"] == [leg.model_dump() for leg in legs]
    stream.close()
    for other in (wednesday, watchers):  # tomorrow's commute; the line's and stop's watchers
        quiet = await events_of(caltrain, other)
        with pytest.raises(TimeoutError):
            await read_event(quiet, timeout_s=0.5)
        quiet.close()
