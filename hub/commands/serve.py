"""`hub serve`: build the region when needed, then serve the API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from aiohttp import web

from hub.app import create_app
from hub.commands.common import CommandError, Subparsers, add_target_arguments, progress
from hub.networks import ensure_built, region_inputs
from hub.regions import load_region
from hub.reload import remove_pidfile, write_pidfile
from hub.report import format_skipped
from hub.settings import Settings
from hub.workers import serve_workers
from routing.storage import read_version


def register(sub: Subparsers) -> None:
    """Add the `serve` subcommand."""
    parser = sub.add_parser(
        "serve",
        help="serve the API (building the region first when needed)",
        description=(
            "Serve /health and /api/v1 for a region (built first when its saved network is "
            "missing or stale) or a network folder. SIGHUP or `hub reload` reloads it."
        ),
    )
    add_target_arguments(parser)
    parser.add_argument("--host", help="listen address (default: HUB_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default: HUB_PORT, 8080)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (more than 1 needs HUB_REDIS_URL)",
    )
    parser.set_defaults(run=run)


def settings_from(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with the command line's overrides applied."""
    update: dict[str, object] = {}
    if args.region:
        update["region"] = args.region
    if args.network is not None:
        update["network_dir"] = Path(args.network)
    if args.host:
        update["host"] = args.host
    if args.port is not None:
        update["port"] = args.port
    return settings.model_copy(update=update)


def prepare(settings: Settings) -> Path:
    """Make sure there is a network to serve (building the region if needed); its folder.

    Raises:
        CommandError: when a network folder holds no network.
    """
    if settings.network_dir is not None:
        if read_version(settings.network_dir) is None:
            raise CommandError(f"{settings.network_dir} holds no built network (hub build --out)")
        return settings.network_dir
    region = load_region(settings.region, settings.regions_dir, settings.data_dir)
    region.require_inputs()
    ensured = ensure_built(region_inputs(region, settings.cache_dir), progress)
    if ensured.report is not None and ensured.report.skipped:
        print(format_skipped(ensured.report.skipped), file=sys.stderr)
    return ensured.directory


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build if needed, then serve until interrupted."""
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    if args.workers > 1 and settings.redis_url is None:
        raise CommandError(
            f"--workers {args.workers} needs HUB_REDIS_URL: worker processes share realtime "
            "state and subscriptions through Redis. Set it, or serve with one worker."
        )
    settings = settings_from(args, settings)
    if args.workers > 1 and "plan_threads" not in settings.model_fields_set:
        # One router thread per core in all: more only contend for the cores and the GIL.
        threads = max(1, (os.cpu_count() or 1) // args.workers)
        settings = settings.model_copy(update={"plan_threads": threads})
    directory = prepare(settings)
    print(f"serving {directory} on http://{settings.host}:{settings.port}", file=sys.stderr)
    if args.workers > 1:
        return serve_workers(settings, args.workers)
    return serve_one(settings)


def serve_one(settings: Settings, *, reuse_port: bool = False, pidfile: bool = True) -> int:
    """Run the application in this process until SIGINT/SIGTERM."""
    try:
        app = create_app(settings, handle_signals=True, freeze_gc=settings.gc_freeze)
    except OSError as error:
        raise CommandError(str(error)) from error
    if pidfile:
        write_pidfile(settings.pidfile())
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            reuse_port=reuse_port or None,
            print=None,
        )
    except OSError as error:
        raise CommandError(f"cannot listen on {settings.host}:{settings.port}: {error}") from error
    except RuntimeError as error:
        raise CommandError(str(error)) from error
    finally:
        if pidfile:
            remove_pidfile(settings.pidfile())
    return 0
