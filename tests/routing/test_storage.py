"""The on-disk format: arrays read back as written, and folders of the older format 1."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from routing.network import Network
from routing.storage import FORMAT_VERSION, NetworkFormatError, load, save
from tests.routing.tiny import tiny_network, trip


@pytest.fixture
def network() -> Network:
    return tiny_network(
        [
            trip("out", "A 08:00, B 08:10", direction=0),
            trip("back", "B 08:00, A 08:10", direction=1),
            trip("blank", "A 09:00, B 09:10"),
        ]
    )


def saved(network: Network, directory: Path) -> Path:
    save(network, None, directory)
    return directory / "network"


def as_format_1(folder: Path) -> None:
    """Make a saved network look like one written before trip directions were kept."""
    meta = json.loads((folder / "meta.json").read_text())
    meta["format"] = 1
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "trip_direction.npy").unlink()


def test_trip_directions_are_read_back_as_written(network: Network, tmp_path: Path) -> None:
    saved(network, tmp_path / "net")
    for mmap in (True, False):
        loaded, streets = load(tmp_path / "net", mmap=mmap)
        assert streets is None
        assert loaded.trip_direction.dtype == np.int8
        assert loaded.trip_direction.tolist() == [0, 1, -1]


def test_a_format_1_folder_loads_with_every_direction_unknown(
    network: Network, tmp_path: Path
) -> None:
    as_format_1(saved(network, tmp_path / "net"))

    loaded, _ = load(tmp_path / "net")

    assert loaded.trip_direction.dtype == np.int8
    assert loaded.trip_direction.tolist() == [-1, -1, -1]
    assert not loaded.trip_direction.flags.writeable
    assert loaded.trip_ids == network.trip_ids


def test_a_current_folder_without_directions_is_incomplete(
    network: Network, tmp_path: Path
) -> None:
    folder = saved(network, tmp_path / "net")
    (folder / "trip_direction.npy").unlink()

    with pytest.raises(NetworkFormatError, match="missing trip_direction.npy"):
        load(tmp_path / "net")


def test_a_format_1_folder_still_needs_its_other_arrays(network: Network, tmp_path: Path) -> None:
    folder = saved(network, tmp_path / "net")
    as_format_1(folder)
    (folder / "trip_route.npy").unlink()

    with pytest.raises(NetworkFormatError, match="missing trip_route.npy"):
        load(tmp_path / "net")


def test_a_newer_format_is_refused(network: Network, tmp_path: Path) -> None:
    folder = saved(network, tmp_path / "net")
    meta = json.loads((folder / "meta.json").read_text())
    meta["format"] = FORMAT_VERSION + 1
    (folder / "meta.json").write_text(json.dumps(meta))

    with pytest.raises(NetworkFormatError, match=f"format {FORMAT_VERSION + 1}"):
        load(tmp_path / "net")


def test_repeated_names_are_read_back_as_one_object(network: Network, tmp_path: Path) -> None:
    names = ("Terminal Centro",) * network.n_stops
    saved(dataclasses.replace(network, stop_names=names), tmp_path / "net")
    loaded, _ = load(tmp_path / "net")
    assert loaded.stop_names == names
    assert loaded.stop_names[0] is loaded.stop_names[1]
    assert len({id(s) for s in loaded.stop_ids}) == network.n_stops  # distinct ids stay apart
