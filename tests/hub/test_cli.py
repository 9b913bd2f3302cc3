from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import main
from hub.settings import REPO_ROOT
from routing.storage import read_version
from tests.hub.conftest import tiny_feed


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data_dir: Path) -> Path:
    """A private cache; the shipped regions and the shared data."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("HUB_CACHE_DIR", str(cache))
    monkeypatch.setenv("HUB_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HUB_REGIONS_DIR", str(REPO_ROOT / "config" / "regions"))
    monkeypatch.delenv("HUB_NOW", raising=False)
    monkeypatch.delenv("HUB_REDIS_URL", raising=False)
    return cache


def test_adhoc_build_then_info_reads_exactly_that_folder(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tiny_feed(tmp_path / "tiny")
    out = tmp_path / "out"

    assert main(["build", "--feed", f"tiny={feed}", "--out", str(out)]) == 0
    built = capsys.readouterr()
    assert "tiny" in built.out and "merged: 2 stops" in built.out and "time: gtfs" in built.out
    assert "tiny: loaded" in built.err  # progress on stderr

    assert main(["info", "--network", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["version"] == read_version(out)
    assert [f["id"] for f in info["feeds"]] == ["tiny"]
    assert info["feeds"][0]["trips"] == 1 and info["stops"] == 2
    assert not env.exists()  # nothing went to the cache


def test_second_build_reuses_the_network(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tiny_feed(tmp_path / "tiny")
    assert main(["build", "--feed", f"tiny={feed}"]) == 0
    capsys.readouterr()
    assert main(["build", "--feed", f"tiny={feed}"]) == 0
    assert "up to date" in capsys.readouterr().err
    assert read_version(env / "adhoc") is not None


def _region(folder: Path, feeds: dict[str, Path]) -> Path:
    body = 'title = "Test"\n' + "".join(
        f'[[feeds]]\nid = "{feed_id}"\nauthority = "{feed_id}"\npath = "{path}"\n'
        for feed_id, path in feeds.items()
    )
    path = folder / "test-region.toml"
    path.write_text(body)
    return path


def test_region_with_a_corrupt_feed_builds_the_others(
    env: Path, tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    region = _region(
        tmp_path,
        {
            "good": tiny_feed(tmp_path / "good"),
            "broken": data_dir / "bad_inputs" / "invalid_not_a_zip.gtfs.zip",
        },
    )
    assert main(["build", "--region", str(region)]) == 2
    out = capsys.readouterr().out
    assert "skipped broken:" in out and "not a" in out
    assert main(["info", "--region", str(region), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [f["id"] for f in info["feeds"]] == ["good"]
    # Reused later, the build still says a feed is missing.
    assert main(["build", "--region", str(region)]) == 2


def test_hauts_de_france_offline_is_a_clear_message(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--region", "hauts-de-france"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "feed ilevia: " in err and "https://media.ilevia.fr/opendata/gtfs.zip" in err
    assert "hub fetch --region hauts-de-france" in err


def test_hauts_de_france_offline_in_a_real_process(env: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "build", "--region", "hauts-de-france"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "input file(s) missing" in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--feed", "no-equals-sign"],
        ["build", "--feed", "Bad:Id=x.zip"],
        ["build", "--feed", "a=/no/such/file.zip"],
        ["build", "--region", "porto-alegre", "--feed", "a=x.zip"],
        ["build", "--region", "porto-alegre", "--osm", "x.pbf"],
        ["build", "--region", "atlantis"],
        ["info", "--region", "porto-alegre", "--network", "x"],
        ["serve", "--workers", "2"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_1_without_traceback(
    env: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.strip()


def test_workers_without_redis_say_why(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "3"]) == 1
    assert "--workers 3 needs HUB_REDIS_URL" in capsys.readouterr().err


def test_info_of_a_region_not_built(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--region", "seattle"]) == 1
    assert "hub build --region seattle" in capsys.readouterr().err


def test_validate_reports_per_feed_and_exits_1_on_errors(
    env: Path, tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tiny_feed(tmp_path / "good")
    bad = data_dir / "bad_inputs" / "invalid_not_a_zip.gtfs.zip"
    assert main(["validate", str(good)]) == 0
    assert "(feed good): 0 error(s)" in capsys.readouterr().out

    assert main(["validate", str(good), str(bad), "--json"]) == 1
    notices = json.loads(capsys.readouterr().out)
    assert notices and {n["feed"] for n in notices} == {"invalid_not_a_zip"}
    for notice in notices:
        assert set(notice) == {"feed", "code", "severity", "file", "row", "field", "message"}
    assert any(n["severity"] == "ERROR" for n in notices)


def test_fetch_downloads_and_prints_sha256(
    env: Path,
    tmp_path: Path,
    file_server: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, served = file_server
    payload = b"PK fake feed bytes"
    (served / "feed.zip").write_bytes(payload)
    data = tmp_path / "data"
    monkeypatch.setenv("HUB_DATA_DIR", str(data))
    region = tmp_path / "fetchable.toml"
    region.write_text(
        'title = "F"\n[[feeds]]\nid = "f"\nauthority = "F"\n'
        f'path = "f/feed.zip"\nurl = "{base}/feed.zip"\n'
    )
    assert main(["fetch", "--region", str(region)]) == 0
    out = capsys.readouterr().out
    assert hashlib.sha256(payload).hexdigest() in out and "downloaded" in out
    assert (data / "f" / "feed.zip").read_bytes() == payload
    assert main(["fetch", "--region", str(region)]) == 0
    assert "present" in capsys.readouterr().out


def test_fetch_offline_names_each_failure(
    env: Path,
    tmp_path: Path,
    closed_port: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("HUB_FETCH_TIMEOUT_S", "3")
    region = tmp_path / "unreachable.toml"
    region.write_text(
        'title = "U"\n[[feeds]]\nid = "u"\nauthority = "U"\n'
        f'path = "u.zip"\nurl = "http://127.0.0.1:{closed_port}/u.zip"\n'
    )
    assert main(["fetch", "--region", str(region)]) == 1
    captured = capsys.readouterr()
    assert "failed" in captured.out and "cannot reach the server" in captured.out
    assert "Traceback" not in captured.err


def test_python_dash_m_hub_runs(env: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    for command in ("build", "info", "validate", "fetch", "serve", "reload"):
        assert command in done.stdout
