"""GTFS folder copies for the benchmarks: every stop time filled, maybe moved in space and time.

The peers read GTFS themselves; ferrobus rejects blank stop times, so each gets a copy whose
`stop_times.txt` holds our loader's interpolated times (HH:MM:SS). The scale benchmark writes
the same copy several times, each under its own feed id, moved in space and time.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.queries import Inputs, StopQuery
from feeds.build import build_network
from feeds.gtfs_reader import load_feed
from feeds.loaded import LoadedFeed
from feeds.source import BuildOptions, FeedSource
from routing.network import Network

STOP_TIME_COLUMNS = ["trip_id", "stop_sequence", "stop_id", "pickup_type", "drop_off_type"]
# Files whose coordinates move with a copy: (file, latitude column, longitude column).
# Copies of the scale benchmark sit this many degrees apart (~55 km). Porto Alegre's rail
# line reaches ~50 km north: its last station is a footpath away from the buses of the copy
# one row up, so the copies of a grid column form one connected network (6 of 35 copies).
GRID_DEG = 0.5
COORDINATE_FILES = (
    ("stops.txt", "stop_lat", "stop_lon"),
    ("shapes.txt", "shape_pt_lat", "shape_pt_lon"),
)


@dataclass(frozen=True, slots=True)
class Shift:
    """How a copy differs from the original: seconds added to every time, degrees to coordinates."""

    seconds: int = 0
    lat_deg: float = 0.0
    lon_deg: float = 0.0


def gtfs_times(seconds: npt.ArrayLike) -> list[str]:
    """HH:MM:SS texts of seconds (hours may pass 24, as GTFS allows)."""
    s = np.asarray(seconds, dtype=np.int64)
    return [
        f"{h:02d}:{m:02d}:{x:02d}" for h, m, x in zip(s // 3600, s // 60 % 60, s % 60, strict=True)
    ]


def write_copy(feed: LoadedFeed, folder: Path, shift: Shift = Shift()) -> Path:
    """Write `feed` as a GTFS folder: the original files, interpolated and shifted stop times."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(feed.source.path) as archive:
        for name in archive.namelist():
            if name == "stop_times.txt" or name.endswith("/"):
                continue
            data = archive.read(name).decode("utf-8-sig")
            (folder / Path(name).name).write_text(_moved(Path(name).name, data, shift), "utf-8")
    times = feed.stop_times
    out = times[STOP_TIME_COLUMNS].copy()
    out.insert(1, "arrival_time", gtfs_times(times["arrival_s"].to_numpy() + shift.seconds))
    out.insert(2, "departure_time", gtfs_times(times["departure_s"].to_numpy() + shift.seconds))
    out.to_csv(folder / "stop_times.txt", index=False)
    return folder


def interpolated_copies(sources: tuple[FeedSource, ...], root: Path) -> list[tuple[str, Path]]:
    """(feed id, folder) of an interpolated copy of each zipped source, under `root`."""
    return [(s.id, write_copy(load_feed(s), root / s.id)) for s in sources]


def _moved(name: str, text: str, shift: Shift) -> str:
    """The text of one GTFS file with its coordinates (if any) moved by `shift`."""
    columns = next((c for c in COORDINATE_FILES if c[0] == name), None)
    if columns is None or (shift.lat_deg == 0 and shift.lon_deg == 0):
        return text
    rows = list(csv.DictReader(io.StringIO(text), skipinitialspace=True))
    if not rows:
        return text
    for row in rows:
        for column, delta in ((columns[1], shift.lat_deg), (columns[2], shift.lon_deg)):
            if row.get(column, "").strip():
                row[column] = f"{float(row[column]) + delta:.7f}"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def replicated_network(
    inputs: Inputs, copies: int, root: Path, seed: int = 1
) -> tuple[Network, list[StopQuery]]:
    """The region's feeds written `copies` times, built without OSM; the queries moved into it.

    Each stop query goes to a seeded copy (same stops, other feed ids). Copy k of feed
    `eptc` is feed `eptc_k`, moved k grid cells of GRID_DEG (joined only where the rail line
    of one copy ends near the next row's buses) and a seeded 0-10 minutes later.
    """
    rng = np.random.default_rng(seed)
    loaded = [load_feed(s) for s in inputs.region.sources()]
    sources = []
    side = int(np.ceil(np.sqrt(copies)))
    for k in range(copies):
        shift = Shift(int(rng.integers(0, 600)), GRID_DEG * (k // side), GRID_DEG * (k % side))
        for feed in loaded:
            folder = write_copy(feed, root / f"{feed.id}_{k}", shift)
            sources.append(FeedSource(f"{feed.id}_{k}", folder))
    report = build_network(sources, None, BuildOptions())
    if report.network is None:
        raise SystemExit(f"the replicated network did not build: {report.skipped}")
    return report.network, _moved_queries(inputs, report.network, copies, rng)


def _moved_queries(
    inputs: Inputs, network: Network, copies: int, rng: np.random.Generator
) -> list[StopQuery]:
    """Each stop query of `inputs`, inside a random copy of the replicated network."""
    ids = inputs.network.stop_ids
    moved: list[StopQuery] = []
    for a, b, t in inputs.stops:
        k = int(rng.integers(0, copies))
        ends = [_in_copy(ids[s], k) for s in (a, b)]
        moved.append((int(network.get_stop(ends[0])), int(network.get_stop(ends[1])), t))
    return moved


def _in_copy(stop_id: str, k: int) -> str:
    feed, own = stop_id.split(":", 1)
    return f"{feed}_{k}:{own}"
