"""`setup_web(app)`: the pages, the widget, the static files and CORS, added to the hub's app."""

from __future__ import annotations

import logging

from aiohttp import web

from hub.employers import WidgetTokens, load_employers, widget_secret
from hub.state import STATE
from hub.web.builder import builder_handler, snippet_handler
from hub.web.pages import planner_page
from hub.web.state import WEB, Assets, WebState
from hub.web.widget import config_handler, embed_handler, loader_handler

log = logging.getLogger("hub.web")
CORS_ORIGIN = "Access-Control-Allow-Origin"


def setup_web(app: web.Application) -> None:
    """Add `/`, `/widget.js`, `/widget/*`, `/embed` and `/static/` to the hub's application.

    Call it from `create_app` once the hub's state is set.

    Raises:
        hub.employers.EmployerError: for an employer file that cannot be used.
    """
    hub = app[STATE]
    employers = load_employers(hub.settings.employers_dir)
    assets = Assets.locate()
    tokens = WidgetTokens(widget_secret(hub.settings), employers)
    app[WEB] = WebState(hub, employers, tokens, assets)
    app.router.add_get("/", planner_page, name="planner")
    app.router.add_get("/widget.js", loader_handler)
    app.router.add_get("/widget/config", config_handler)
    app.router.add_get("/widget/snippet", snippet_handler)
    app.router.add_get("/widget/builder", builder_handler)
    app.router.add_get("/embed", embed_handler)
    app.router.add_static("/static/", assets.src, append_version=False)
    if assets.leaflet is not None:
        app.router.add_static("/vendor/leaflet/", assets.leaflet)
    else:
        log.warning("web/node_modules is missing (npm ci --prefix web): the page has no map")
    app.on_response_prepare.append(cors_headers)


async def cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Let employers' pages use the widget's files, its configuration and the API.

    Scripts and styles are public (module scripts are fetched in CORS mode). The widget's
    configuration answers every origin, so that a refused page can read and show why. The
    API answers the origins some employer allows, unless its own handlers already did.
    """
    path = request.path
    if path.startswith(("/static/", "/vendor/")) or path == "/widget.js":
        response.headers[CORS_ORIGIN] = "*"
        return
    origin = request.headers.get("Origin")
    if origin is None or CORS_ORIGIN in response.headers:
        return
    allowed = request.app[WEB].employers.origins()
    if path == "/widget/config" or (path.startswith("/api/") and origin.lower() in allowed):
        response.headers[CORS_ORIGIN] = origin
        response.headers.add("Vary", "Origin")
