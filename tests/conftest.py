"""Shared fixtures: where the real data lives, and inline tiny feeds."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from feeds.build import BuildReport
    from routing.network import Network
    from routing.streets import StreetGraph

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HUB_DATA_DIR", REPO.parent / "shared" / "data")).resolve()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """Says nothing when a client hangs up mid-transfer: tests of size limits do, on purpose."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve_folder(root: Path) -> Iterator[int]:
    """Serve `root` over HTTP on loopback from a thread, without logs; yields the port."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write_feed(folder: Path, text: str, *, zip_name: str | None = None) -> Path:
    """Write a tiny GTFS feed given inline as `# file.txt` headers followed by CSV lines.

    Returns the folder, or the zip written next to it when `zip_name` is given.
    """
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}
    current: str | None = None
    for line in textwrap.dedent(text).strip().splitlines():
        if line.startswith("# "):
            current = line[2:].strip()
            files[current] = []
        elif current is not None and line.strip():
            files[current].append(line.strip())
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if zip_name is None:
        return folder
    target = folder.parent / zip_name
    with zipfile.ZipFile(target, "w") as zf:
        for name in files:
            zf.write(folder / name, name)
    return target


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real data (../shared/data, or HUB_DATA_DIR)."""
    if not DATA_DIR.is_dir():
        pytest.fail(f"real data not found at {DATA_DIR}; set HUB_DATA_DIR")
    return DATA_DIR


# Built networks shared by the whole session: each region is built once, saved with
# routing.storage into a temporary folder, and loaded back (memory-mapped) as a router would.


@dataclass(frozen=True)
class BuiltRegion:
    """A region built once per session: the in-memory build report and where it was saved."""

    report: BuildReport
    directory: Path


def _build_and_save(
    tmp_path_factory: pytest.TempPathFactory, name: str, feeds: dict[str, str], osm: str | None
) -> BuiltRegion:
    from feeds.build import build_network
    from feeds.source import BuildOptions, FeedSource
    from routing.storage import save

    sources = [FeedSource(feed_id, DATA_DIR / path) for feed_id, path in feeds.items()]
    report = build_network(sources, None if osm is None else DATA_DIR / osm, BuildOptions())
    if report.network is None or report.skipped:
        pytest.fail(f"{name} did not build: {report.skipped}")
    directory = tmp_path_factory.mktemp("networks") / name
    save(report.network, report.streets, directory, places=report.places)
    return BuiltRegion(report, directory)


@pytest.fixture(scope="session")
def porto_alegre_built(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> BuiltRegion:
    """Porto Alegre (feeds `eptc` + `trensurb`, OSM centre extract) built and saved once."""
    feeds = {
        "eptc": "porto_alegre/eptc_bus.gtfs.zip",
        "trensurb": "porto_alegre/trensurb_rail.gtfs.zip",
    }
    osm = "porto_alegre/porto_alegre_center.osm.pbf"
    return _build_and_save(tmp_path_factory, "porto-alegre", feeds, osm)


@pytest.fixture(scope="session")
def porto_alegre_dir(porto_alegre_built: BuiltRegion) -> Path:
    """The folder the Porto Alegre network was saved to (what `hub build --out` writes)."""
    return porto_alegre_built.directory


@pytest.fixture(scope="session")
def porto_alegre_network(porto_alegre_dir: Path) -> Network:
    """The Porto Alegre `Network`, loaded memory-mapped (service 2019-04-15 to 2019-07-15)."""
    from routing.storage import load

    return load(porto_alegre_dir)[0]


@pytest.fixture(scope="session")
def porto_alegre_streets(porto_alegre_dir: Path) -> StreetGraph | None:
    """The Porto Alegre `StreetGraph`, loaded memory-mapped, its stops snapped (`stop_node`)."""
    from routing.storage import load

    return load(porto_alegre_dir)[1]


@pytest.fixture(scope="session")
def bay_area_built(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> BuiltRegion:
    """Bay Area (feeds `bart` 2019 + `caltrain` 2017-2019, no OSM) built and saved once."""
    feeds = {
        "bart": "bay_area/bart_2019.gtfs.zip",
        "caltrain": "bay_area/caltrain_2017-2019.gtfs.zip",
    }
    return _build_and_save(tmp_path_factory, "bay-area", feeds, None)


@pytest.fixture(scope="session")
def bay_area_dir(bay_area_built: BuiltRegion) -> Path:
    """The folder the Bay Area network was saved to."""
    return bay_area_built.directory


@pytest.fixture(scope="session")
def bay_area_network(bay_area_dir: Path) -> Network:
    """The Bay Area `Network`, loaded memory-mapped (common service 2019-02-11 to 2019-10-06)."""
    from routing.storage import load

    return load(bay_area_dir)[0]
