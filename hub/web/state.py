"""What the web handlers share: the hub's state, the employers, the token signer, the assets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from hub.employers import Employers, WidgetTokens
from hub.settings import REPO_ROOT
from hub.state import HubState

WEB_ROOT = REPO_ROOT / "web"


@dataclass(frozen=True, slots=True)
class Assets:
    """Where the front-end files are: our modules, and Leaflet installed by npm."""

    src: Path
    leaflet: Path | None

    @classmethod
    def locate(cls, root: Path = WEB_ROOT) -> Assets:
        """The assets under `root` (``web/``); Leaflet is None until ``npm ci --prefix web``."""
        leaflet = root / "node_modules" / "leaflet" / "dist"
        return cls(root / "src", leaflet if leaflet.is_dir() else None)


@dataclass(frozen=True, slots=True)
class WebState:
    """One per application, under `WEB`."""

    hub: HubState
    employers: Employers
    tokens: WidgetTokens
    assets: Assets

    def local_now(self) -> dt.datetime:
        """The clock's now in the served network's timezone, to the minute."""
        network = self.hub.reloader.served.network
        return self.hub.clock.now().astimezone(network.tz).replace(second=0, microsecond=0)


WEB = web.AppKey("hub_web", WebState)


def web_state(request: web.Request) -> WebState:
    """The web state of the request's application."""
    return request.app[WEB]


def own_origin(request: web.Request) -> str:
    """The origin the hub is reached at (its own pages send no Origin on GET)."""
    return f"{request.scheme}://{request.host}".lower()


def page_origin(request: web.Request) -> str | None:
    """The origin of the page making the request, None when it is the hub's own page.

    Browsers send Origin on every cross-origin fetch; for a page load (the iframe of
    `/embed`) the Referer tells which page embeds it.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        origin = _origin_of(referer) if referer else None
    if origin is None or origin.lower() == own_origin(request):
        return None
    return origin


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()
