"""`hub validate`: check GTFS feeds and report errors and warnings, never a traceback."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter
from pathlib import Path

from feeds.notice import Notice, NoticeLog
from feeds.validation import validate_path
from hub.commands.common import Subparsers
from hub.settings import Settings

SHOWN_PER_CODE = 10


def register(sub: Subparsers) -> None:
    """Add the `validate` subcommand."""
    parser = sub.add_parser(
        "validate",
        help="validate GTFS feeds (zips or folders)",
        description=(
            "Report each feed's errors and warnings (code, severity, file, row, field) with "
            "counts. Exit 1 when any feed has errors."
        ),
    )
    parser.add_argument("paths", metavar="PATH", nargs="+", type=Path, help="GTFS zip or folder")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a list of {feed, code, severity, file, row, field, message}",
    )
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="also report calendars ended or expiring by this day (default: HUB_NOW's day)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Validate every path; print the reports; 1 when any has errors."""
    today = args.today or (settings.fixed_now.date() if settings.fixed_now else None)
    logs = [(path, validate_path(path, today=today)) for path in args.paths]
    if args.json:
        print(json.dumps([n.to_json() for _, log in logs for n in log.notices], indent=1))
    else:
        print("\n\n".join(format_log(path, log) for path, log in logs))
    return 1 if any(log.errors for _, log in logs) else 0


def format_log(path: Path, log: NoticeLog) -> str:
    """The text report of one feed: totals, counts by code, and the first notices of each."""
    lines = [f"{path} (feed {log.feed}): {log.errors} error(s), {log.warnings} warning(s)"]
    shown: Counter[str] = Counter()
    for notice in sorted(log.notices, key=_severity_order):
        shown[notice.code] += 1
        if shown[notice.code] <= SHOWN_PER_CODE:
            lines.append("  " + _notice_line(notice))
    for code, count in sorted(log.counts().items()):
        more = f" ({count - SHOWN_PER_CODE} not shown)" if count > SHOWN_PER_CODE else ""
        lines.append(f"  count {code}: {count}{more}")
    return "\n".join(lines)


def _severity_order(notice: Notice) -> tuple[int, str]:
    return ({"ERROR": 0, "WARNING": 1}.get(notice.severity, 2), notice.code)


def _notice_line(n: Notice) -> str:
    where = ":".join(str(part) for part in (n.file, n.row, n.field) if part is not None)
    return f"{n.severity:7} {n.code} {where or '-'} {n.message}"
