"""The `hub` command line: one subcommand per module of `hub.commands`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from hub import logging as hub_logging
from hub.commands import COMMANDS, EXPECTED_ERRORS
from hub.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """The parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="hub",
        description="Regional multimodal transit hub: build, inspect and serve the network.",
        epilog="Settings come from HUB_* environment variables (see README.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; returns its exit code (0 ok, 1 failure or usage error, 2 partial)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on usage errors; 2 means "built with feeds skipped" here.
        return 0 if exit_.code in (0, None) else 1
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"hub: invalid HUB_* setting:\n{error}", file=sys.stderr)
        return 1
    hub_logging.configure(settings.log_format, settings.log_level)
    try:
        code: int = args.run(args, settings)
    except EXPECTED_ERRORS as error:
        print(f"hub {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
