"""Why ferrobus arrives earlier than our door-to-door search: its journey under our rules.

ferrobus reports the journey behind an answer as GeoJSON legs (`detailed_journey`): walks
(to its nearest stop, footpaths between stops, from the last stop) and rides (GTFS trip,
stops, times). Each ride is checked against our timetable, then the journey is replayed
under our rules: our street walks at the comparison's speed, our footpaths only, the stop's
minimum time to change at one stop, at most `Rules.max_walk_s` at each end. If it still beats
our answer we missed a journey (a defect). Otherwise the smallest set of ferrobus's own rules
that gives it back its lead names the cause:

* W: its walks: both ends go to the nearest street node in a straight line and stops sit on
  their nearest node at no cost, where we snap onto the nearest edge and walk the streets;
* F: footpaths between any two stops up to `Rules.footpath_limit_s` of walking (ferrobus's
  ``max_transfer_time``), where we walk only the footpaths the network lists;
* M: changing vehicles at one stop in no time (ours: the stop's minimum transfer time);
* E: an end walks to the nearest stop, then may take a footpath on (up to 15 + 20 min).

Answers without any ride (a walk, footpaths and a walk, which ferrobus reports as transit)
and detailed journeys that arrive later than `find_route`'s answer are counted apart.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.queries import PointQuery
from routing.access import Endpoint, street_access
from routing.network import NO_DROP_OFF, NO_PICKUP, Network
from routing.streets import StreetGraph

RELAXATIONS = ("W", "F", "M", "E")
WALK_LEGS = frozenset({"access_walk", "transfer", "egress_walk"})
MISSED = "none: a journey valid under our rules that we missed (defect)"
UNEXPLAINED = "unexplained"


@dataclass(frozen=True, slots=True)
class Ride:
    """One ride of a ferrobus journey, in the feed's own ids, on the service day's clock."""

    trip: str
    board: str
    alight: str
    departure_s: int
    arrival_s: int


@dataclass(frozen=True, slots=True)
class FerrobusJourney:
    """Rides and ferrobus's walking seconds before, between and after them."""

    rides: tuple[Ride, ...]
    walks_s: tuple[int, ...]
    arrival_s: int


@dataclass(frozen=True, slots=True)
class Rules:
    """Our side of one comparison: the network, its streets and the walking limits."""

    network: Network
    streets: StreetGraph
    feeds: tuple[str, ...]
    speed_mps: float
    max_walk_s: int
    footpath_limit_s: int


def parse(geojson: str | None) -> FerrobusJourney | None:
    """The rides and walks of a `detailed_journey` answer (None: no journey).

    Rides that board and alight at one stop at one instant (ferrobus draws one where it
    chains two footpaths) are dropped; their walks count with the walks around them.
    """
    if not geojson or geojson == "null":
        return None
    rides: list[Ride] = []
    walks_s: list[int] = []
    walked = arrival = 0
    for feature in json.loads(geojson)["features"]:
        leg = feature["properties"]
        arrival = max(arrival, int(leg.get("arrival_time", 0)))
        if leg["leg_type"] in WALK_LEGS:
            walked += int(leg["duration"])
        elif leg["leg_type"] == "transit" and leg["from_name"] != leg["to_name"]:
            rides.append(
                Ride(leg["trip_id"], leg["from_name"], leg["to_name"],
                     int(leg["departure_time"]), int(leg["arrival_time"]))
            )  # fmt: skip
            walks_s.append(walked)
            walked = 0
    return FerrobusJourney(tuple(rides), (*walks_s, walked), arrival)


