"""`GET /api/v1/plan` on the real Porto Alegre network: the CLI's Plan JSON, bad input, load."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

import hub.api.plan
from hub.cli import main
from tests.hub.api_app import DEMO_NOW, Client, api_settings, assert_problem, client_for

MERCADO = "trensurb:MR"
MENINO_DEUS = "-30.0500,-51.2200"
QUERY = {"from": MERCADO, "to": MENINO_DEUS, "depart": "2019-05-14T14:00:00-03:00"}


async def test_the_plan_is_the_one_hub_plan_json_prints(
    aiohttp_client: Client,
    porto_alegre_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    response = await client.get("/api/v1/plan", params=QUERY)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["itineraries"] and body["realtime_status"] == "none"
    assert all(i["legs"][0]["from"]["id"] == MERCADO for i in body["itineraries"])

    monkeypatch.setenv("HUB_NOW", DEMO_NOW)
    monkeypatch.setenv("HUB_CACHE_DIR", str(tmp_path / "cli-cache"))
    args = ["plan", "--network", str(porto_alegre_dir), f"--from={MERCADO}", f"--to={MENINO_DEUS}"]
    assert main([*args, f"--depart={QUERY['depart']}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == body


async def test_defaults_options_and_no_result_reasons(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    now = await (
        await client.get("/api/v1/plan", params={"from": MERCADO, "to": MENINO_DEUS})
    ).json()
    first = now["itineraries"][0]
    assert first["departure"] >= DEMO_NOW[:16]  # the clock's now is the default departure
    arrive = await client.get(
        "/api/v1/plan",
        params={
            "from": MERCADO,
            "to": MENINO_DEUS,
            "arrive": "2019-05-14T15:00:00",
            "lang": "pt-BR",
        },
    )
    assert arrive.status == 200 and arrive.headers["Content-Language"] == "pt-BR"
    assert all(
        i["arrival"] <= "2019-05-14T15:00:00-03:00" for i in (await arrive.json())["itineraries"]
    )
    walk = await client.get(
        "/api/v1/plan",
        params={"from": MERCADO, "to": MENINO_DEUS, "modes": "walk", "wheelchair": "false",
                "realtime": "false", "window_min": "30", "max_walk_min": "20"},
    )  # fmt: skip
    modes = {leg["mode"] for i in (await walk.json())["itineraries"] for leg in i["legs"]}
    assert modes == {"walk"}
    same = await (await client.get("/api/v1/plan", params={"from": MERCADO, "to": MERCADO})).json()
    assert same["itineraries"] == [] and same["no_result_reason"] == "same_origin_destination"


async def test_every_bad_parameter_is_named(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    good = {"from": MERCADO, "to": MENINO_DEUS}
    cases: list[tuple[dict[str, str], str]] = [
        ({"to": MENINO_DEUS}, "from"),
        ({"from": MERCADO}, "to"),
        ({**good, "from": "somewhere"}, "from"),
        ({**good, "from": "-30.0,abc"}, "from"),
        ({**good, "from": "91,0"}, "from"),
        ({**good, "from": "trensurb:NOPE"}, "from"),
        ({**good, "to": "nope:MR"}, "to"),
        ({**good, "to": "48.8566,2.3522"}, "to"),  # Paris: outside the region
        ({**good, "depart": "yesterday"}, "depart"),
        ({**good, "depart": "2020-01-01T10:00:00-03:00"}, "depart"),
        ({**good, "arrive": "2018-06-01T10:00"}, "arrive"),
        ({**good, "depart": "2019-05-14T14:00", "arrive": "2019-05-14T15:00"}, "arrive"),
        ({**good, "window_min": "-1"}, "window_min"),
        ({**good, "window_min": "1441"}, "window_min"),
        ({**good, "window_min": "ten"}, "window_min"),
        ({**good, "max_walk_min": "181"}, "max_walk_min"),
        ({**good, "modes": "car"}, "modes"),
        ({**good, "modes": ""}, "modes"),
        ({**good, "modes": "walk,,transit"}, "modes"),
        ({**good, "wheelchair": "maybe"}, "wheelchair"),
        ({**good, "realtime": "2"}, "realtime"),
        ({**good, "lang": "!!"}, "lang"),
        ({**good, "speed": "fast"}, "speed"),
    ]
    for query, param in cases:
        await assert_problem(await client.get("/api/v1/plan", params=query), 400, param)
    repeated = await client.get(f"/api/v1/plan?from={MERCADO}&from={MERCADO}&to={MENINO_DEUS}")
    await assert_problem(repeated, 400, "from")


async def test_a_full_queue_sheds_with_503_and_retry_after(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    settings = api_settings(porto_alegre_dir, tmp_path, plan_threads=1, plan_queue=1)
    client = await client_for(aiohttp_client, settings)
    await client.get("/api/v1/plan", params=QUERY)  # compile and warm up first
    answers = await asyncio.gather(*(client.get("/api/v1/plan", params=QUERY) for _ in range(6)))
    statuses = sorted(a.status for a in answers)
    assert 200 in statuses and 503 in statuses, statuses
    for answer in answers:
        if answer.status == 503:
            await assert_problem(answer, 503, None)
            assert int(answer.headers["Retry-After"]) >= 1
    health = await asyncio.gather(
        *(client.get("/api/v1/plan", params=QUERY) for _ in range(3)), client.get("/health")
    )
    assert health[-1].status == 200


async def test_a_request_past_its_deadline_gets_503(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_json = hub.api.plan._plan_json

    def slow_plan(*args: Any) -> Any:
        time.sleep(0.05)  # a warm planner may answer within any deadline short enough to test
        return plan_json(*args)

    monkeypatch.setattr(hub.api.plan, "_plan_json", slow_plan)
    settings = api_settings(porto_alegre_dir, tmp_path, request_deadline_s=0.005)
    client = await client_for(aiohttp_client, settings)
    response = await client.get("/api/v1/plan", params=QUERY)
    await assert_problem(response, 503, None)
    assert int(response.headers["Retry-After"]) >= 1
