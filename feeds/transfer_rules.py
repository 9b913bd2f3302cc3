"""Transfer rules given by the data: each feed's transfers.txt and a region's extra CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from feeds.loaded import LoadedFeed
from feeds.merged_stops import StopTable, positions, scoped
from feeds.notice import Notice

EXTRA_FEED = "extra_transfers"
RECOMMENDED, TIMED, MIN_TIME, FORBIDDEN = 0, 1, 2, 3
RULE_COLUMNS = ["a", "b", "transfer_type", "min_transfer_time"]
EXTRA_COLUMNS = ["from_stop_id", "to_stop_id", "min_transfer_time"]


def gtfs_rules(feeds: Sequence[LoadedFeed], stops: StopTable) -> pd.DataFrame:
    """The transfers.txt rows of all feeds on network stop indices, stations expanded.

    A rule naming a station applies to every boardable stop of that station. Rows naming
    unknown stops are dropped (the loader reports them). Columns: a, b, transfer_type,
    min_transfer_time (-1 when blank).
    """
    index = pd.Index(stops.ids)
    frames = [
        pd.DataFrame(
            {
                "a": positions(index, scoped(feed.id, feed.transfers["from_stop_id"])),
                "b": positions(index, scoped(feed.id, feed.transfers["to_stop_id"])),
                "transfer_type": feed.transfers["transfer_type"].to_numpy(np.int64),
                "min_transfer_time": feed.transfers["min_transfer_time"].to_numpy(np.int64),
            }
        )
        for feed in feeds
        if not feed.transfers.empty
    ]
    if not frames:
        return _no_rules()
    return expand_stations(pd.concat(frames, ignore_index=True), stops)


def extra_rules(path: Path, stops: StopTable) -> tuple[pd.DataFrame, list[Notice]]:
    """A region's cross-feed transfers: CSV ``from_stop_id,to_stop_id,min_transfer_time``.

    Stop ids are feed-scoped (``eptc:123``); a blank time means "walk it". Each row becomes a
    minimum-time rule (transfer_type 2). Rows naming unknown stops are reported and skipped;
    a file that cannot be read is reported and gives no rule.
    """
    table = _read_extra(path)
    if isinstance(table, Notice):
        return _no_rules(), [table]
    index = pd.Index(stops.ids)
    a = positions(index, table["from_stop_id"].str.strip())
    b = positions(index, table["to_stop_id"].str.strip())
    notices = [
        Notice(EXTRA_FEED, "foreign_key_violation", "ERROR", path.name, row + 1, field,
               f"{field} {table[field].iloc[row]!r} names no stop of the network")
        for field, found in (("from_stop_id", a), ("to_stop_id", b))
        for row in np.flatnonzero(found < 0).tolist()
    ]  # fmt: skip
    seconds = pd.to_numeric(table["min_transfer_time"], errors="coerce").fillna(-1)
    rules = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "transfer_type": MIN_TIME,
            "min_transfer_time": seconds.to_numpy(np.int64),
        }
    )
    return expand_stations(rules, stops), notices


def _read_extra(path: Path) -> pd.DataFrame | Notice:
    """The extra transfers table, or the notice saying why it cannot be used."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return Notice(EXTRA_FEED, "invalid_extra_transfers", "ERROR", path.name, None, None,
                      f"cannot read {path}: {error}")  # fmt: skip
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in EXTRA_COLUMNS if c not in table.columns]
    if missing:
        message = f"{path.name} lacks the column(s) {', '.join(missing)}"
        return Notice(
            EXTRA_FEED, "missing_required_column", "ERROR", path.name, None, missing[0], message
        )
    return table


def _no_rules() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=np.int64) for c in RULE_COLUMNS})


def expand_stations(rules: pd.DataFrame, stops: StopTable) -> pd.DataFrame:
    """Rules on boardable stops only: a station stands for each of its boardable stops."""
    members = _members(stops)
    rules = rules[(rules["a"] >= 0) & (rules["b"] >= 0)]
    rules = rules.merge(members.rename(columns={"member": "a2"}), left_on="a", right_on="stop")
    rules = rules.drop(columns="stop").merge(
        members.rename(columns={"member": "b2"}), left_on="b", right_on="stop"
    )
    out = pd.DataFrame(
        {
            "a": rules["a2"].to_numpy(np.int64),
            "b": rules["b2"].to_numpy(np.int64),
            "transfer_type": rules["transfer_type"].to_numpy(np.int64),
            "min_transfer_time": rules["min_transfer_time"].to_numpy(np.int64),
        }
    )
    return out.reset_index(drop=True)


def _members(stops: StopTable) -> pd.DataFrame:
    """(stop, member): a boardable stop stands for itself, a station for its children."""
    board = np.flatnonzero(stops.boardable)
    children = board[stops.parent[board] >= 0]
    return pd.DataFrame(
        {
            "stop": np.concatenate([board, stops.parent[children]]),
            "member": np.concatenate([board, children]),
        }
    )
