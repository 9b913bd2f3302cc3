"""The subcommands of `hub`, one module each; a new one (e.g. `plan`) is added to COMMANDS.

Each module has `register(subparsers)`, which adds its parser and sets `run`, a function
`(args, settings) -> exit code`.
"""

from __future__ import annotations

from types import ModuleType

from hub.commands import build, fetch, info, plan, reload, serve, validate
from hub.commands.common import EXPECTED_ERRORS, CommandError

COMMANDS: tuple[ModuleType, ...] = (build, info, validate, fetch, serve, reload, plan)

__all__ = ["COMMANDS", "EXPECTED_ERRORS", "CommandError"]
