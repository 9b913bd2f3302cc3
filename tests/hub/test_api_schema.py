"""Schemathesis against `/openapi.json`: generated requests never get a 5xx, answers match it.

The hub runs on the real Porto Alegre network in a thread of its own (a real socket, as
schemathesis calls it with `requests`); a few dozen examples per operation, derandomised so
that a run is repeatable.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hub.api.openapi import openapi_spec
from hub.app import create_app
from tests.hub.api_app import api_settings

schema = schemathesis.openapi.from_dict(openapi_spec())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def live_url(porto_alegre_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hub served on a loopback port from a background thread."""
    app = create_app(api_settings(porto_alegre_dir, tmp_path_factory.mktemp("schema-cache")))
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    started = threading.Event()
    port: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.append(runner.addresses[0][1])
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()))
    thread.start()
    assert started.wait(60), "the hub did not start"
    try:
        yield f"http://127.0.0.1:{port[0]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


def test_the_served_document_is_the_one_tested(live_url: str) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live_url}/openapi.json", timeout=10) as response:
        assert json.load(response) == openapi_spec()


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_conforms_to_its_schema(case: Any, live_url: str) -> None:
    case.call_and_validate(base_url=live_url, checks=CHECKS)
