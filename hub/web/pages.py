"""The public planner page (`/`): the form, its texts and the data its scripts start from."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from aiohttp import web

from hub.web.i18n import DEFAULT_LANG, LANGS, Lang, choose_lang, texts
from hub.web.render import Markup, render, script_json
from hub.web.state import WebState, web_state
from routing.network import Network

API_BASE = "/api/v1"


def lang_of(request: web.Request, default: Lang = DEFAULT_LANG) -> Lang:
    """The language of a page: `?lang=`, else Accept-Language, else `default`."""
    return choose_lang(request.query.get("lang"), request.headers.get("Accept-Language"), default)


def map_view(network: Network) -> dict[str, Any]:
    """Where the map opens: the middle of the network's stops and the box of most of them.

    Percentiles rather than min/max, so that a few far-away stops (a line's distant terminus)
    do not zoom the map out over the whole state.
    """
    lat = network.stop_lat[np.isfinite(network.stop_lat)]
    lon = network.stop_lon[np.isfinite(network.stop_lon)]
    if lat.size == 0 or lon.size == 0:
        return {"center": [0.0, 0.0], "bounds": None}
    south, north = (float(v) for v in np.percentile(lat, [5, 95]))
    west, east = (float(v) for v in np.percentile(lon, [5, 95]))
    center = [float(np.median(lat)), float(np.median(lon))]
    return {"center": center, "bounds": [[south, west], [north, east]]}


def page_config(state: WebState, lang: Lang) -> dict[str, Any]:
    """What the page's scripts start from (embedded in the page as JSON)."""
    settings = state.hub.settings
    network = state.hub.reloader.served.network
    return {
        "lang": lang,
        "texts": dict(texts(lang)),
        "api": API_BASE,
        "now": state.local_now().isoformat(timespec="minutes")[:16],
        "timezone": network.timezone,
        "tiles": {"url": settings.tiles_url, "attribution": settings.tiles_attribution},
        "leaflet": state.assets.leaflet is not None,
        **map_view(network),
    }


def lang_links(request: web.Request, current: Lang) -> Markup:
    """Links to the same page in the other languages, keeping the query string."""
    links = []
    for lang in LANGS:
        if lang == current:
            continue
        url = html.escape(str(request.rel_url.update_query(lang=lang)), quote=True)
        name = html.escape(texts(lang)["lang_name"])
        links.append(f'<a href="{url}" hreflang="{lang}" lang="{lang}">{name}</a>')
    return Markup(" ".join(links))


async def planner_page(request: web.Request) -> web.Response:
    """The public planner; its query string (from, to, depart/arrive, modes...) is re-run."""
    state = web_state(request)
    lang = lang_of(request)
    body = render(
        "planner.html",
        texts(lang),
        {
            "lang": lang,
            "config": script_json(page_config(state, lang)),
            "lang_links": lang_links(request, lang),
        },
    )
    response = web.Response(text=body, content_type="text/html", charset="utf-8")
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    response.headers["Content-Security-Policy"] = page_csp(state)
    return response


def page_csp(state: WebState) -> str:
    """The planner page's content security policy: our scripts only; tiles from their host."""
    tiles = state.hub.settings.tiles_url
    tile_origin = "/".join(tiles.split("/")[:3]) if "://" in tiles else ""
    return (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
        f"img-src 'self' data: {tile_origin}; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'self'"
    ).replace("  ", " ")
