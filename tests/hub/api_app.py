"""What the API tests share: the real Porto Alegre network served by `create_app`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.settings import Settings

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
PROBLEM = "application/problem+json"
DEMO_NOW = "2019-05-14T14:00:00-03:00"


def api_settings(network_dir: Path, cache_dir: Path, **overrides: Any) -> Settings:
    """Serve `network_dir` at the demo time, without periodic reloads or rate limits."""
    values: dict[str, Any] = {
        "network_dir": network_dir,
        "cache_dir": cache_dir,
        "now": DEMO_NOW,
        "reload_check_s": 0,
        "api_rate_per_min": 0,
        "redis_url": None,
    }
    values.update(overrides)
    return Settings(**values)


async def client_for(aiohttp_client: Client, settings: Settings) -> TestClient[Any, Any]:
    """A test client of the hub's application."""
    return await aiohttp_client(create_app(settings))


async def assert_problem(
    response: ClientResponse, status: int, param: str | None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem of `status` naming `param` (when given)."""
    body = await response.text()
    assert response.status == status, (response.url, body)
    assert response.content_type == PROBLEM, body
    problem: dict[str, Any] = await response.json(content_type=PROBLEM)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if param is not None:
        assert problem["invalid_params"][0]["name"] == param, problem
        assert problem["invalid_params"][0]["reason"]
    return problem
