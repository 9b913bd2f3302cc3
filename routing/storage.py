"""On-disk format of a built network: one `.npy` per array (memory-mapped on load) + JSON.

A directory written by `save` holds ``network/`` and, when there are, ``streets/`` and
``places/`` (the place index, `routing.gazetteer`); each has ``meta.json`` (scalars,
strings, nested records) and one ``<field>.npy`` per array.
Writing goes to a sibling temporary directory renamed into place, so a reader never sees a
half-written network.

Format 2 added ``trip_direction``. Folders of format 1 still load: their trips' directions
were never read, so each is unknown (-1), which realtime matching takes as "any direction".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from routing.gazetteer import Gazetteer
from routing.network import FeedSummary, Network
from routing.streets import CsrGraph, StreetGraph

FORMAT_VERSION = 2
T = TypeVar("T")

# Arrays added since format 1, made from the fields read before them when a format-1 folder
# lacks them (a format-2 folder without one is incomplete).
_FORMAT_1_FILLS: dict[str, Callable[[dict[str, Any]], npt.NDArray[Any]]] = {
    "trip_direction": lambda read: np.full(len(read["trip_ids"]), -1, dtype=np.int8),
}


class NetworkFormatError(Exception):
    """A directory does not hold a network this version can read."""


def save(
    network: Network,
    streets: StreetGraph | None,
    directory: Path,
    places: Gazetteer | None = None,
) -> None:
    """Write `network` (and `streets`, `places`) to `directory`, replacing it atomically."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        _write(network, tmp / "network")
        if streets is not None:
            _write(streets, tmp / "streets")
        if places is not None:
            _write(places, tmp / "places")
        old = directory.with_name(f".{directory.name}.old")
        if directory.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(directory: Path, mmap: bool = True) -> tuple[Network, StreetGraph | None]:
    """Read what `save` wrote; arrays are memory-mapped read-only unless `mmap` is False.

    Raises:
        NetworkFormatError: when the directory is missing, partial or of another format.
    """
    directory = Path(directory)
    if not (directory / "network" / "meta.json").is_file():
        raise NetworkFormatError(f"{directory} holds no built network (network/meta.json missing)")
    network = _read(Network, directory / "network", mmap)
    streets = None
    if (directory / "streets" / "meta.json").is_file():
        streets = _read(StreetGraph, directory / "streets", mmap)
    return network, streets


def load_places(directory: Path, mmap: bool = True) -> Gazetteer | None:
    """The place index saved with the network in `directory`, or None when it has none.

    Raises:
        NetworkFormatError: when the index is there but of another format or incomplete.
    """
    folder = Path(directory) / "places"
    if not (folder / "meta.json").is_file():
        return None
    return _read(Gazetteer, folder, mmap)


def read_version(directory: Path) -> str | None:
    """The content hash of the network saved in `directory`, or None when there is none."""
    try:
        meta = json.loads((Path(directory) / "network" / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    value = meta.get("fields", {}).get("version")
    return value if isinstance(value, str) else None


def _write(obj: Any, folder: Path) -> None:
    folder.mkdir(parents=True)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            np.save(folder / f"{f.name}.npy", np.ascontiguousarray(value), allow_pickle=False)
        elif isinstance(value, CsrGraph):
            _write(value, folder / f.name)
            fields[f.name] = {"csr": True}
        else:
            fields[f.name] = _to_json(value)
    meta = {"format": FORMAT_VERSION, "type": type(obj).__name__, "fields": fields}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))


def _read(cls: type[T], folder: Path, mmap: bool) -> T:
    meta = json.loads((folder / "meta.json").read_text())
    version = meta.get("format")
    if version not in (1, FORMAT_VERSION) or meta.get("type") != cls.__name__:
        raise NetworkFormatError(f"{folder}: format {version}, expected {FORMAT_VERSION}")
    stored = meta["fields"]
    shared: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in stored and isinstance(stored[f.name], dict) and stored[f.name].get("csr"):
            kwargs[f.name] = _read(CsrGraph, folder / f.name, mmap)
        elif f.name in stored:
            kwargs[f.name] = _from_json(f.name, stored[f.name], shared)
        else:
            kwargs[f.name] = _read_array(folder, f.name, version, kwargs, mmap)
    return cls(**kwargs)


def _read_array(
    folder: Path, name: str, version: int, read: dict[str, Any], mmap: bool
) -> npt.NDArray[Any]:
    """The array `name` of `folder`, or its format-1 stand-in (see `_FORMAT_1_FILLS`)."""
    path = folder / f"{name}.npy"
    if path.is_file():
        saved: npt.NDArray[Any] = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        return saved
    fill = _FORMAT_1_FILLS.get(name) if version == 1 else None
    if fill is None:
        raise NetworkFormatError(f"{folder}: missing {path.name}")
    array = fill(read)
    array.flags.writeable = False  # as immutable as the memory-mapped arrays beside it
    return array


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple) and value and isinstance(value[0], FeedSummary):
        return {"feeds": [dataclasses.asdict(v) for v in value]}
    if isinstance(value, tuple):
        return list(value)
    return value


def _from_json(name: str, value: Any, shared: dict[str, str]) -> Any:
    """A field as its dataclass holds it; equal strings of lists become one object.

    `shared` maps each string already read to the object kept for it: a network's stop
    names, route colours and agency names repeat (Porto Alegre: 943 names for 4,010 stops),
    and `json` makes a new object for each occurrence.
    """
    if isinstance(value, dict) and "date" in value:
        return dt.date.fromisoformat(value["date"])
    if isinstance(value, dict) and "feeds" in value:
        return tuple(FeedSummary(**{**v, "agencies": tuple(v["agencies"])}) for v in value["feeds"])
    if isinstance(value, list):
        return tuple(shared.setdefault(v, v) if isinstance(v, str) else v for v in value)
    return value
