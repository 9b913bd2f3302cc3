"""`/openapi.json`: it documents every `/api/v1` route, and the API keeps to it.

Schemathesis fuzzes the GET operations: the hub runs on the real Porto Alegre network in a
thread of its own (a real socket, as schemathesis calls it with `requests`); a few dozen
examples per operation, derandomised so that a run is repeatable. The write operations are
not fuzzed (generated subscriptions would plan commutes and check webhook hosts, slow and
leaving state behind): real bodies the handlers accept, and their answers, are checked against
the documented schemas instead, on the bay-area network with an operator token.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp.web_urldispatcher import PrefixedSubAppResource
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hub.api.openapi import openapi_spec
from hub.app import create_app
from hub.reload import DirectorySource
from tests.hub.api_app import PROBLEM, api_settings
from tests.hub.test_realtime import TOKEN, Client, bay_settings, manual_body

schema = schemathesis.openapi.from_dict(openapi_spec())
# HEAD comes with every GET; OPTIONS is the CORS preflight of every /api/v1 path
UNDOCUMENTED_METHODS = frozenset({"HEAD", "OPTIONS"})
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


@schema.include(method="GET").parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_conforms_to_its_schema(case: Any, live_url: str) -> None:
    case.call_and_validate(base_url=live_url, checks=CHECKS)


def _routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route of `app` and of its sub-applications (prefixed by then)."""
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        if isinstance(resource, PrefixedSubAppResource):
            found |= _routes(resource.get_info()["app"])
        else:
            found |= {(route.method, resource.canonical) for route in resource}
    return found


def test_the_document_is_valid_openapi_3_1() -> None:
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    assert openapi_spec()["openapi"] == "3.1.0"


def test_every_api_route_the_app_registers_is_documented(
    porto_alegre_dir: Path, tmp_path: Path
) -> None:
    app = create_app(api_settings(porto_alegre_dir, tmp_path))
    registered = {
        (method, path)
        for method, path in _routes(app)
        if path.startswith("/api/v1/") and method not in UNDOCUMENTED_METHODS
    }
    documented = {
        (method.upper(), path)
        for path, operations in openapi_spec()["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
    }
    assert ("PATCH", "/api/v1/subscriptions/{subscription_id}") in registered
    assert registered == documented


def _validator(model: str) -> jsonschema_rs.Validator:
    """A JSON Schema 2020-12 validator of the documented schema `model`."""
    components = openapi_spec()["components"]
    return jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{model}", "components": components}
    )


def _documented(path: str, method: str, status: int) -> tuple[str, str | None]:
    """The documented request body and `status` answer of an operation (schema names)."""
    operation = openapi_spec()["paths"][path][method]

    def name(content: dict[str, Any] | None) -> str | None:
        if content is None:
            return None
        (media,) = content.values()
        return str(media["schema"]["$ref"]).rsplit("/", 1)[1]

    body = name(operation.get("requestBody", {}).get("content"))
    assert body is not None, (path, method)
    return body, name(operation["responses"][str(status)].get("content"))


async def _valid_exchange(
    client: TestClient[Any, Any],
    method: str,
    path: str,
    documented: str,
    body: dict[str, Any],
    status: int,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send `body` (valid per the documented request schema); the answer is valid per its own."""
    request_schema, response_schema = _documented(documented, method, status)
    _validator(request_schema).validate(body)
    response = await client.request(method.upper(), path, json=body, **kwargs)
    assert response.status == status, await response.text()
    answer: dict[str, Any] = await response.json()
    assert response_schema is not None
    _validator(response_schema).validate(answer)
    return answer


@pytest.fixture
async def bay(aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path) -> TestClient[Any, Any]:
    app = create_app(bay_settings(tmp_path), source=DirectorySource(bay_area_dir))
    return await aiohttp_client(app)


async def test_subscription_bodies_and_answers_keep_to_the_document(
    bay: TestClient[Any, Any],
) -> None:
    base, item = "/api/v1/subscriptions", "/api/v1/subscriptions/{subscription_id}"
    commute = {
        "origin": "bart:MONT",
        "destination": "bart:24TH",
        "weekdays": ["mon", "wed"],
        "window": {"kind": "depart", "start": "10:30", "end": "11:30"},
    }
    created = await _valid_exchange(
        bay, "post", base, base, {"lines": ["bart:1"], "commute": commute, "lang": "en"}, 201
    )
    assert created["token"] and created["commute_legs"] and "webhook_secret" not in created
    url = f"{base}/{created['id']}"
    auth = {"Authorization": f"Bearer {created['token']}"}
    renewed = await _valid_exchange(
        bay, "patch", url, item, {"expires_in_days": 5, "stops": ["bart:MONT"]}, 200,
        params={"token": created["token"]},
    )  # fmt: skip
    assert renewed["watch"]["stops"] and renewed["expires_at"] < created["expires_at"]
    read = await bay.get(url, headers=auth)
    _validator("SubscriptionView").validate(await read.json())
    # what the document refuses, the handler refuses too
    for wrong in ({"lines": ["bart:1"], "colour": "red"}, {"lines": ["1"]}):
        assert not _validator("CreateSubscription").is_valid(wrong)
        refused = await bay.post(base, json=wrong)
        assert refused.status == 400 and refused.content_type == PROBLEM
        _validator("Problem").validate(await refused.json(content_type=PROBLEM))
    assert not _validator("PatchSubscription").is_valid({"expires_in_days": 0})
    assert (await bay.patch(url, headers=auth, json={"expires_in_days": 0})).status == 400
    assert "401" in openapi_spec()["paths"][item]["delete"]["responses"]
    assert (await bay.delete(url)).status == 401
    assert (await bay.delete(url, headers=auth)).status == 204


async def test_an_operator_alert_keeps_to_the_document(bay: TestClient[Any, Any]) -> None:
    operation = openapi_spec()["paths"]["/api/v1/alerts"]["post"]
    assert operation["security"] == [{"operatorToken": []}]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = manual_body(description={"en": "Use 16th St"}, severity="WARNING")
    alert = await _valid_exchange(
        bay, "post", "/api/v1/alerts", "/api/v1/alerts", body, 201, headers=auth
    )
    assert alert["source"] == "manual" and alert["informed_entities"] == [{"stop_id": "bart:MONT"}]
    assert not _validator("ManualAlertRequest").is_valid({**body, "active_periods": []})
    refused = await bay.post("/api/v1/alerts", json={**body, "active_periods": []}, headers=auth)
    assert refused.status == 400
    ended = await bay.delete(f"/api/v1/alerts/{alert['id']}", headers=auth)
    assert ended.status == 204
