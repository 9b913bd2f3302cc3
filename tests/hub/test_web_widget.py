from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.employers import load_employers
from hub.settings import Settings
from hub.web.builder import make_snippet
from tests.hub.web_fixtures import (
    SHOP_ORIGIN,
    Client,
    employers_dir,
    network_dir,
    settings,
)

__all__ = ["employers_dir", "network_dir", "settings"]
PROBLEM = "application/problem+json"


async def shop_token(client: TestClient[Any, Any], site: str = "front") -> str:
    response = await client.get(f"/widget/snippet?employer=shop&site={site}")
    assert response.status == 200
    token: str = (await response.json())["token"]
    return token


async def test_config_for_an_allowed_origin(aiohttp_client: Client, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))
    token = await shop_token(client)
    response = await client.get(f"/widget/config?token={token}", headers={"Origin": SHOP_ORIGIN})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert "Origin" in response.headers.getall("Vary")
    body = await response.json()
    assert body["employer"] == {
        "id": "shop",
        "name": "Corner <Shop> & Co",
        "accent": "#112233",
        "logo_url": None,
    }
    assert body["site"] == {
        "id": "front",
        "label": 'Front "door"',
        "place": "-30.03,-51.23",
        "shift_start": "15:00",
    }
    assert body["modes"] == ["walk", "transit"] and body["lang"] == "fr"
    assert body["texts"]["search"] == "Rechercher"
    assert (body["now"], body["timezone"], body["api"]) == (
        "2019-05-14T14:00",
        "America/Sao_Paulo",
        "/api/v1",
    )


async def test_config_language_and_same_origin(aiohttp_client: Client, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))
    token = await shop_token(client, "depot")
    # No Origin header: the hub's own pages (builder preview, /embed) fetch same-origin.
    body = await (await client.get(f"/widget/config?token={token}&lang=en")).json()
    assert body["lang"] == "en" and body["texts"]["search"] == "Search"
    assert body["site"]["place"] == "tiny:S2"


