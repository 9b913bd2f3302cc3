"""`hub fetch`: download a region's files from their public URLs (only when asked)."""

from __future__ import annotations

import argparse
import sys

from hub.commands.common import Subparsers, region_of
from hub.fetch import fetch_target, format_result, targets_of
from hub.settings import Settings


def register(sub: Subparsers) -> None:
    """Add the `fetch` subcommand."""
    parser = sub.add_parser(
        "fetch",
        help="download a region's feeds and OSM extract",
        description=(
            "Download each missing file of a region (feeds, OSM extract, realtime captures) "
            "from its URL into HUB_DATA_DIR, with a deadline (HUB_FETCH_TIMEOUT_S) and a size "
            "cap (HUB_FETCH_MAX_MB), and print its SHA-256. Exit 1 when any download failed."
        ),
    )
    parser.add_argument("--region", metavar="NAME", help="region file name or path")
    parser.add_argument("--force", action="store_true", help="download files already present")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch every target of the region, one line each."""
    region = region_of(args, settings)
    max_bytes = int(settings.fetch_max_mb * 1024 * 1024)
    failed = 0
    for target in targets_of(region):
        if target.url is not None and (args.force or not target.path.exists()):
            print(f"fetching {target.url}", file=sys.stderr, flush=True)
        result = fetch_target(target, settings.fetch_timeout_s, max_bytes, args.force)
        print(format_result(result), flush=True)
        failed += result.status in ("failed", "no-url")
    if failed:
        print(f"{failed} file(s) not fetched", file=sys.stderr)
    return 1 if failed else 0
