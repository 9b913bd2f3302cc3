"""The text form of a build summary, as `hub build` and `hub info` print it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

FEED_COLUMNS = ("feed", "agencies", "stops", "routes", "trips", "first day", "last day")


def format_summary(summary: Mapping[str, Any]) -> str:
    """Per-feed and merged figures of `feeds.build.summary(network)` as an aligned table."""
    rows = [FEED_COLUMNS] + [_feed_row(feed) for feed in summary["feeds"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(FEED_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += [
        "",
        f"merged: {summary['stops']} stops, {summary['routes']} routes, {summary['trips']} trips, "
        f"{summary['cross_feed_transfers']} cross-feed transfer links",
        f"        {summary['connections']} connections on {summary['summary_date']} "
        "(the summary day)",
        f"version {summary['version']}  built {summary['built_at']}  tz {summary['timezone']}",
    ]
    return "\n".join(lines)


def _feed_row(feed: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        str(feed["id"]),
        ",".join(feed["agencies"]),
        str(feed["stops"]),
        str(feed["routes"]),
        str(feed["trips"]),
        feed["start_date"] or "-",
        feed["end_date"] or "-",
    )


def format_timings(timings_s: Mapping[str, float]) -> str:
    """Time per build step, e.g. `time: gtfs 1.2 s, osm 0.8 s, ... total 3.1 s`."""
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings_s.items())
    return f"time: {steps}, total {sum(timings_s.values()):.1f} s"


def format_skipped(skipped: Sequence[tuple[str, str]]) -> str:
    """One line per feed (or OSM extract) left out of the build, with its reason."""
    return "\n".join(f"skipped {what}: {reason}" for what, reason in skipped)
