"""`hub info`: the summary of a built network (a region's, or any folder's)."""

from __future__ import annotations

import argparse
import json
import sys

from feeds.build import summary
from hub.commands.common import CommandError, Subparsers, add_target_arguments, region_of
from hub.networks import is_current, region_inputs
from hub.report import format_summary
from hub.settings import Settings
from routing.storage import load, read_version


def register(sub: Subparsers) -> None:
    """Add the `info` subcommand."""
    parser = sub.add_parser(
        "info",
        help="summary of a built network",
        description="Per-feed and merged figures of a built network (region or folder).",
    )
    add_target_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the summary of the chosen network."""
    if args.network is not None:
        directory = args.network
    else:
        region = region_of(args, settings)
        inputs = region_inputs(region, settings.cache_dir)
        directory = inputs.directory
        if read_version(directory) is None:
            raise CommandError(
                f"region {region.name} is not built yet; run: hub build --region {region.name}"
            )
        if not is_current(inputs):
            print(f"note: {directory} is older than the region's inputs", file=sys.stderr)
    network, _streets = load(directory)
    record = summary(network)
    if args.json:
        print(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        print(format_summary(record))
    return 0
