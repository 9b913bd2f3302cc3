"""`/api/v1/routes` and `/api/v1/routes/{id}` on the real Porto Alegre network."""

from __future__ import annotations

from pathlib import Path

from routing.network import Network
from tests.hub.api_app import Client, api_settings, assert_problem, client_for


async def test_routes_listed_and_filtered(
    aiohttp_client: Client, porto_alegre_dir: Path, porto_alegre_network: Network, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    every = (await (await client.get("/api/v1/routes")).json())["routes"]
    assert len(every) == len(porto_alegre_network.route_ids) == 117  # EPTC 115 + Trensurb 2
    assert sum(r["trips"] for r in every) == len(porto_alegre_network.trip_ids)
    rail = (await (await client.get("/api/v1/routes?mode=rail")).json())["routes"]
    trensurb = (await (await client.get("/api/v1/routes?feed=trensurb")).json())["routes"]
    assert {r["route"]["id"] for r in rail} == {r["route"]["id"] for r in trensurb} == {
        "trensurb:LINHA1", "trensurb:LINHAAERO"
    }  # fmt: skip
    buses = (await (await client.get("/api/v1/routes?feed=eptc&mode=bus")).json())["routes"]
    assert len(buses) == 115 and all(r["route"]["color"] for r in buses[:5])


async def test_a_route_has_its_stops_in_order_and_its_shape(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    line1 = await (await client.get("/api/v1/routes/trensurb:LINHA1")).json()
    assert line1["mode"] == "rail" and line1["route"]["short_name"] == "LINHA1"
    outbound = [
        p
        for p in line1["patterns"]
        if [s["id"] for s in p["stops"]][:2] == ["trensurb:MR", "trensurb:RD"]
    ]
    assert outbound, [p["stops"][0]["id"] for p in line1["patterns"]]
    stops = [s["id"] for s in outbound[0]["stops"]]
    assert stops[:4] == ["trensurb:MR", "trensurb:RD", "trensurb:SP", "trensurb:FR"]
    assert outbound[0]["headsign"] and outbound[0]["trips"] > 0
    trips = [p["trips"] for p in line1["patterns"]]
    assert trips == sorted(trips, reverse=True)
    assert len({p["id"] for p in line1["patterns"]}) == len(line1["patterns"])
    bus = await (await client.get("/api/v1/routes/eptc:R4")).json()
    shape = bus["patterns"][0]["geometry"]
    assert shape["type"] == "LineString" and len(shape["coordinates"]) > len(
        bus["patterns"][0]["stops"]
    )
    lon, lat = shape["coordinates"][0]
    assert -52 < lon < -50 and -31 < lat < -29  # GeoJSON order: longitude first


async def test_bad_route_parameters(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    for path, status, param in (
        ("/api/v1/routes/trensurb:NOPE", 404, "route_id"),
        ("/api/v1/routes?feed=sptrans", 400, "feed"),
        ("/api/v1/routes?mode=spaceship", 400, "mode"),
        ("/api/v1/routes?mode=bus&mode=rail", 400, "mode"),
        ("/api/v1/routes/trensurb:LINHA1?x=1", 400, "x"),
    ):
        await assert_problem(await client.get(path), status, param)
