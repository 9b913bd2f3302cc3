"""`hub build`: build a region, or feeds given on the command line, into a network folder."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from feeds.build import summary
from hub.commands.common import CommandError, Subparsers, progress, region_of
from hub.networks import BuildInputs, adhoc_inputs, build_into, is_current, region_inputs
from hub.regions import FEED_ID_PATTERN
from hub.report import format_skipped, format_summary, format_timings
from hub.settings import Settings
from routing.storage import load

ADHOC_DIR = "adhoc"


def register(sub: Subparsers) -> None:
    """Add the `build` subcommand."""
    parser = sub.add_parser(
        "build",
        help="build a region or ad-hoc feeds into a network folder",
        description=(
            "Load, validate and merge the feeds of a region (default: HUB_REGION) or of "
            "--feed ID=PATH options, and save the network. Reuses the saved network when its "
            "inputs are unchanged. Exit 0: all built; 2: built with feeds skipped; 1: nothing "
            "built or a usage error."
        ),
    )
    parser.add_argument("--region", metavar="NAME", help="region file name or path")
    parser.add_argument(
        "--feed",
        metavar="ID=PATH",
        action="append",
        type=_feed_arg,
        help="an ad-hoc GTFS zip or folder (repeat for several); no region file needed",
    )
    parser.add_argument("--osm", metavar="PATH", type=Path, help="OSM extract for --feed builds")
    parser.add_argument(
        "--out", metavar="DIR", type=Path, help="network folder (default: HUB_CACHE_DIR/<region>)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.set_defaults(run=run)


def _feed_arg(text: str) -> tuple[str, Path]:
    feed_id, sep, path = text.partition("=")
    if not sep or not path or not re.match(FEED_ID_PATTERN, feed_id):
        raise argparse.ArgumentTypeError(
            f"expected ID=PATH with ID of lowercase letters, digits, '_' or '-', got {text!r}"
        )
    return feed_id, Path(path)


def inputs_from(args: argparse.Namespace, settings: Settings) -> BuildInputs:
    """The build inputs the options describe.

    Raises:
        CommandError: on contradictory options or a missing ad-hoc file.
    """
    if args.feed:
        if args.region:
            raise CommandError("give either --region or --feed, not both")
        for feed_id, path in args.feed:
            if not path.exists():
                raise CommandError(f"feed {feed_id}: no such file or folder: {path}")
        if args.osm is not None and not args.osm.is_file():
            raise CommandError(f"no such OSM extract: {args.osm}")
        return adhoc_inputs(args.feed, args.osm, args.out or settings.cache_dir / ADHOC_DIR)
    if args.osm is not None:
        raise CommandError("--osm goes with --feed; a region names its own OSM extract")
    region = region_of(args, settings)
    region.require_inputs()
    inputs = region_inputs(region, settings.cache_dir)
    return inputs if args.out is None else _with_directory(inputs, args.out)


def _with_directory(inputs: BuildInputs, directory: Path) -> BuildInputs:
    return BuildInputs(inputs.sources, inputs.osm, inputs.options, directory)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build (or reuse) and print the summary; the exit code says what was built."""
    inputs = inputs_from(args, settings)
    if not args.force and is_current(inputs):
        return _report_cached(inputs)
    print(f"building {len(inputs.sources)} feed(s) into {inputs.directory}", file=sys.stderr)
    report = build_into(inputs, progress)
    if report.skipped:
        print(format_skipped(report.skipped))
    if report.network is None:
        print(f"nothing built; {inputs.directory} left as it was", file=sys.stderr)
        return 1
    print(format_summary(summary(report.network)))
    print(format_timings(report.timings_s))
    print(f"saved to {inputs.directory}")
    return report.exit_code


def _report_cached(inputs: BuildInputs) -> int:
    network, _streets = load(inputs.directory)
    print(f"up to date: {inputs.directory} (version {network.version[:12]})", file=sys.stderr)
    print(format_summary(summary(network)))
    built = {feed.id for feed in network.feeds}
    missing = [source.id for source in inputs.sources if source.id not in built]
    if missing:
        print(f"skipped when it was built: {', '.join(missing)} (see the build's output)")
        return 2
    return 0
