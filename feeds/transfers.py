"""Footpaths between stops: nearby walks, station links and the data's transfer rules, merged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from feeds.loaded import LoadedFeed
from feeds.merged_stops import StopTable
from feeds.notice import Notice
from feeds.source import BuildOptions
from feeds.transfer_rules import FORBIDDEN, MIN_TIME, extra_rules, gtfs_rules
from feeds.walks import Walks, nearby_pairs, walk_durations
from routing.network import I8, I32, TRANSFER_GTFS, TRANSFER_SAME_STATION
from routing.streets import StreetGraph

# When several sources give a footpath between the same two stops, the highest priority wins
# (then the quickest): an explicit time from the data, then the station, then the walk.
RULE, STATION, WALK, ASSERTED, REVERSE = 4, 3, 2, 1, 0


@dataclass(frozen=True, eq=False)
class Footpaths:
    """Directed footpaths (``from_stop[e]`` to ``to_stop[e]``) and minimum same-stop times."""

    from_stop: I32
    to_stop: I32
    duration_s: I32
    kind: I8
    min_transfer_s: I32

    def csr(self) -> tuple[I32, I32, I32, I8]:
        """``transfer_ptr, transfer_to, transfer_s, transfer_kind`` as `Network` holds them."""
        order = np.lexsort((self.to_stop, self.duration_s, self.from_stop))
        counts = np.bincount(self.from_stop, minlength=self.min_transfer_s.size)
        ptr = np.zeros(counts.size + 1, dtype=np.int32)
        np.cumsum(counts, out=ptr[1:])
        return ptr, self.to_stop[order], self.duration_s[order], self.kind[order]


def compute_footpaths(
    stops: StopTable,
    feeds: Sequence[LoadedFeed],
    streets: StreetGraph | None,
    options: BuildOptions,
) -> tuple[Footpaths, list[Notice]]:
    """Link stops by footpaths, symmetric, as a RAPTOR with one relaxation per round needs.

    * every two boardable stops (of any feeds) within ``options.transfer_radius_m``: a walk
      on the streets, or crow-fly with a detour (see `feeds.walks`);
    * stops of one station, each to each (``TRANSFER_SAME_STATION``, at least
      ``options.min_transfer_s``); a stop linked to one of them reaches the others through it;
    * transfers.txt: type 2 sets the time (between two stops) or the stop's minimum transfer
      time (same stop), type 3 removes the footpath, types 0 and 1 add a walk if none exists;
    * ``options.extra_transfers``: feed-scoped cross-feed rules, like type 2.

    Returns:
        The footpaths and the notices about the extra transfers file.
    """
    a, b = nearby_pairs(stops, options.transfer_radius_m)
    walks = _links(walk_durations(stops, streets, a, b, options), WALK)
    station = _station_links(stops, streets, options)
    rules, notices = _rules(feeds, stops, options)
    links = pd.concat(
        [
            walks,
            station,
            _through_stations(walks, station),
            _rule_links(rules, stops, streets, options),
        ],
        ignore_index=True,
    )
    links = _symmetric(_best(links))
    links = _without(
        links, rules[(rules["transfer_type"] == FORBIDDEN) & (rules["a"] != rules["b"])]
    )
    footpaths = Footpaths(
        from_stop=links["a"].to_numpy(np.int32),
        to_stop=links["b"].to_numpy(np.int32),
        duration_s=links["s"].to_numpy(np.int32),
        kind=links["kind"].to_numpy(np.int8),
        min_transfer_s=_min_transfer(rules, len(stops), options.min_transfer_s),
    )
    return footpaths, notices


def _links(walks: Walks, priority: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": walks.from_stop.astype(np.int64),
            "b": walks.to_stop.astype(np.int64),
            "s": walks.duration_s.astype(np.int64),
            "kind": walks.kind,
            "priority": priority,
        }
    )


def _station_links(
    stops: StopTable, streets: StreetGraph | None, options: BuildOptions
) -> pd.DataFrame:
    """Every ordered pair of boardable stops sharing a parent station."""
    board = np.flatnonzero(stops.boardable & (stops.parent >= 0))
    members = pd.DataFrame({"stop": board, "parent": stops.parent[board]})
    pairs = members.merge(members, on="parent", suffixes=("_a", "_b"))
    pairs = pairs[pairs["stop_a"] != pairs["stop_b"]]
    a, b = pairs["stop_a"].to_numpy(np.int32), pairs["stop_b"].to_numpy(np.int32)
    links = _links(walk_durations(stops, streets, a, b, options), STATION)
    links["s"] = np.maximum(links["s"], options.min_transfer_s)
    links["kind"] = np.int8(TRANSFER_SAME_STATION)
    return links


def _through_stations(walks: pd.DataFrame, station: pd.DataFrame) -> pd.DataFrame:
    """Walks to one stop of a station extended to its other stops (x -> c -> c')."""
    hop = station[["a", "b", "s"]].rename(columns={"a": "via", "b": "to", "s": "s2"})
    joined = walks.merge(hop, left_on="b", right_on="via")
    joined = joined[joined["a"] != joined["to"]]
    return pd.DataFrame(
        {
            "a": joined["a"],
            "b": joined["to"],
            "s": joined["s"] + joined["s2"],
            "kind": joined["kind"],
            "priority": WALK,
        }
    )


def _rules(
    feeds: Sequence[LoadedFeed], stops: StopTable, options: BuildOptions
) -> tuple[pd.DataFrame, list[Notice]]:
    rules = gtfs_rules(feeds, stops)
    if options.extra_transfers is None:
        return rules, []
    extra, notices = extra_rules(options.extra_transfers, stops)
    return pd.concat([rules, extra], ignore_index=True), notices


def _rule_links(
    rules: pd.DataFrame, stops: StopTable, streets: StreetGraph | None, options: BuildOptions
) -> pd.DataFrame:
    """Footpaths the rules give between distinct stops (timed ones win over walks)."""
    given = rules[(rules["a"] != rules["b"]) & (rules["transfer_type"] != FORBIDDEN)]
    a, b = given["a"].to_numpy(np.int32), given["b"].to_numpy(np.int32)
    links = _links(walk_durations(stops, streets, a, b, options), ASSERTED)
    timed = (given["transfer_type"].to_numpy() == MIN_TIME) & (
        given["min_transfer_time"].to_numpy() >= 0
    )
    links.loc[timed, "s"] = given["min_transfer_time"].to_numpy()[timed]
    links.loc[timed, "priority"] = RULE
    links["kind"] = np.int8(TRANSFER_GTFS)
    return links


def _best(links: pd.DataFrame) -> pd.DataFrame:
    ranked = links.sort_values(["priority", "s"], ascending=[False, True], kind="stable")
    return ranked.drop_duplicates(["a", "b"]).reset_index(drop=True)


def _symmetric(links: pd.DataFrame) -> pd.DataFrame:
    """Add b -> a wherever only a -> b exists, with the same time and kind."""
    reverse = links.rename(columns={"a": "b", "b": "a"}).assign(priority=REVERSE)
    return _best(pd.concat([links, reverse], ignore_index=True))


def _without(links: pd.DataFrame, forbidden: pd.DataFrame) -> pd.DataFrame:
    if forbidden.empty:
        return links
    keys = links["a"].to_numpy(np.int64) * (1 << 32) + links["b"].to_numpy(np.int64)
    banned = forbidden["a"].to_numpy(np.int64) * (1 << 32) + forbidden["b"].to_numpy(np.int64)
    return links[~np.isin(keys, banned)].reset_index(drop=True)


def _min_transfer(rules: pd.DataFrame, n_stops: int, default_s: int) -> I32:
    """Minimum same-stop transfer time: transfers.txt type 2 from a stop to itself, else default."""
    out = np.full(n_stops, default_s, dtype=np.int32)
    same = rules[
        (rules["a"] == rules["b"])
        & (rules["transfer_type"] == MIN_TIME)
        & (rules["min_transfer_time"] >= 0)
    ]
    longest = same.groupby("a")["min_transfer_time"].max()
    out[longest.index.to_numpy(np.int64)] = longest.to_numpy(np.int32)
    return out
