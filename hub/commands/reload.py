"""`hub reload`: ask a running `hub serve` to reload its network, and report the outcome."""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
import urllib.error
import urllib.request
from typing import Any

from hub.commands.common import CommandError, Subparsers
from hub.reload import running_pid
from hub.settings import Settings

POLL_S = 0.5


def register(sub: Subparsers) -> None:
    """Add the `reload` subcommand."""
    parser = sub.add_parser(
        "reload",
        help="make a running hub serve reload its network",
        description=(
            "Send SIGHUP to the `hub serve` whose pid is in HUB_CACHE_DIR/serve-<port>.pid "
            "(all its workers reload), or else POST /admin/reload on loopback; then report "
            "the outcome from /health. Exit 1 when the reload failed."
        ),
    )
    parser.add_argument("--port", type=int, help="port of the server (default: HUB_PORT)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (300)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Trigger the reload and print its status."""
    if args.port is not None:
        settings = settings.model_copy(update={"port": args.port})
    base = f"http://127.0.0.1:{settings.port}"
    pid = running_pid(settings.pidfile())
    if pid is not None:
        before = _reload_status(base, timeout=10).get("attempted_at")
        os.kill(pid, signal.SIGHUP)
        status = _wait_for_reload(base, before, args.timeout)
    else:
        status = _post_json(f"{base}/admin/reload", args.timeout)["reload"]
    print(json.dumps(status, indent=2))
    return 0 if status.get("state") == "ok" else 1


def _wait_for_reload(base: str, before: object, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        status = _reload_status(base, timeout=10)
        if status.get("attempted_at") != before and status.get("state") != "loading":
            return status
    raise CommandError(f"no reload outcome within {timeout_s:g} s (see the server's log)")


def _reload_status(base: str, timeout: float) -> dict[str, Any]:
    status: dict[str, Any] = _get_json(f"{base}/health", timeout)["reload"]
    return status


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    return _request(urllib.request.Request(url), timeout)


def _post_json(url: str, timeout: float) -> dict[str, Any]:
    return _request(urllib.request.Request(url, data=b"", method="POST"), timeout)


def _request(request: urllib.request.Request, timeout: float) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: dict[str, Any] = json.loads(response.read())
            return body
    except urllib.error.HTTPError as error:
        raise CommandError(f"{request.full_url}: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise CommandError(f"no hub serve answers at {request.full_url}: {error}") from error
