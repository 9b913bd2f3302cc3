"""Fixtures of the hub tests: a local HTTP file server (real sockets, no network needed)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import serve_folder, write_feed


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a fresh folder over HTTP on loopback; yields (base URL, folder)."""
    root = tmp_path / "served"
    root.mkdir()
    with serve_folder(root) as port:
        yield f"http://127.0.0.1:{port}", root


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Two stops 1.1 km apart served by one weekday trip; `trips` adds more departures.
TINY_FEED = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
A,Tiny Agency,http://a.example,America/Sao_Paulo
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
S1,First,-30.0300,-51.2300
S2,Second,-30.0400,-51.2300
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R1,A,1,Line 1,3
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20190415,20190715
"""


def tiny_feed(folder: Path, departures: tuple[str, ...] = ("08:00:00",)) -> Path:
    """Write the tiny feed as `<folder>.zip` with one trip per departure; returns the zip."""
    trips = "\n".join(f"R1,WK,T{i}" for i in range(len(departures)))
    times = "\n".join(
        f"T{i},{dep},{dep},S1,1\nT{i},{_plus_10_min(dep)},{_plus_10_min(dep)},S2,2"
        for i, dep in enumerate(departures)
    )
    text = (
        TINY_FEED
        + f"# trips.txt\nroute_id,service_id,trip_id\n{trips}\n"
        + f"# stop_times.txt\ntrip_id,arrival_time,departure_time,stop_id,stop_sequence\n{times}\n"
    )
    return write_feed(folder, text, zip_name=f"{folder.name}.zip")


def _plus_10_min(hhmmss: str) -> str:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    total = h * 3600 + m * 60 + s + 600
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def build_tiny(feeds: dict[str, Path], directory: Path) -> str:
    """Build feeds (id -> path) into `directory`; returns the network's version."""
    from hub.networks import adhoc_inputs, build_into

    report = build_into(adhoc_inputs(list(feeds.items()), None, directory))
    assert report.network is not None, report.skipped
    return report.network.version


@pytest.fixture(scope="session")
def porto_alegre_cache(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A cache folder holding the real porto-alegre network, built once per session."""
    from hub.networks import ensure_built, region_inputs
    from hub.regions import load_region
    from hub.settings import REPO_ROOT

    cache = tmp_path_factory.mktemp("cache")
    region = load_region("porto-alegre", REPO_ROOT / "config" / "regions", data_dir)
    ensure_built(region_inputs(region, cache))
    return cache


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`hub.logging.configure` (run by the CLI) changes global loggers: undo it after each test."""
    import logging

    loggers = [logging.getLogger(name) for name in ("hub", "aiohttp")]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
