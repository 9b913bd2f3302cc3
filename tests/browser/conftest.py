"""Browser tests: the real hub on loopback, a page of another origin, headless Debian Chromium."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from hub.app import create_app
from hub.settings import REPO_ROOT, Settings
from tests.conftest import serve_folder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
DEMO_NOW = "2019-05-14T14:00:00-03:00"
WIDGET_SECRET = "browser tests widget secret 0123456789"


@dataclass(frozen=True)
class PageServer:
    """Static pages on another port: another origin than the hub's."""

    port: int
    root: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def other_origin(self) -> str:
        # The same server under another host name is another origin for the browser.
        return f"http://localhost:{self.port}"


@pytest.fixture(scope="session")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    root = tmp_path_factory.mktemp("employer-site")
    with serve_folder(root) as port:
        yield PageServer(port, root)


class HubThread:
    """The hub's aiohttp application served from a thread of its own (its own event loop)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._start())
        except BaseException as error:  # reported to the test thread
            self.error = error
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._stop())
        self.loop.close()

    async def _start(self) -> None:
        self.runner = web.AppRunner(create_app(self.settings), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def _stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def __enter__(self) -> HubThread:
        self.thread.start()
        self.ready.wait(120)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


EMPLOYER = """
name = "Hospital do Teste"
language = "en"
modes = ["walk", "transit"]
allowed_origins = ["{origin}"]

[branding]
accent = "#b3261e"

[[sites]]
id = "main"
label = "Hospital do Teste, main entrance"
lat = -30.030426
lon = -51.222396
shift_start = 15:00:00

[[sites]]
id = "farrapos"
label = "Hospital do Teste, Farrapos clinic"
stop = "trensurb:FR"
shift_start = 16:00:00
"""


@pytest.fixture(scope="session")
def hub(
    porto_alegre_dir: Path, page_server: PageServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubThread]:
    """The real Porto Alegre network served on loopback, its clock on the demo day."""
    employers = tmp_path_factory.mktemp("employers")
    text = EMPLOYER.replace("{origin}", page_server.origin)
    (employers / "hospital.toml").write_text(text, encoding="utf-8")
    settings = Settings(
        network_dir=porto_alegre_dir,
        cache_dir=tmp_path_factory.mktemp("cache"),
        employers_dir=employers,
        widget_secret=WIDGET_SECRET,
        now=DEMO_NOW,
        reload_check_s=0,
        # Tiles need not load in tests: a loopback port nothing listens on answers at once.
        tiles_url="http://127.0.0.1:9/{z}/{x}/{y}.png",
    )
    with HubThread(settings) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Chromium, closed when the browser tests end.

    Playwright's sync API keeps an event loop running in the main thread while it is open,
    which would break every pytest-asyncio test collected after this package.
    """
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page; its console errors are collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.errors = errors
    try:
        yield opened
    finally:
        shot(opened, f"{request.node.name}-last")
        context.close()


def shot(page: Any, name: str) -> Path:
    """Keep a screenshot as a test artifact (artifacts/browser/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
