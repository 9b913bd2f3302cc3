"""`hub plan` on the tiny world: one query (text and JSON), batches, regions, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from hub.settings import REPO_ROOT
from routing.storage import read_version, save
from tests.conftest import write_feed
from tests.routing.tiny_world import FEED, SHAPE, build_world, write_osm

FROM = "--from=-29.999,-51.2001"
TO = "--to=-30.021,-51.2001"


@pytest.fixture(scope="module")
def network_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan_cli")
    report = build_world(folder)
    assert report.network is not None, report.skipped
    save(report.network, report.streets, folder / "network")
    return folder / "network"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HUB_REGIONS_DIR", str(REPO_ROOT / "config" / "regions"))
    monkeypatch.delenv("HUB_NOW", raising=False)
    monkeypatch.delenv("HUB_NETWORK_DIR", raising=False)


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["plan", *args, "--json"]) == 0
    body: dict[str, Any] = json.loads(capsys.readouterr().out)
    return body


def test_one_query_as_json(network_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = plan_json(capsys, "--network", str(network_dir), FROM, TO, "--depart=2019-05-14T07:55")
    ride = body["itineraries"][0]["legs"][1]
    assert (ride["trip_id"], ride["route"]["id"], ride["from"]["id"]) == ("T1", "tiny:R", "tiny:S1")
    assert ride["departure"] == "2019-05-14T08:00:00-03:00"
    assert body["no_result_reason"] is None


def test_negative_coordinates_also_as_separate_words(
    network_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    glued = plan_json(capsys, "--network", str(network_dir), FROM, TO, "--depart=2019-05-14T07:55")
    spaced = plan_json(
        capsys, "--network", str(network_dir), "--from", "-29.999,-51.2001",
        "--to", "-30.021,-51.2001", "--depart", "2019-05-14T07:55",
    )  # fmt: skip
    assert spaced == glued


def test_arrive_by_and_stop_ids(network_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = plan_json(
        capsys, "--network", str(network_dir), "--from=tiny:S1", "--to=tiny:S3",
        "--arrive=2019-05-14T08:45-03:00", "--window-min=60",
    )  # fmt: skip
    trips = [it["legs"][0]["trip_id"] for it in body["itineraries"]]
    assert [t for t in trips if t] == ["T1", "T2"]
    assert trips.count(None) == 1  # the 28-minute walk between the two stops
    assert all(it["arrival"] <= "2019-05-14T08:45:00-03:00" for it in body["itineraries"])


def test_human_readable_output(network_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--network", str(network_dir), FROM, TO, "--depart=2019-05-14T07:55"]
    assert main([*args, "--wheelchair"]) == 0
    out = capsys.readouterr().out
    assert "1. 07:58 -> 08:11" in out and "bus R1 towards Three" in out and "[fastest" in out
    assert "note: wheelchair" in out
    assert main(["plan", "--network", str(network_dir), FROM, TO, "--depart=2019-05-19T07:55"]) == 0
    assert "no_service_that_day" in capsys.readouterr().out


def test_batch_answers_every_line_in_order(
    network_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = "2019-05-14T07:55"
    lines = [
        {"id": "a", "from": "-29.999,-51.2001", "to": "-30.021,-51.2001", "depart": at},
        "this is not json",
        {"id": "c", "from": "-29.999,-51.2001", "depart": "2019-05-14T07:55"},
        {"id": "d", "from": "-29.999,-51.2001", "to": "tiny:NOPE", "depart": "2019-05-14T07:55"},
        {"id": "e", "from": "91,0", "to": "tiny:S3", "arrive": "2019-05-14T08:45"},
        {"id": 6, "from": [-29.999, -51.2001], "to": "tiny:S3", "arrive": "2019-05-14T08:45",
         "window_min": 60, "max_walk_min": 10, "modes": ["walk", "transit"], "wheelchair": False},
        {"id": "g", "from": "tiny:S1", "to": "tiny:S3", "depart": at, "modes": ["car"]},
        {"id": "h", "from": "tiny:S1", "to": "tiny:S3"},
    ]  # fmt: skip
    batch = tmp_path / "queries.jsonl"
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    batch.write_text("\n".join(text[:2] + [""] + text[2:]) + "\n")
    assert main(["plan", "--network", str(network_dir), "--batch", str(batch)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", None, "c", "d", "e", 6, "g", "h"]
    assert out[0]["error"] is None and out[0]["itineraries"] == out[0]["plan"]["itineraries"]
    assert out[0]["itineraries"][0]["legs"][1]["trip_id"] == "T1"
    assert all(o["elapsed_ms"] > 0 for o in out)
    named = {o["id"]: o["error"]["invalid_params"][0]["name"] for o in out if o["error"]}
    assert named == {None: "line", "c": "to", "d": "to", "e": "from", "g": "modes", "h": "depart"}
    assert out[1]["error"]["status"] == 400 and out[1]["error"]["line"] == 2
    assert all(o["plan"] is None and o["itineraries"] == [] for o in out if o["error"])
    assert [it["legs"][-1]["trip_id"] for it in out[5]["itineraries"]] == ["T1", "T2"]


def test_region_is_built_before_planning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = write_feed(tmp_path / "feed", FEED + SHAPE)
    osm = write_osm(tmp_path / "streets.osm")
    region = tmp_path / "tiny-region.toml"
    region.write_text(
        f'title = "Tiny"\n[[feeds]]\nid = "tiny"\nauthority = "Tiny"\npath = "{feed}"\n'
        f'[osm]\npath = "{osm}"\n'
    )
    body = plan_json(capsys, "--region", str(region), FROM, TO, "--depart=2019-05-14T07:55")
    assert body["itineraries"][0]["legs"][1]["trip_id"] == "T1"
    assert read_version(tmp_path / "cache" / "tiny-region") is not None


def test_usage_errors_exit_1(
    network_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--network", str(tmp_path), FROM, TO]) == 1
    assert "holds no built network" in capsys.readouterr().err
    assert main(["plan", "--network", str(network_dir), FROM]) == 1
    assert "--from and --to are required" in capsys.readouterr().err
    assert main(["plan", "--network", str(network_dir), "--from=nowhere", TO]) == 1
    assert "invalid 'from'" in capsys.readouterr().err
    missing = tmp_path / "missing.jsonl"
    assert main(["plan", "--network", str(network_dir), "--batch", str(missing)]) == 1


def test_without_a_time_it_departs_now(
    network_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_NOW", "2019-05-14T10:55:00Z")  # 07:55 in Porto Alegre
    body = plan_json(capsys, "--network", str(network_dir), FROM, TO)
    assert body["itineraries"][0]["legs"][1]["trip_id"] == "T1"
