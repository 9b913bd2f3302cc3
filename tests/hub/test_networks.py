from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.networks import BuildFailed, adhoc_inputs, ensure_built, is_current
from routing.storage import read_version
from tests.hub.conftest import tiny_feed


def test_built_once_then_reused(tmp_path: Path) -> None:
    inputs = adhoc_inputs([("tiny", tiny_feed(tmp_path / "tiny"))], None, tmp_path / "net")
    assert not is_current(inputs)

    first = ensure_built(inputs)
    meta = inputs.directory / "network" / "meta.json"
    stamp = meta.stat().st_mtime_ns
    second = ensure_built(inputs)

    assert first.rebuilt and not second.rebuilt
    assert second.version == first.version == read_version(inputs.directory)
    assert meta.stat().st_mtime_ns == stamp  # nothing was written the second time
    assert is_current(inputs)


def test_rebuilt_when_one_input_changes(tmp_path: Path, data_dir: Path) -> None:
    # A real small feed copied aside, then replaced by another one under the same name.
    feed = tmp_path / "feed.gtfs.zip"
    shutil.copy(data_dir / "porto_alegre" / "trensurb_rail.gtfs.zip", feed)
    other = tiny_feed(tmp_path / "tiny")
    inputs = adhoc_inputs([("tiny", other), ("rail", feed)], None, tmp_path / "net")
    first = ensure_built(inputs)

    shutil.copy(data_dir / "bay_area" / "caltrain_2017-2019.gtfs.zip", feed)
    second = ensure_built(inputs)

    assert first.rebuilt and second.rebuilt
    assert second.version != first.version
    assert read_version(inputs.directory) == second.version


def test_nothing_built_raises_and_keeps_the_old_folder(tmp_path: Path) -> None:
    feed = tiny_feed(tmp_path / "tiny")
    inputs = adhoc_inputs([("tiny", feed)], None, tmp_path / "net")
    version = ensure_built(inputs).version

    feed.write_bytes(b"not a zip")
    with pytest.raises(BuildFailed, match="tiny: .*zip"):
        ensure_built(inputs)
    assert read_version(inputs.directory) == version


def test_fingerprint_moves_with_the_inputs(tmp_path: Path) -> None:
    feed = tiny_feed(tmp_path / "tiny")
    inputs = adhoc_inputs([("tiny", feed)], None, tmp_path / "net")
    before = inputs.fingerprint()
    assert inputs.fingerprint() == before
    tiny_feed(tmp_path / "tiny", departures=("06:00:00", "07:00:00"))
    assert inputs.fingerprint() != before
