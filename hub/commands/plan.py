"""`hub plan`: door-to-door itineraries from the command line, one query or a JSONL batch.

Negative coordinates start with '-', which argparse takes for an option unless glued to it:
write ``--from=-30.03,-51.23``, not ``--from -30.03,-51.23``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from hub.clock import choose_clock
from hub.commands.common import CommandError, Subparsers, add_target_arguments, progress, region_of
from hub.networks import ensure_built, region_inputs
from hub.plan_request import Defaults, PlanRequest, RequestError, parse_request, problem, to_query
from hub.plan_text import format_plan
from hub.settings import Settings
from routing.access import UnknownStop
from routing.network import Network
from routing.plan import Plan
from routing.planner import plan
from routing.storage import load, read_version
from routing.streets import StreetGraph


@dataclass(frozen=True)
class Loaded:
    """The network to plan on, and the defaults of the region it comes from."""

    network: Network
    streets: StreetGraph | None
    defaults: Defaults


def register(sub: Subparsers) -> None:
    """Add the `plan` subcommand."""
    parser = sub.add_parser(
        "plan",
        help="door-to-door itineraries (one query, or a JSONL batch)",
        description=(
            "Plan from --from to --to, or every line of --batch FILE.jsonl. Places are "
            "LAT,LON or FEED:STOP; write negative coordinates glued with '=': "
            "--from=-30.0277,-51.2278. Times are ISO 8601, local to the network when "
            "they have no offset (default: now, HUB_NOW or the region's demo time)."
        ),
    )
    # Let values like "-30.03,-51.23" follow --from/--to as separate words too, as Python
    # 3.13's argparse does for anything starting with '-' and a digit.
    parser._negative_number_matcher = re.compile(r"^-\.?\d")
    add_target_arguments(parser)
    parser.add_argument("--from", dest="origin", metavar="LAT,LON|FEED:STOP")
    parser.add_argument("--to", dest="destination", metavar="LAT,LON|FEED:STOP")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--depart", metavar="ISO", help="leave at or after this time")
    when.add_argument("--arrive", metavar="ISO", help="arrive at or before this time")
    parser.add_argument("--window-min", type=int, default=0, metavar="N", help="departure window")
    parser.add_argument(
        "--max-walk-min", type=int, metavar="N", help="longest walk to or from a stop"
    )
    parser.add_argument("--modes", default="walk,transit", metavar="walk,bike,transit")
    parser.add_argument("--wheelchair", action="store_true", help="accessible stops and trips only")
    parser.add_argument("--json", action="store_true", help="print the Plan as JSON")
    parser.add_argument("--batch", metavar="FILE.jsonl", type=Path, help="one request per line")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Plan one query (human-readable or JSON) or a batch (JSON lines); 0 unless nothing loads."""
    loaded = load_network(args, settings)
    if args.batch is not None:
        if args.origin or args.destination:
            raise CommandError("give either --batch or --from/--to, not both")
        with _open(args.batch) as lines:
            for record in run_batch(loaded, lines):
                print(json.dumps(record, ensure_ascii=False), flush=False)
        sys.stdout.flush()
        return 0
    if not args.origin or not args.destination:
        raise CommandError("--from and --to are required (or --batch FILE.jsonl)")
    try:
        result = _plan_one(loaded, parse_request(_fields(args)))
    except RequestError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps(result.model_dump(by_alias=True, mode="json"), ensure_ascii=False))
    else:
        print(format_plan(result))
    return 0


def run_batch(loaded: Loaded, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """One output record per non-blank input line, in order; a bad line gives an error record.

    ``elapsed_ms`` covers reading the line's fields and planning (snapping, access and egress,
    transit search, itineraries), not the JSON output.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        started = time.perf_counter()
        request_id: Any = None
        try:
            data = _json_object(line)
            request_id = data.get("id")
            request = parse_request(data)
            if request.depart is None and request.arrive is None:
                raise RequestError("depart", "a batch line needs 'depart' or 'arrive'")
            result = _plan_one(loaded, request)
            elapsed = time.perf_counter() - started
            body = result.model_dump(by_alias=True, mode="json")
            yield _record(request_id, body, None, elapsed)
        except RequestError as error:
            yield _record(request_id, None, _line_problem(error.problem(), number), _since(started))
        except Exception as error:  # one failing query must not stop the batch
            found = problem(500, f"planning failed: {type(error).__name__}: {error}")
            yield _record(request_id, None, _line_problem(found, number), _since(started))


def load_network(args: argparse.Namespace, settings: Settings) -> Loaded:
    """The network of `--network DIR`, else of the region (built first when missing or stale).

    Raises:
        CommandError: when the folder holds no network.
    """
    # An explicit --region wins over HUB_NETWORK_DIR; --network over both.
    directory = args.network or (None if args.region else settings.network_dir)
    region = None
    if directory is None:
        region = region_of(args, settings)
        region.require_inputs()
        directory = ensure_built(region_inputs(region, settings.cache_dir), progress).directory
    elif read_version(directory) is None:
        raise CommandError(f"{directory} holds no built network (hub build --out DIR)")
    network, streets = load(directory)
    spec = None if region is None else region.spec.defaults
    clock = choose_clock(settings.now, None if spec is None else spec.demo_now)
    defaults = Defaults(
        now=clock.now(),
        tz=network.tz,
        max_walk_min=15 if spec is None else round(spec.max_walk_min),
        walk_speed_mps=1.3 if spec is None else spec.walk_speed_mps,
    )
    return Loaded(network, streets, defaults)


def _plan_one(loaded: Loaded, request: PlanRequest) -> Plan:
    query = to_query(request, loaded.defaults)
    try:
        return plan(loaded.network, loaded.streets, None, query)
    except UnknownStop as error:
        raise RequestError("from" if error.role == "origin" else "to", str(error)) from None


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    fields = {
        "from": args.origin,
        "to": args.destination,
        "depart": args.depart,
        "arrive": args.arrive,
        "window_min": args.window_min,
        "max_walk_min": args.max_walk_min,
        "modes": modes,
        "wheelchair": args.wheelchair,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _json_object(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise RequestError("line", f"not JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise RequestError("line", "expected a JSON object")
    return data


def _record(
    request_id: Any, body: dict[str, Any] | None, error: dict[str, Any] | None, elapsed_s: float
) -> dict[str, Any]:
    return {
        "id": request_id,
        "plan": body,
        "itineraries": [] if body is None else body["itineraries"],
        "error": error,
        "elapsed_ms": round(elapsed_s * 1000, 3),
    }


def _line_problem(body: dict[str, Any], number: int) -> dict[str, Any]:
    return {**body, "line": number}


def _since(started: float) -> float:
    return time.perf_counter() - started


def _open(path: Path) -> TextIO:
    if str(path) == "-":
        return sys.stdin
    try:
        return path.open(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
