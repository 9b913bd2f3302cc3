from __future__ import annotations

import hashlib
from pathlib import Path

from hub.fetch import Target, fetch_target, format_result, sha256_of, targets_of
from hub.regions import load_region
from hub.settings import REPO_ROOT

PAYLOAD = bytes(range(256)) * 1000  # 256 kB, several read chunks


def test_download_reports_size_and_sha256(file_server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = file_server
    (root / "feed.zip").write_bytes(PAYLOAD)
    target = Target("feed x", f"{base}/feed.zip", tmp_path / "out" / "feed.zip")
    result = fetch_target(target, timeout_s=10, max_bytes=1 << 20, force=False)
    assert result.status == "downloaded"
    assert result.size == len(PAYLOAD)
    assert result.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert target.path.read_bytes() == PAYLOAD
    assert result.sha256 in format_result(result)


def test_present_files_are_not_downloaded_again(tmp_path: Path, closed_port: int) -> None:
    path = tmp_path / "feed.zip"
    path.write_bytes(b"local copy")
    target = Target("feed x", f"http://127.0.0.1:{closed_port}/feed.zip", path)
    result = fetch_target(target, timeout_s=5, max_bytes=100, force=False)
    assert result.status == "present"
    assert result.sha256 == hashlib.sha256(b"local copy").hexdigest()


def test_size_cap_leaves_no_partial_file(file_server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = file_server
    (root / "big.zip").write_bytes(PAYLOAD)
    target = Target("feed big", f"{base}/big.zip", tmp_path / "big.zip")
    result = fetch_target(target, timeout_s=10, max_bytes=1000, force=False)
    assert result.status == "failed"
    assert "too large" in result.reason
    assert not target.path.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".big.zip.")]


def test_http_errors_are_one_line(file_server: tuple[str, Path], tmp_path: Path) -> None:
    base, _root = file_server
    target = Target("feed gone", f"{base}/gone.zip", tmp_path / "gone.zip")
    result = fetch_target(target, timeout_s=10, max_bytes=1000, force=True)
    assert (result.status, result.reason) == ("failed", "HTTP 404 File not found")
    assert "feed gone" in format_result(result) and "\n" not in format_result(result)


def test_offline_is_a_clear_message(tmp_path: Path, closed_port: int) -> None:
    target = Target("feed x", f"http://127.0.0.1:{closed_port}/x.zip", tmp_path / "x.zip")
    result = fetch_target(target, timeout_s=5, max_bytes=1000, force=False)
    assert result.status == "failed"
    assert "cannot reach the server" in result.reason and "offline" in result.reason


def test_folder_feeds_without_url_point_to_their_page(tmp_path: Path) -> None:
    target = Target("feed seattle", None, tmp_path / "seattle", "https://example.org/page")
    result = fetch_target(target, timeout_s=5, max_bytes=1000, force=False)
    assert result.status == "no-url"
    assert "https://example.org/page" in result.reason


def test_region_targets_include_osm_and_realtime_captures(data_dir: Path) -> None:
    region = load_region("bay-area", REPO_ROOT / "config" / "regions", data_dir)
    whats = [t.what for t in targets_of(region)]
    assert whats == [
        "feed bart",
        "feed caltrain",
        "realtime bart trip_updates",
        "realtime bart alerts",
    ]
    poa = load_region("porto-alegre", REPO_ROOT / "config" / "regions", data_dir)
    osm = [t for t in targets_of(poa) if t.what == "OSM extract"][0]
    assert sha256_of(osm.path) == hashlib.sha256(osm.path.read_bytes()).hexdigest()
