"""`/api/v1/places` and `/api/v1/places/reverse` on the real Porto Alegre network."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.hub.api_app import Client, api_settings, assert_problem, client_for
from tests.hub.conftest import build_tiny, tiny_feed

MERCADO = (-30.0277, -51.2278)


async def places(client: TestClient[Any, Any], **query: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/places", params=query)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["query"] == query["q"]
    found: list[dict[str, Any]] = body["places"]
    return found


async def test_accents_case_punctuation_and_typos_are_forgiven(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    for query in (
        "estação são pedro",
        "ESTACAO SAO PEDRO",
        "Estação São-Pedro!",
        "estacao sao pedor",
    ):
        first = (await places(client, q=query))[0]
        assert first["id"] == "trensurb:SP", query
    station = (await places(client, q="estação são pedro"))[0]
    assert (
        station["kind"] == "stop" and station["feed"] == "trensurb" and station["stop_id"] == "SP"
    )
    assert [line["id"] for line in station["lines"]] == ["trensurb:LINHA1"]
    assert station["lines"][0]["mode"] == "rail"
    street = (await places(client, q="rua dos andradas"))[0]
    assert street["kind"] == "street" and street["name"] == "Rua dos Andradas"
    assert street["id"].startswith("osm:w") and street["lines"] == []
    typed = await places(client, q="estacao rodov", limit="3")
    assert typed[0]["id"] == "trensurb:RD" and len(typed) <= 3


async def test_a_position_ranks_the_nearest_of_equal_names_first(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    south = await places(client, q="juca batista", lat="-30.20", lon="-51.20")
    north = await places(client, q="juca batista", lat="-30.10", lon="-51.20")
    assert south[0]["id"] != north[0]["id"]
    for found in (south, north):
        assert all(p["name"] == "JUCA BATISTA" for p in found)
        distances = [p["distance_m"] for p in found]
        assert distances[0] == min(distances)
    assert all(p["distance_m"] is None for p in await places(client, q="juca batista"))


async def test_reverse_lists_what_is_near_nearest_first(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    response = await client.get(
        "/api/v1/places/reverse", params={"lat": str(MERCADO[0]), "lon": str(MERCADO[1])}
    )
    assert response.status == 200
    found = (await response.json())["places"]
    assert 1 <= len(found) <= 5
    distances = [p["distance_m"] for p in found]
    assert distances == sorted(distances) and distances[-1] <= 500
    wide = await client.get(
        "/api/v1/places/reverse",
        params={"lat": str(MERCADO[0]), "lon": str(MERCADO[1]), "radius_m": "300", "limit": "50"},
    )
    kinds = {p["kind"] for p in (await wide.json())["places"]}
    assert {"stop", "street"} <= kinds


async def test_bad_parameters_are_named(
    aiohttp_client: Client, porto_alegre_dir: Path, tmp_path: Path
) -> None:
    client = await client_for(aiohttp_client, api_settings(porto_alegre_dir, tmp_path))
    cases: list[tuple[str, str | None]] = [
        ("/api/v1/places", "q"),
        ("/api/v1/places?q=", "q"),
        ("/api/v1/places?q=%20%20", "q"),
        ("/api/v1/places?q=!!!", "q"),
        ("/api/v1/places?q=" + "a" * 201, "q"),
        ("/api/v1/places?q=a&q=b", "q"),
        ("/api/v1/places?q=sao&limit=0", "limit"),
        ("/api/v1/places?q=sao&limit=51", "limit"),
        ("/api/v1/places?q=sao&limit=ten", "limit"),
        ("/api/v1/places?q=sao&limit=1_0", "limit"),
        ("/api/v1/places?q=sao&lat=-30.0", "lon"),
        ("/api/v1/places?q=sao&lon=-51.2", "lat"),
        ("/api/v1/places?q=sao&lat=91&lon=-51.2", "lat"),
        ("/api/v1/places?q=sao&lat=nan&lon=-51.2", "lat"),
        ("/api/v1/places?q=sao&lat=-30&lon=inf", "lon"),
        ("/api/v1/places?q=sao&lat=48.85&lon=2.35", "lat"),  # Paris: outside the region
        ("/api/v1/places?q=sao&colour=red", "colour"),
        ("/api/v1/places/reverse", "lat"),
        ("/api/v1/places/reverse?lat=-30.03", "lon"),
        ("/api/v1/places/reverse?lat=-30.03&lon=-51.22&radius_m=0", "radius_m"),
        ("/api/v1/places/reverse?lat=-30.03&lon=-51.22&radius_m=5001", "radius_m"),
        ("/api/v1/places/reverse?lat=-30.03&lon=-51.22&limit=-1", "limit"),
        ("/api/v1/places/reverse?lat=0&lon=0", "lat"),
        ("/api/v1/places/reverse?lat=-30.03&lon=-51.22&q=x", "q"),
    ]
    for path, param in cases:
        await assert_problem(await client.get(path), 400, param)


async def test_a_network_saved_without_its_index_is_searched_by_its_stops(
    aiohttp_client: Client, tmp_path: Path
) -> None:
    directory = tmp_path / "net"
    build_tiny({"tiny": tiny_feed(tmp_path / "tiny")}, directory)
    shutil.rmtree(directory / "places")  # as written by a hub older than the place index
    client = await client_for(aiohttp_client, api_settings(directory, tmp_path / "cache"))
    found = await places(client, q="secnod")
    assert [(p["id"], p["kind"], p["name"]) for p in found] == [("tiny:S2", "stop", "Second")]
    assert [line["id"] for line in found[0]["lines"]] == ["tiny:R1"]
