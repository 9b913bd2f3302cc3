"""Every itinerary planned on real Porto Alegre data is feasible against the raw GTFS.

The GTFS zips are read here with csv and zipfile, independently of the router's loader: each
ride's trip runs on its service date, boards before it alights, its times are those of
stop_times.txt (within the neighbouring timed stops where the feed leaves them blank), legs
chain in time, and walks and rides are long enough for their distance at the set speed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.network import Network
from routing.plan import Itinerary, Leg
from routing.planner import plan
from routing.query import Coordinate, Query, QueryMode
from routing.streets import StreetGraph

pytestmark = pytest.mark.slow

TZ = ZoneInfo("America/Sao_Paulo")
DAY = dt.date(2019, 5, 14)
FEEDS = {"eptc": "eptc_bus.gtfs.zip", "trensurb": "trensurb_rail.gtfs.zip"}
WALK_MPS, BIKE_MPS = 1.3, 4.5


@dataclass(frozen=True)
class StopTime:
    stop_id: str
    arrival: int | None
    departure: int | None


@dataclass(frozen=True)
class Gtfs:
    """What the checks need from one feed, read straight from its zip."""

    trip_service: dict[str, str]
    stop_times: dict[str, list[StopTime]]
    calendar: dict[str, tuple[set[int], dt.date, dt.date]]
    exceptions: dict[tuple[str, dt.date], int]

    def runs(self, trip_id: str, date: dt.date) -> bool:
        service = self.trip_service[trip_id]
        exception = self.exceptions.get((service, date))
        if exception is not None:
            return exception == 1
        days, start, end = self.calendar.get(service, (set(), dt.date.max, dt.date.min))
        return start <= date <= end and date.weekday() in days


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def seconds(text: str) -> int | None:
    if not text:
        return None
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def ymd(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def read_gtfs(path: Path) -> Gtfs:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        trips = {r["trip_id"]: r["service_id"] for r in rows(archive, "trips.txt")}
        times: dict[str, list[tuple[int, StopTime]]] = defaultdict(list)
        for r in rows(archive, "stop_times.txt"):
            st = StopTime(r["stop_id"], seconds(r["arrival_time"]), seconds(r["departure_time"]))
            times[r["trip_id"]].append((int(r["stop_sequence"]), st))
        calendar = {}
        if "calendar.txt" in names:
            week = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            for r in rows(archive, "calendar.txt"):
                days = {i for i, d in enumerate(week) if r[d] == "1"}
                calendar[r["service_id"]] = (days, ymd(r["start_date"]), ymd(r["end_date"]))
        exceptions = {}
        if "calendar_dates.txt" in names:
            for r in rows(archive, "calendar_dates.txt"):
                exceptions[(r["service_id"], ymd(r["date"]))] = int(r["exception_type"])
    ordered = {t: [st for _, st in sorted(v, key=lambda x: x[0])] for t, v in times.items()}
    return Gtfs(trips, ordered, calendar, exceptions)


@pytest.fixture(scope="module")
def gtfs(data_dir: Path) -> dict[str, Gtfs]:
    return {feed: read_gtfs(data_dir / "porto_alegre" / name) for feed, name in FEEDS.items()}


@pytest.fixture(scope="module")
def places(data_dir: Path) -> list[Coordinate]:
    with (data_dir / "porto_alegre" / "points_of_interest.csv").open(encoding="utf-8") as f:
        return [Coordinate(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)]


def queries(places: list[Coordinate], n: int) -> list[Query]:
    rng = random.Random(20190514)
    out = []
    for i in range(n):
        a, b = rng.sample(places, 2)
        time = dt.datetime.combine(DAY, dt.time(12), tzinfo=TZ)
        time += dt.timedelta(minutes=rng.randrange(0, 240))
        modes: frozenset[QueryMode] = frozenset(
            {"walk", "bike", "transit"} if i % 4 == 3 else {"walk", "transit"}
        )
        window = 30 if i % 5 == 4 else 0
        out.append(Query(a, b, time, arrive_by=i % 3 == 2, window_min=window, modes=modes))
    return out


def origin_of(date: dt.date) -> dt.datetime:
    """Noon minus 12 h of a service date, as an instant."""
    noon = dt.datetime.combine(date, dt.time(12), tzinfo=TZ).astimezone(dt.UTC)
    return noon - dt.timedelta(hours=12)


def matches(times: list[StopTime], index: int, value: float, departing: bool) -> bool:
    """A time given at a stop equals stop_times; a blank one lies between the timed ones."""
    given = times[index].departure if departing else times[index].arrival
    if given is not None:
        return value == given
    before = [st.departure for st in times[:index] if st.departure is not None]
    after = [st.arrival for st in times[index + 1 :] if st.arrival is not None]
    return bool(before and after) and before[-1] <= value <= after[0]


def check_ride(leg: Leg, feeds: dict[str, Gtfs]) -> None:
    assert leg.route is not None and leg.trip_id is not None
    assert leg.from_.stop_id is not None and leg.to.stop_id is not None
    feed = feeds[leg.route.feed]
    times = feed.stop_times[leg.trip_id]
    ids = [st.stop_id for st in times]
    board = ids.index(leg.from_.stop_id)
    # A trip may call at a stop twice in a row (a repeated stop time): the ride alights at
    # the call after the stops it passes, which need not be the first.
    alight = board + 1 + len(leg.intermediate_stops)
    assert ids[alight] == leg.to.stop_id
    assert [p.stop_id for p in leg.intermediate_stops] == ids[board + 1 : alight]
    # The service date is the one on whose clock both scheduled times fit stop_times.
    dates = [
        d
        for d in (DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1))
        if matches(times, board, (leg.scheduled_departure - origin_of(d)).total_seconds(), True)
        and matches(times, alight, (leg.scheduled_arrival - origin_of(d)).total_seconds(), False)
    ]
    assert len(dates) == 1, (leg.trip_id, leg.scheduled_departure, dates)
    assert feed.runs(leg.trip_id, dates[0]), f"{leg.trip_id} does not run on {dates[0]}"
    origin = origin_of(dates[0])
    for index, place in enumerate(leg.intermediate_stops, start=board + 1):
        assert place.arrival is not None and place.departure is not None
        assert matches(times, index, (place.arrival - origin).total_seconds(), False)
    stamps = [leg.departure, *(p.arrival for p in leg.intermediate_stops), leg.arrival]
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(stamps))


def check_itinerary(it: Itinerary, feeds: dict[str, Gtfs]) -> None:
    assert it.departure == it.legs[0].departure and it.arrival == it.legs[-1].arrival
    for before, after in pairwise(it.legs):
        assert before.arrival <= after.departure
        assert before.to.lat == pytest.approx(after.from_.lat) and before.to.lon == pytest.approx(
            after.from_.lon
        )
    for leg in it.legs:
        assert leg.duration_s == (leg.arrival - leg.departure).total_seconds() >= 0
        if leg.transit:
            check_ride(leg, feeds)
        else:
            speed = BIKE_MPS if leg.mode == "bike" else WALK_MPS
            assert leg.duration_s >= leg.distance_m / speed - 1e-6, leg


def test_itineraries_are_feasible_against_the_raw_gtfs(
    porto_alegre_network: Network,
    porto_alegre_streets: StreetGraph | None,
    gtfs: dict[str, Gtfs],
    places: list[Coordinate],
) -> None:
    planned = rides = 0
    for query in queries(places, 40):
        result = plan(porto_alegre_network, porto_alegre_streets, None, query)
        for it in result.itineraries:
            check_itinerary(it, gtfs)
            if query.arrive_by:
                assert it.arrival <= query.time
            else:
                assert it.departure >= query.time
            rides += sum(leg.transit for leg in it.legs)
        planned += len(result.itineraries)
    assert planned >= 40 and rides >= 40  # the checks ran on real rides, not on nothing