@pytest.mark.parametrize(
    ("origin", "lang", "message"),
    [
        ("https://evil.example", "en", "This journey planner is not enabled on this website."),
        (
            "http://localhost:8123",
            "fr",
            "Ce calculateur d'itinéraire n'est pas autorisé sur ce site.",
        ),
    ],
)
async def test_config_refuses_another_origin_readably(
    aiohttp_client: Client, settings: Settings, origin: str, lang: str, message: str
) -> None:
    client = await aiohttp_client(create_app(settings))
    token = await shop_token(client)
    response = await client.get(
        f"/widget/config?token={token}&lang={lang}", headers={"Origin": origin}
    )
    assert response.status == 403 and response.content_type == PROBLEM
    # The refused page may read the refusal, to show it: no CORS error hides it.
    assert response.headers["Access-Control-Allow-Origin"] == origin
    body = await response.json()
    assert body["code"] == "origin_not_allowed" and body["message"] == message
    assert origin in body["detail"] and "Corner <Shop> & Co" in body["detail"]
    assert body["invalid_params"][0]["name"] == "token"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 400, "missing_token"),
        ("?token=", 400, "missing_token"),
        ("?token=v1.e30.AAAA", 403, "bad_signature"),
        ("?token=nonsense", 403, "malformed_token"),
    ],
)
async def test_config_refuses_bad_tokens(
    aiohttp_client: Client, settings: Settings, query: str, status: int, code: str
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get(f"/widget/config{query}", headers={"Origin": SHOP_ORIGIN})
    assert response.status == status and response.content_type == PROBLEM
    body = await response.json()
    assert body["code"] == code and body["message"]


async def test_config_refuses_unknown_parameters(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    token = await shop_token(client)
    response = await client.get(f"/widget/config?token={token}&colour=red")
    assert response.status == 400
    assert (await response.json())["invalid_params"][0]["name"] == "colour"


async def test_loader_script(aiohttp_client: Client, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/widget.js")
    assert response.status == 200 and response.content_type == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "static/hub-planner.js" in await response.text()


async def test_embed_page_is_framed_only_by_allowed_origins(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    token = await shop_token(client)
    response = await client.get(
        f"/embed?token={token}", headers={"Referer": f"{SHOP_ORIGIN}/careers/apply"}
    )
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    assert f'<hub-planner token="{token}" lang="fr"></hub-planner>' in page
    assert "<title>Votre trajet vers Front &quot;door&quot;</title>" in page
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {SHOP_ORIGIN} https://shop.example" in csp

    refused = await client.get(
        f"/embed?token={token}&lang=en", headers={"Referer": "https://evil.example/page"}
    )
    assert refused.status == 403 and refused.content_type == "text/html"
    text = await refused.text()
    assert 'role="alert"' in text and 'data-code="origin_not_allowed"' in text
    assert "not enabled on this website" in text and "https://evil.example" in text


async def test_snippet_for_a_site(aiohttp_client: Client, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/widget/snippet?employer=shop&site=depot&lang=en&accent=%23aa0000")
    assert response.status == 200
    body = await response.json()
    attributes = body["attributes"]
    assert attributes == {
        "token": body["token"],
        "destination": "tiny:S2",
        "destination-label": "Depot",
        "arrive-by": "08:00",
        "lang": "en",
        "modes": "walk,transit",
        "accent": "#aa0000",
    }
    base = str(client.make_url("")).rstrip("/")
    assert body["script"].startswith(f'<script src="{base}/widget.js" async></script>')
    assert f'token="{body["token"]}"' in body["script"]
    assert body["iframe"].startswith(
        f'<iframe src="{base}/embed?token={body["token"]}&amp;lang=en"'
    )


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("employer=nobody", "employer"),
        ("employer=shop&site=roof", "site"),
        ("employer=shop&accent=red", "accent"),
        ("employer=shop&size=big", "size"),
    ],
)
async def test_snippet_bad_choices_name_the_parameter(
    aiohttp_client: Client, settings: Settings, query: str, param: str
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get(f"/widget/snippet?{query}")
    assert response.status == 400 and response.content_type == PROBLEM
    assert (await response.json())["invalid_params"][0]["name"] == param


def test_snippet_attributes_are_escaped(employers_dir: Path) -> None:
    shop = load_employers(employers_dir).get_employer("shop")
    snippet = make_snippet("https://hub.example", "v1.x.y", shop, shop.sites[0], "en", "#112233")
    assert 'destination-label="Front &quot;door&quot;"' in snippet.script
    assert 'title="Your commute to Front &quot;door&quot;"' in snippet.iframe
    tag = re.search(r"<hub-planner ([^>]*)>", snippet.script)
    assert tag is not None
    parsed = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag.group(1)))
    assert {k: html.unescape(v) for k, v in parsed.items()} == snippet.attributes


async def test_builder_lists_employers_and_sites(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/widget/builder?employer=shop&site=depot&lang=en")
    assert response.status == 200
    page = await response.text()
    assert '<option value="shop" selected>Corner &lt;Shop&gt; &amp; Co</option>' in page
    assert '<option value="depot" selected>Depot</option>' in page
    assert "Websites allowed to show it: http://127.0.0.1:8123, https://shop.example" in page
    assert "&lt;hub-planner token=&quot;v1." in page  # the snippet, shown as text
    assert (await client.get("/widget/builder?employer=nobody")).status == 400


async def test_builder_without_employers(
    aiohttp_client: Client, settings: Settings, tmp_path: Path
) -> None:
    empty = settings.model_copy(update={"employers_dir": tmp_path / "none"})
    client = await aiohttp_client(create_app(empty))
    response = await client.get("/widget/builder?lang=en")
    assert response.status == 200
    assert "No organisation is configured" in await response.text()
    assert (await client.get("/widget/snippet")).status == 404


async def test_api_answers_employers_origins_only(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    allowed = await client.get("/api/v1/feeds", headers={"Origin": "https://shop.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    other = await client.get("/api/v1/feeds", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    same = await client.get("/api/v1/feeds")
    assert "Access-Control-Allow-Origin" not in same.headers
