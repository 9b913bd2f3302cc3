"""`/api/v1/stops/{id}` and its departures on the real Porto Alegre network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from routing.network import NO_PICKUP, Network
from routing.timeutil import to_datetime, to_service_seconds
from tests.hub.api_app import DEMO_NOW, Client, api_settings, assert_problem, client_for

DAY = dt.date(2019, 5, 14)


def expected_departures(
    network: Network, stop_id: str, at: dt.datetime, n: int
) -> list[tuple[str, str]]:
    """(trip id, scheduled departure) of the next `n` departures, by a plain scan of every trip."""
    stop = network.get_stop(stop_id)
    tz = network.tz
    found = []
    for day_offset in (-1, 0):
        day = DAY + dt.timedelta(days=day_offset)
        d = network.day_index(day)
        for trip in range(len(network.trip_ids)):
            if not network.service_days[network.trip_service[trip], d]:
                continue
            p = int(network.trip_pattern[trip])
            stops = network.pattern_stops[
                network.pattern_stop_ptr[p] : network.pattern_stop_ptr[p + 1]
            ]
            trips = list(
                network.pattern_trips[network.pattern_trip_ptr[p] : network.pattern_trip_ptr[p + 1]]
            )
            j, k = trips.index(trip), len(trips)
            for i, s in enumerate(stops.tolist()):
                cell = int(network.pattern_time_ptr[p]) + i * k + j
                if s != stop or i == len(stops) - 1 or network.stop_time_flags[cell] & NO_PICKUP:
                    continue
                moment = to_datetime(day, int(network.departure[cell]), tz)
                if at <= moment < at + dt.timedelta(hours=12):
                    found.append((moment, network.trip_ids[trip]))
    found.sort()
    return [(trip, moment.isoformat()) for moment, trip in found[:n]]


async def test_a_station_with_its_lines_and_walks_to_the_buses(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    response = await client.get("/api/v1/stops/trensurb:MR")
    assert response.status == 200
    stop = await response.json()
    assert (stop["id"], stop["feed"], stop["stop_id"], stop["name"]) == (
        "trensurb:MR",
        "trensurb",
        "MR",
        "ESTACAO MERCADO",
    )
    assert [line["id"] for line in stop["lines"]] == ["trensurb:LINHA1"]
    assert stop["parent_station"] is None and stop["children"] == []
    eptc = [t for t in stop["transfers"] if t["stop"]["id"].startswith("eptc:")]
    assert any(t["kind"] == "street" for t in eptc)  # the extract covers Mercado
    durations = [t["duration_s"] for t in stop["transfers"]]
    assert durations == sorted(durations)


async def test_departures_are_the_next_ones_in_time_order(
    aiohttp_client: Client, porto_alegre_dir: Path, porto_alegre_network: Network, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    now = dt.datetime.fromisoformat(DEMO_NOW)
    for stop_id, at, query in (
        ("trensurb:MR", now, {"limit": "8"}),
        ("eptc:4220", now - dt.timedelta(hours=1), {"limit": "5", "at": "2019-05-14T13:00:00"}),
    ):
        response = await client.get(f"/api/v1/stops/{stop_id}/departures", params=query)
        assert response.status == 200, await response.text()
        body = await response.json()
        assert body["stop"]["id"] == stop_id and body["realtime_status"] == "none"
        assert dt.datetime.fromisoformat(body["at"]) == at
        got = [(d["trip_id"], d["scheduled_departure"]) for d in body["departures"]]
        assert got == expected_departures(porto_alegre_network, stop_id, at, int(query["limit"]))
        assert all(d["departure"] == d["scheduled_departure"] for d in body["departures"])
        assert all(not d["realtime"] and d["delay_s"] is None for d in body["departures"])
        assert all(d["headsign"] and d["route"]["id"] for d in body["departures"])


async def test_bad_stop_time_and_limit_are_named(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    base = "/api/v1/stops/trensurb:MR/departures"
    cases: list[tuple[str, int, str | None]] = [
        ("/api/v1/stops/trensurb:NOPE", 404, "stop_id"),
        ("/api/v1/stops/MR", 404, "stop_id"),
        ("/api/v1/stops/nope:MR/departures", 404, "stop_id"),
        ("/api/v1/stops/trensurb:MR?verbose=1", 400, "verbose"),
        (f"{base}?at=tomorrow", 400, "at"),
        (f"{base}?at=2019-13-40T10:00", 400, "at"),
        (f"{base}?at=2020-06-01T10:00:00-03:00", 400, "at"),  # after every feed's service
        (f"{base}?limit=0", 400, "limit"),
        (f"{base}?limit=101", 400, "limit"),
        (f"{base}?limit=1.5", 400, "limit"),
        (f"{base}?from=x", 400, "from"),
    ]
    for path, status, param in cases:
        await assert_problem(await client.get(path), status, param)


def test_the_oracle_sees_departures_on_the_demo_day(porto_alegre_network: Network) -> None:
    at = dt.datetime.fromisoformat(DEMO_NOW)
    assert len(expected_departures(porto_alegre_network, "trensurb:MR", at, 5)) == 5
    seconds = to_service_seconds(at, DAY, porto_alegre_network.tz)
    assert seconds == 14 * 3600 and np.asarray(porto_alegre_network.departure).max() > seconds
