"""What the subcommands share: expected errors, and the `--region | --network` choice."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hub.employers import EmployerError
from hub.networks import BuildFailed
from hub.regions import MissingInputs, Region, RegionError, load_region
from hub.settings import Settings
from routing.storage import NetworkFormatError

# argparse's subparsers action has no public type name.
Subparsers = Any


class CommandError(Exception):
    """A failure the user can act on: printed as one message, never as a traceback."""


# Failures reported as their message, exit code 1.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    CommandError,
    RegionError,
    MissingInputs,
    BuildFailed,
    NetworkFormatError,
    EmployerError,
)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """`--region NAME | --network DIR`, mutually exclusive."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--region", metavar="NAME", help="region file name or path (default: HUB_REGION)"
    )
    group.add_argument(
        "--network", metavar="DIR", type=Path, help="a network folder written by hub build --out"
    )


def region_of(args: argparse.Namespace, settings: Settings) -> Region:
    """The region named on the command line, else the default one."""
    return load_region(args.region or settings.region, settings.regions_dir, settings.data_dir)


def progress(line: str) -> None:
    """Progress lines of long steps go to stderr, keeping stdout for results."""
    print(f"  .. {line}", file=sys.stderr, flush=True)
