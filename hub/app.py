"""The aiohttp application: `/health`, the feeds, the loopback reload, the API and the web pages.

The API's endpoints live in `hub.api` (`setup_api`), the pages and the widget in `hub.web`
(`setup_web`); this module composes them around one `HubState`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.api.metrics import METRICS
from hub.api.setup import MIDDLEWARES, setup_api
from hub.clock import choose_clock
from hub.heap import freeze_long_lived
from hub.networks import region_inputs
from hub.problems import ApiError, reject_unknown_params
from hub.realtime import setup_realtime
from hub.regions import Region, load_region
from hub.reload import DirectorySource, NetworkSource, RegionSource, Reloader
from hub.settings import Settings
from hub.state import STATE, HubState
from hub.web.setup import setup_web
from routing.network import FeedSummary

MAX_BODY_BYTES = 64 * 1024
# HubState and STATE live in hub.state (hub.api imports them); re-exported for hub.web.
__all__ = ["STATE", "HubState", "create_app", "feed_json", "source_for"]


def source_for(settings: Settings) -> tuple[NetworkSource, Region | None]:
    """What to serve: `settings.network_dir` when set, else the region's cached network.

    Raises:
        hub.regions.RegionError: when the region file is missing or invalid.
        hub.regions.MissingInputs: when a region's local file is missing.
    """
    if settings.network_dir is not None:
        return DirectorySource(settings.network_dir), None
    region = load_region(settings.region, settings.regions_dir, settings.data_dir)
    region.require_inputs()
    return RegionSource(region.name, region_inputs(region, settings.cache_dir)), region


def _region_of(settings: Settings) -> Region | None:
    """The region being served (its demo date sets the clock), None for a bare folder."""
    if settings.network_dir is not None:
        return None
    return load_region(settings.region, settings.regions_dir, settings.data_dir)


def create_app(
    settings: Settings,
    *,
    source: NetworkSource | None = None,
    handle_signals: bool = False,
    freeze_gc: bool = False,
) -> web.Application:
    """The hub's web application.

    Args:
        settings: the hub's settings (region or network folder, clock, reload period).
        source: what to serve; by default derived from `settings` (see `source_for`).
        handle_signals: reload on SIGHUP (for `hub serve`; tests leave it off).
        freeze_gc: freeze the objects alive once started, and after each network swap, out
            of the cyclic garbage collector's reach (`hub.heap`; for `hub serve`: in a
            test process it would collect the whole test session at each start).

    The network is loaded when the application starts (building the region first if its
    cached network is stale); a failed first load stops the start-up with its reason.
    Collections are timed from then on, for `/metrics`.
    """
    if source is None:
        source, region = source_for(settings)
    else:
        region = _region_of(settings)
    demo_now = region.spec.defaults.demo_now if region else None
    reloader = Reloader(source, on_swap=freeze_long_lived if freeze_gc else None)
    state = HubState(settings, region, choose_clock(settings.now, demo_now), reloader)
    app = web.Application(middlewares=list(MIDDLEWARES), client_max_size=MAX_BODY_BYTES)
    app[STATE] = state
    app.cleanup_ctx.append(_serving(state, handle_signals))
    app.router.add_get("/health", health)
    app.router.add_get("/api/v1/feeds", list_feeds)
    app.router.add_get("/api/v1/feeds/{feed_id}", get_feed)
    app.router.add_post("/admin/reload", admin_reload)
    setup_api(app, settings)
    setup_web(app)
    setup_realtime(app)
    # on_startup callbacks run once every cleanup context has started: the network is loaded
    # and realtime runs
    app.on_startup.append(_started(freeze_gc))
    app.on_cleanup.append(_stopping)
    return app


def _started(freeze_gc: bool) -> Any:
    async def started(app: web.Application) -> None:
        if freeze_gc:
            freeze_long_lived()
        app[METRICS].gc_pauses.install()

    return started


async def _stopping(app: web.Application) -> None:
    app[METRICS].gc_pauses.remove()


def _serving(state: HubState, handle_signals: bool) -> Any:
    async def serving(app: web.Application) -> AsyncIterator[None]:
        status = await state.reloader.reload("startup")
        if status.state != "ok":
            raise RuntimeError(f"cannot serve: {status.error}")
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[Any]] = set()
        if handle_signals:
            loop.add_signal_handler(signal.SIGHUP, _spawn, tasks, state.reloader, "sighup")
        if state.settings.reload_check_s > 0:
            tasks.add(
                asyncio.create_task(state.reloader.run_periodic(state.settings.reload_check_s))
            )
        yield
        if handle_signals:
            loop.remove_signal_handler(signal.SIGHUP)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return serving


def _spawn(tasks: set[asyncio.Task[Any]], reloader: Reloader, trigger: str) -> None:
    task = asyncio.get_running_loop().create_task(reloader.reload(trigger))
    tasks.add(task)  # keep a reference until done, or the task may be collected mid-way
    task.add_done_callback(tasks.discard)


async def health(request: web.Request) -> web.Response:
    """Version, feeds and build time of the served network, the clock, and the reload status."""
    reject_unknown_params(request, frozenset())
    state = request.app[STATE]
    served = state.reloader.served
    network, status = served.network, state.reloader.status
    return web.json_response(
        {
            "status": "degraded" if status.state == "failed" else "ok",
            "serving": state.reloader.source.description,
            "now": state.clock.now().isoformat(),
            "clock": "fixed" if state.clock.fixed else "system",
            "network": {
                "version": network.version,
                "built_at": network.built_at,
                "loaded_at": served.loaded_at.isoformat(timespec="seconds"),
                "directory": str(served.directory),
                "timezone": network.timezone,
                "summary_date": network.summary_date.isoformat(),
                "feeds": [f.id for f in network.feeds],
                "stops": network.n_stops,
                "trips": len(network.trip_ids),
                "streets": served.streets is not None,
            },
            "reload": status.to_json(),
        }
    )


def feed_json(feed: FeedSummary) -> dict[str, Any]:
    """One feed as the API shows it."""
    return {
        "id": feed.id,
        "authority": feed.authority,
        "timezone": feed.timezone,
        "agencies": list(feed.agencies),
        "url": feed.url,
        "service_window": {"start_date": feed.start_date, "end_date": feed.end_date},
        "feed_info_window": {"start_date": feed.feed_info_start, "end_date": feed.feed_info_end},
        "counts": {
            "agencies": len(feed.agencies),
            "stops": feed.stops,
            "routes": feed.routes,
            "trips": feed.trips,
        },
        "validation": {"errors": feed.errors, "warnings": feed.warnings},
    }


async def list_feeds(request: web.Request) -> web.Response:
    """Every feed of the served network."""
    reject_unknown_params(request, frozenset())
    network = request.app[STATE].reloader.served.network
    return web.json_response(
        {"network_version": network.version, "feeds": [feed_json(f) for f in network.feeds]}
    )


async def get_feed(request: web.Request) -> web.Response:
    """One feed by its id."""
    reject_unknown_params(request, frozenset())
    feed_id = request.match_info["feed_id"]
    network = request.app[STATE].reloader.served.network
    for feed in network.feeds:
        if feed.id == feed_id:
            return web.json_response(feed_json(feed))
    known = ", ".join(f.id for f in network.feeds)
    raise ApiError(404, f"no feed {feed_id!r} (feeds: {known})", param="feed_id")


async def admin_reload(request: web.Request) -> web.Response:
    """Reload now and answer with the outcome; only from the machine itself."""
    if not _is_loopback(request.remote):
        raise ApiError(403, "the reload endpoint only answers loopback clients")
    reject_unknown_params(request, frozenset())
    status = await request.app[STATE].reloader.reload("admin")
    return web.json_response({"reload": status.to_json()})


def _is_loopback(remote: str | None) -> bool:
    if remote is None:
        return False
    try:
        return ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return False
