"""Combine, deduplicate and filter itineraries into a small, diverse set, each labelled.

As OpenTripPlanner's itinerary filter chain does (remove duplicates, remove transit when
walking alone is better, keep the Pareto-optimal ones, cap the count) and with tags like
Navitia's journey tags: `fastest`, `fewest_transfers`, `least_walking`, `walk_only`,
`bike_only`, and `wheelchair` when the query asked for accessible journeys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from routing.plan import Itinerary, Tag, replaced

MAX_ITINERARIES = 5
# As OpenTripPlanner's default transit cost limit (15 min + 1.5 x the best), on durations.
SLACK_S = 15 * 60
SLACK_FACTOR = 1.5

Key = Callable[[Itinerary], tuple[float, ...]]


def select(
    itineraries: Sequence[Itinerary],
    *,
    arrive_by: bool = False,
    wheelchair: bool = False,
    limit: int = MAX_ITINERARIES,
) -> list[Itinerary]:
    """The itineraries worth showing, tagged, sorted by departure then arrival.

    Every tagged itinerary is kept; the others fill up to `limit`, best first (earliest
    arrival, or latest departure for an arrive-by query).
    """
    best = _best_key(arrive_by)
    kept = _pareto(_drop_far_slower(_drop_slower_than_walking(_dedupe(itineraries))))
    kept.sort(key=best)
    tags = _tags(kept, best, wheelchair)
    labelled = [any(t != "wheelchair" for t in tags[i]) for i in range(len(kept))]
    chosen = [i for i in range(len(kept)) if labelled[i]]
    chosen += [i for i in range(len(kept)) if not labelled[i]][: max(0, limit - len(chosen))]
    out = [replaced(kept[i], tags=tags[i]) for i in chosen]
    return sorted(out, key=lambda it: (it.departure, it.arrival, it.transfers))


def is_walk_only(itinerary: Itinerary) -> bool:
    """True when every leg is on foot."""
    return all(leg.mode == "walk" for leg in itinerary.legs)


def is_bike_only(itinerary: Itinerary) -> bool:
    """True when every leg is by bike."""
    return all(leg.mode == "bike" for leg in itinerary.legs)


def has_transit(itinerary: Itinerary) -> bool:
    """True when at least one leg rides a transit vehicle."""
    return any(leg.transit for leg in itinerary.legs)


def _best_key(arrive_by: bool) -> Key:
    def key(it: Itinerary) -> tuple[float, ...]:
        first = -_ts(it.departure) if arrive_by else _ts(it.arrival)
        return (first, it.duration_s, it.transfers, it.walk_distance_m + it.bike_distance_m)

    return key


def _ts(moment: dt.datetime) -> float:
    return moment.timestamp()


def _signature(it: Itinerary) -> tuple[object, ...]:
    return tuple(
        (leg.mode, leg.trip_id, leg.from_.id, leg.to.id, leg.departure, leg.arrival)
        for leg in it.legs
    )


def _dedupe(itineraries: Sequence[Itinerary]) -> list[Itinerary]:
    return list({_signature(it): it for it in reversed(itineraries)}.values())[::-1]


def _drop_slower_than_walking(itineraries: list[Itinerary]) -> list[Itinerary]:
    """Transit taking at least as long as walking the whole way is not worth offering."""
    walks = [it.duration_s for it in itineraries if is_walk_only(it)]
    if not walks:
        return itineraries
    walk_s = min(walks)
    return [it for it in itineraries if not (has_transit(it) and it.duration_s >= walk_s)]


def _drop_far_slower(itineraries: list[Itinerary]) -> list[Itinerary]:
    """Transit taking far longer than the quickest itinerary of any kind is noise."""
    if not itineraries:
        return itineraries
    limit = SLACK_S + SLACK_FACTOR * min(it.duration_s for it in itineraries)
    return [it for it in itineraries if not has_transit(it) or it.duration_s <= limit]


def _criteria(it: Itinerary) -> tuple[float, ...]:
    # Smaller is better in each: later departure, earlier arrival, fewer transfers, less effort.
    return (
        -_ts(it.departure),
        _ts(it.arrival),
        it.transfers,
        it.walk_distance_m,
        it.bike_distance_m,
    )


def _pareto(itineraries: list[Itinerary]) -> list[Itinerary]:
    """Drop transit itineraries another beats on every criterion.

    Walking or cycling the whole way always stays: it answers another question.
    """
    scores = [_criteria(it) for it in itineraries]

    def dominated(a: tuple[float, ...]) -> bool:
        return any(b != a and all(x <= y for x, y in zip(b, a, strict=True)) for b in scores)

    return [
        it
        for it, score in zip(itineraries, scores, strict=True)
        if not has_transit(it) or not dominated(score)
    ]


def _tags(itineraries: list[Itinerary], best: Key, wheelchair: bool) -> list[list[Tag]]:
    """Tags per itinerary (`itineraries` sorted best first)."""
    tags: list[list[Tag]] = [[] for _ in itineraries]
    transit = [i for i, it in enumerate(itineraries) if has_transit(it)]
    if itineraries:
        tags[0].append("fastest")
    if transit:
        fewest = min(transit, key=lambda i: (itineraries[i].transfers, best(itineraries[i])))
        tags[fewest].append("fewest_transfers")
        least = min(transit, key=lambda i: (itineraries[i].walk_distance_m, best(itineraries[i])))
        tags[least].append("least_walking")
    for i, it in enumerate(itineraries):
        if is_walk_only(it):
            tags[i].append("walk_only")
        elif is_bike_only(it):
            tags[i].append("bike_only")
        if wheelchair:
            tags[i].append("wheelchair")
    return tags
