"""The API's service side: /metrics, /openapi.json, /docs, rate limits, CORS preflight."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from hub.api.limits import MemoryRateLimiter, Rate, RateLimiter, RedisRateLimiter
from tests.hub.api_app import Client, api_settings, assert_problem, client_for

ALLOWED = "https://intranet.hospital-centro.example"  # config/employers/hospital-centro.toml
REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_metrics_count_requests_time_them_and_show_the_queue(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    for _ in range(3):
        await client.get("/api/v1/places", params={"q": "mercado"})
    await client.get("/api/v1/stops/nope:1")
    await client.get("/api/v1/plan", params={"from": "trensurb:MR", "to": "trensurb:RD"})
    await client.get("/no/such/page")
    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    text = await response.text()
    assert 'hub_http_requests_total{route="/api/v1/places",method="GET",status="200"} 3' in text
    assert (
        'hub_http_requests_total{route="/api/v1/stops/{stop_id}",method="GET",status="404"} 1'
        in text
    )
    assert 'route="unmatched",method="GET",status="404"} 1' in text
    assert 'hub_http_request_duration_seconds_bucket{route="/api/v1/places",le="+Inf"} 3' in text
    assert re.search(r"^hub_routing_duration_seconds_count 1$", text, re.M)
    assert re.search(r"^hub_routing_queue_depth 0$", text, re.M)
    assert re.search(r"^hub_routing_queue_capacity 4$", text, re.M)
    assert "# TYPE hub_http_request_duration_seconds histogram" in text


async def test_openapi_describes_every_route_from_the_models(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    spec = await (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert {
        "/api/v1/plan", "/api/v1/places", "/api/v1/places/reverse", "/api/v1/stops/{stop_id}",
        "/api/v1/stops/{stop_id}/departures", "/api/v1/routes", "/api/v1/routes/{route_id}",
        "/api/v1/feeds", "/api/v1/alerts", "/health", "/metrics",
    } <= set(spec["paths"])  # fmt: skip
    schemas = spec["components"]["schemas"]
    assert {"Plan", "Itinerary", "Leg", "PlacesResponse", "DeparturesResponse", "Problem"} <= set(
        schemas
    )
    assert "from" in schemas["Leg"]["properties"]  # the alias, as the JSON has it
    plan = spec["paths"]["/api/v1/plan"]["get"]
    names = [p["name"] for p in plan["parameters"]]
    assert names == ["from", "to", "depart", "arrive", "window_min", "max_walk_min", "modes",
                     "wheelchair", "realtime", "lang"]  # fmt: skip
    assert plan["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Plan"
    }
    assert "application/problem+json" in plan["responses"]["503"]["content"]
    docs = await client.get("/docs")
    assert docs.status == 200 and docs.content_type == "text/html"
    page = await docs.text()
    assert "<script" not in page and "http" not in page.split("</style>")[0]
    for path in spec["paths"]:
        assert path.replace("{", "&#x7b;") in page or path in page
    patch = page.split("id='updateSubscription'>", 1)[1].split("<h2", 1)[0]
    assert (
        "PATCH" in patch and "#schema-PatchSubscription" in patch and "subscriptionToken" in patch
    )


async def test_rate_limit_per_client_with_429_and_retry_after(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    settings = api_settings(
        porto_alegre_dir, tmp_path, api_rate_per_min=6, api_rate_burst=3, api_keys="employer-a"
    )
    client = await client_for(aiohttp_client, settings)
    statuses = [(await client.get("/api/v1/routes?feed=trensurb")).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await client.get("/api/v1/routes")
    await assert_problem(refused, 429, None)
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    keyed = await client.get("/api/v1/routes", headers={"X-API-Key": "employer-a"})
    assert keyed.status == 200 and keyed.headers["X-RateLimit-Remaining"] == "2"
    # An invented key spends from the IP's bucket: it does not lift the limit.
    invented = await client.get("/api/v1/routes", headers={"X-API-Key": "anything-else"})
    assert invented.status == 429
    assert (await client.get("/health")).status == 200  # only the API is limited


async def test_cors_preflight_answers_the_employers_origins(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    asked = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-API-Key"}
    ok = await client.options("/api/v1/plan", headers={"Origin": ALLOWED, **asked})
    assert ok.status == 204
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "x-api-key" in ok.headers["Access-Control-Allow-Headers"]
    other = await client.options(
        "/api/v1/plan", headers={"Origin": "https://evil.example", **asked}
    )
    await assert_problem(other, 403, None)
    post = {"Origin": ALLOWED, "Access-Control-Request-Method": "DELETE"}
    await assert_problem(await client.options("/api/v1/places", headers=post), 403, None)
    await assert_problem(await client.options("/api/v1/places"), 400, None)
    simple = await client.get("/api/v1/routes?feed=trensurb", headers={"Origin": ALLOWED})
    assert simple.headers["Access-Control-Allow-Origin"] == ALLOWED
    foreign = await client.get(
        "/api/v1/routes?feed=trensurb", headers={"Origin": "https://x.example"}
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers


def limiters() -> list[tuple[str, RateLimiter]]:
    rate = Rate(per_s=1.0, burst=2)
    prefix = f"test-{uuid.uuid4().hex}:"
    return [
        ("memory", MemoryRateLimiter(rate)),
        ("redis", RedisRateLimiter(rate, REDIS_URL, prefix)),
    ]


@pytest.mark.redis
@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_limiters_share_one_contract(kind: str) -> None:
    limiter = dict(limiters())[kind]
    try:
        first = [await limiter.take("ip:1") for _ in range(3)]
        assert [d.allowed for d in first] == [True, True, False]
        assert first[0].remaining == 1 and first[2].retry_after_s == 1
        assert (await limiter.take("ip:2")).allowed  # another client has its own bucket
    finally:
        await limiter.close()


async def test_an_unreachable_redis_lets_requests_through(closed_port: int) -> None:
    limiter = RedisRateLimiter(Rate(per_s=1.0, burst=1), f"redis://127.0.0.1:{closed_port}/0", "t:")
    try:
        decisions = [await limiter.take("ip:1") for _ in range(3)]
        assert all(d.allowed for d in decisions)
    finally:
        await limiter.close()
