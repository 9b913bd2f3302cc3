from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hub.app import create_app
from hub.settings import Settings
from hub.web.render import render, script_json
from hub.web.state import Assets
from tests.hub.web_fixtures import Client, employers_dir, network_dir, settings

__all__ = ["employers_dir", "network_dir", "settings"]


def page_config(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="hub-config">(.*?)</script>', html)
    assert match, "the page carries its configuration"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


async def test_planner_page_in_english_by_default(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/")
    assert response.status == 200 and response.content_type == "text/html"
    assert response.headers["Content-Language"] == "en"
    html = await response.text()
    assert '<html lang="en">' in html and "<title>Plan a trip</title>" in html
    assert "{{" not in html and "}}" not in html
    config = page_config(html)
    assert config["lang"] == "en" and config["texts"]["search"] == "Search"
    # The clock's now in the network's timezone: the page's date and time fields start there.
    assert config["now"] == "2019-05-14T14:00" and config["timezone"] == "America/Sao_Paulo"
    assert config["api"] == "/api/v1"
    assert config["tiles"]["url"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert config["leaflet"] is (Assets.locate().leaflet is not None)
    # The tiny network's two stops: the map opens between them.
    (south, west), (north, east) = config["bounds"]
    assert -30.0400 <= south <= north <= -30.0300 and west == east == pytest.approx(-51.23)
    assert config["center"] == pytest.approx([-30.035, -51.23])
    assert (
        "img-src 'self' data: https://tiles.example;" in response.headers["Content-Security-Policy"]
    )


@pytest.mark.parametrize(
    ("query", "accept", "lang", "title"),
    [
        ("", "fr-FR,fr;q=0.9,en;q=0.8", "fr", "Préparer un trajet"),
        ("", "de-DE,de;q=0.9,en;q=0.5,fr;q=0.4", "en", "Plan a trip"),
        ("?lang=fr", "en-US", "fr", "Préparer un trajet"),
        ("?lang=xx", "fr", "fr", "Préparer un trajet"),
        ("?lang=EN", "fr", "en", "Plan a trip"),
    ],
)
async def test_page_language_from_query_then_browser(
    aiohttp_client: Client, settings: Settings, query: str, accept: str, lang: str, title: str
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get(f"/{query}", headers={"Accept-Language": accept})
    html = await response.text()
    assert f'<html lang="{lang}">' in html and f"<title>{title}</title>" in html
    assert page_config(html)["lang"] == lang
    assert response.headers["Vary"] == "Accept-Language"


async def test_language_link_keeps_the_search(aiohttp_client: Client, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))
    html = await (await client.get("/?from=tiny:S1&to=tiny:S2&lang=en")).text()
    link = re.search(r'<a href="([^"]+)" hreflang="fr"', html)
    assert link is not None
    assert link.group(1) == "/?from=tiny:S1&amp;to=tiny:S2&amp;lang=fr"


async def test_page_scripts_styles_and_leaflet_are_served(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    for path in ("/static/planner.js", "/static/cards.js", "/static/cards.css"):
        response = await client.get(path)
        assert response.status == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    js_types = ("text/javascript", "application/javascript")
    assert (await client.get("/static/planner.js")).content_type in js_types
    assert (await client.get("/static/../../hub/settings.py")).status in (403, 404)
    if Assets.locate().leaflet is None:
        pytest.skip("web/node_modules is not installed (scripts/dev setup)")
    leaflet = await client.get("/vendor/leaflet/leaflet-src.esm.js")
    assert leaflet.status == 200 and "export" in await leaflet.text()
    assert (await client.get("/vendor/leaflet/leaflet.css")).status == 200


def test_page_data_cannot_close_its_script_element() -> None:
    text = script_json({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--"}


def test_render_escapes_values_and_refuses_unknown_placeholders(tmp_path: Path) -> None:
    html = render(
        "refused.html", {"widget_refused": "No <b>"}, {"lang": "en", "detail": '"x"', "code": "c"}
    )
    assert "No &lt;b&gt;" in html and "&quot;x&quot;" in html
    with pytest.raises(KeyError):
        render("refused.html", {}, {"lang": "en", "detail": "", "code": ""})