@dataclass(slots=True)
class Replay:
    """One query's walks under our rules (searched once, on demand) and replays of a journey."""

    rules: Rules
    query: PointQuery
    _walks: dict[tuple[float, float, bool], dict[int, int]] = field(
        default_factory=dict, init=False, repr=False
    )

    def arrival(self, journey: FerrobusJourney, relaxed: frozenset[str]) -> int | None:
        """When `journey` arrives under our rules less the `relaxed` ones (None: not allowed).

        Raises:
            KeyError: when a ride is not in our timetable.
        """
        stops = [self._ride_stops(r) for r in journey.rides]
        ends = self._ends(journey, stops, relaxed)
        if ends is None:
            return None
        t = self.query.time_s + ends[0]
        for n, ride in enumerate(journey.rides):
            if ride.departure_s < t:
                return None
            t = ride.arrival_s
            if n + 1 < len(journey.rides):
                change = self._change(stops[n][1], stops[n + 1][0], journey.walks_s[n + 1], relaxed)
                if change is None:
                    return None
                t += change
        return t + ends[1]

    def _ends(
        self, journey: FerrobusJourney, stops: list[tuple[int, int]], relaxed: frozenset[str]
    ) -> tuple[int, int] | None:
        """Seconds from the origin to the first ride and from the last ride to the destination."""
        if "W" in relaxed:
            first, last = journey.walks_s[0], journey.walks_s[-1]
        else:
            q = self.query
            first_s = self._walk(q.origin.lat, q.origin.lon, False).get(stops[0][0])
            last_s = self._walk(q.destination.lat, q.destination.lon, True).get(stops[-1][1])
            if first_s is None or last_s is None:
                return None
            first, last = first_s, last_s
        limit = self.rules.max_walk_s + (self.rules.footpath_limit_s if "E" in relaxed else 0)
        return (first, last) if max(first, last) <= limit else None

    def _change(self, x: int, y: int, theirs_s: int, relaxed: frozenset[str]) -> int | None:
        """Seconds to change from stop `x` to stop `y` (None: not allowed)."""
        net = self.rules.network
        if x == y:
            return 0 if "M" in relaxed else int(net.stop_min_transfer_s[x])
        a, b = int(net.transfer_ptr[x]), int(net.transfer_ptr[x + 1])
        listed = [
            int(s)
            for to, s in zip(net.transfer_to[a:b], net.transfer_s[a:b], strict=True)
            if to == y
        ]
        if "F" not in relaxed:
            if not listed:
                return None
            return theirs_s if "W" in relaxed else listed[0]
        if "W" in relaxed:
            return theirs_s
        walked = self._walk(float(net.stop_lat[x]), float(net.stop_lon[x]), False).get(y)
        if walked is not None and walked <= self.rules.footpath_limit_s:
            listed.append(walked)
        return min(listed) if listed else None

    def _walk(self, lat: float, lon: float, reverse: bool) -> dict[int, int]:
        """Seconds to walk from (to, with `reverse`) a coordinate to every stop in reach."""
        key = (lat, lon, reverse)
        if key not in self._walks:
            r = self.rules
            reach_s = r.max_walk_s + r.footpath_limit_s
            found = street_access(
                r.network, r.streets, Endpoint(lat, lon), "walk", r.speed_mps, reach_s,
                reverse=reverse, prune=False,
            )  # fmt: skip
            table = found.table
            self._walks[key] = dict(
                zip(table.stops.tolist(), table.duration_s.tolist(), strict=True)
            )
        return self._walks[key]

    def _ride_stops(self, ride: Ride) -> tuple[int, int]:
        """Our (board, alight) stops of a ride, once its times are found in our timetable."""
        net = self.rules.network
        for feed in self.rules.feeds:
            trip = net.find_trip(f"{feed}:{ride.trip}")
            if trip is not None:
                board = int(net.get_stop(f"{feed}:{ride.board}"))
                alight = int(net.get_stop(f"{feed}:{ride.alight}"))
                if _rides(net, trip, (board, ride.departure_s), (alight, ride.arrival_s)):
                    return board, alight
        raise KeyError(ride)


def _rides(network: Network, trip: int, board: tuple[int, int], alight: tuple[int, int]) -> bool:
    """True when `trip` leaves stop board[0] at board[1] and later reaches alight[0] at alight[1].

    Pickup and drop-off must be allowed there.
    """
    p = int(network.trip_pattern[trip])
    a, b = int(network.pattern_trip_ptr[p]), int(network.pattern_trip_ptr[p + 1])
    j = [int(t) for t in network.pattern_trips[a:b]].index(trip)
    stops = network.pattern_stops[network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]]
    at = [int(network.pattern_time_ptr[p]) + i * (b - a) + j for i in range(stops.size)]
    ons = [i for i, x in enumerate(at) if stops[i] == board[0] and network.departure[x] == board[1]]
    ons = [i for i in ons if not network.stop_time_flags[at[i]] & NO_PICKUP]
    return any(
        stops[k] == alight[0]
        and network.arrival[at[k]] == alight[1]
        and not network.stop_time_flags[at[k]] & NO_DROP_OFF
        for i in ons
        for k in range(i + 1, stops.size)
    )


def cause(
    rules: Rules, query: PointQuery, journey: FerrobusJourney | None, ours_s: int,
    theirs_s: int, tolerance_s: int,
) -> str:  # fmt: skip
    """Why ferrobus's answer `theirs_s` beats ours (`ours_s`) by more than `tolerance_s`."""
    if journey is None or not journey.rides:
        return "no ride: walks and footpaths reported as transit"
    if journey.arrival_s > theirs_s:
        return "its detailed journey arrives later than find_route's answer"
    replay = Replay(rules, query)
    try:
        for size in range(len(RELAXATIONS) + 1):
            for relaxed in itertools.combinations(RELAXATIONS, size):
                arrival = replay.arrival(journey, frozenset(relaxed))
                if arrival is not None and arrival < ours_s - tolerance_s:
                    return "+".join(relaxed) or MISSED
    except KeyError:
        return "a ride not in our timetable"
    return UNEXPLAINED


def breakdown(
    rules: Rules,
    queries: Sequence[PointQuery],
    ours: Sequence[int | None],
    theirs: Sequence[int | None],
    journey_of: Callable[[PointQuery], str | None],
    tolerance_s: int,
) -> list[str]:
    """Lines counting the causes over the queries where ferrobus arrives earlier."""
    causes: Counter[str] = Counter()
    for q, mine, best in zip(queries, ours, theirs, strict=True):
        if mine is not None and best is not None and best < mine - tolerance_s:
            causes[cause(rules, q, parse(journey_of(q)), mine, best, tolerance_s)] += 1
    legend = "W its walks, F its footpaths, M no change time, E ends chaining a footpath"
    return [f"ferrobus earlier on {causes.total()}; smallest set of its rules that explains it "
            f"({legend}):"] + [f"  {n:4d}  {what}" for what, n in causes.most_common()]  # fmt: skip
