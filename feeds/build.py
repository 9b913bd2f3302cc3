"""The build pipeline: load feeds and streets, link stops, compile the network, and report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.compile import compile_network
from feeds.gazetteer import build_gazetteer
from feeds.gtfs_reader import load_feed
from feeds.loaded import LoadedFeed
from feeds.merged_stops import merge_stops
from feeds.notice import Notice
from feeds.osm import load_streets
from feeds.source import BuildOptions, FeedRejected, FeedSource
from feeds.summary import summary
from feeds.transfers import compute_footpaths
from routing.gazetteer import Gazetteer
from routing.network import Network
from routing.snap import attach_stops
from routing.storage import FORMAT_VERSION
from routing.streets import StreetGraph

__all__ = ["BuildReport", "build_network", "inputs_hash", "summary"]

Progress = Callable[[str], None]
OSM_ID = "osm"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BuildReport:
    """What a build produced, what it had to leave out, and how long each step took.

    ``skipped`` holds ``(feed_id, reason)`` for each rejected feed, and ``("osm", reason)``
    when the street extract could not be read (the network is then built without streets).
    ``places`` is the place index of the network (`routing.gazetteer`), saved with it.
    """

    network: Network | None
    streets: StreetGraph | None
    skipped: tuple[tuple[str, str], ...]
    notices: tuple[Notice, ...]
    timings_s: dict[str, float]
    places: Gazetteer | None = None

    @property
    def exit_code(self) -> int:
        """0 when everything was built, 2 when built with something skipped, 1 when nothing."""
        if self.network is None:
            return 1
        return 2 if self.skipped else 0


def inputs_hash(sources: Sequence[FeedSource], osm: Path | None, options: BuildOptions) -> str:
    """SHA-256 of everything a build depends on: the bytes of every input, the options, the code.

    Feeds are hashed in order (the first one gives the timezone), a folder feed file by file;
    the format version and the source of the `feeds` package are included, so a changed
    compiler never reuses an old network. Reading a few megabytes, it takes milliseconds.
    """
    digest = hashlib.sha256()
    digest.update(f"format {FORMAT_VERSION}\n".encode())
    _hash_path(digest, Path(__file__).resolve().parent, suffix=".py")
    for source in sources:
        fields = [source.id, source.authority, source.url, source.timezone]
        digest.update(json.dumps(fields).encode())
        _hash_path(digest, Path(source.path))
    digest.update(b"osm\n")
    if osm is not None:
        _hash_path(digest, Path(osm))
    options_json = {k: str(v) for k, v in dataclasses.asdict(options).items()}
    digest.update(json.dumps(options_json, sort_keys=True).encode())
    if options.extra_transfers is not None:
        _hash_path(digest, Path(options.extra_transfers))
    return digest.hexdigest()


def build_network(
    sources: Sequence[FeedSource],
    osm: Path | None,
    options: BuildOptions,
    progress: Progress | None = None,
) -> BuildReport:
    """Load every feed and the street extract, link the stops and compile one `Network`.

    A feed that fails to load (`FeedRejected`, or any unexpected error while reading it) is
    skipped with its reason and the others are built; a broken OSM extract is skipped too,
    and the network built without streets. Progress lines go to `progress`.
    """
    say = progress or _quiet
    timings: dict[str, float] = {}
    with _timed(timings, "gtfs"):
        feeds, skipped = _load_feeds(sources, say)
    notices = [n for feed in feeds for n in feed.log.notices]
    with _timed(timings, "osm"):
        streets, osm_problem = _load_osm(osm, say)
    skipped += osm_problem
    if not feeds:
        say("nothing to build: every feed was skipped")
        return BuildReport(None, None, tuple(skipped), tuple(notices), timings)
    with _timed(timings, "transfers"):
        stops = merge_stops(feeds)
        if streets is not None:
            streets = attach_stops(streets, stops.lat, stops.lon)
        footpaths, extra_notices = compute_footpaths(stops, feeds, streets, options)
    say(f"linked {len(stops)} stops by {footpaths.from_stop.size} footpaths "
        f"in {timings['transfers']:.1f} s")  # fmt: skip
    with _timed(timings, "compile"):
        network = compile_network(
            feeds, stops, footpaths, options,
            version=inputs_hash(sources, osm, options), built_at=_utc_now(),
        )  # fmt: skip
    say(f"compiled {network.n_connections} connections in {timings['compile']:.1f} s")
    notices += extra_notices
    with _timed(timings, "places"):
        places = _build_places(network, None if streets is None else osm, say)
    return BuildReport(network, streets, tuple(skipped), tuple(notices), timings, places)


def _load_feeds(
    sources: Sequence[FeedSource], say: Progress
) -> tuple[list[LoadedFeed], list[tuple[str, str]]]:
    feeds: list[LoadedFeed] = []
    skipped: list[tuple[str, str]] = []
    for source in sources:
        started = time.perf_counter()
        loaded = _load_one(source, {f.id for f in feeds})
        if isinstance(loaded, str):
            skipped.append((source.id, loaded))
            say(f"{source.id}: skipped: {loaded}")
            continue
        feeds.append(loaded)
        say(f"{source.id}: loaded {len(loaded.stops)} stops, {len(loaded.trips)} trips "
            f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    return feeds, skipped


def _load_one(source: FeedSource, taken: set[str]) -> LoadedFeed | str:
    """The loaded feed, or why it is skipped."""
    if not source.id or ":" in source.id:
        return f"feed id {source.id!r} must be non-empty and without ':' (it prefixes every id)"
    if source.id in taken:
        return f"feed id {source.id!r} is used twice"
    try:
        return load_feed(source)
    except FeedRejected as error:
        return error.reason
    except Exception as error:  # one broken feed must not stop the rest
        return f"{type(error).__name__}: {error}"


def _load_osm(osm: Path | None, say: Progress) -> tuple[StreetGraph | None, list[tuple[str, str]]]:
    if osm is None:
        return None, []
    started = time.perf_counter()
    try:
        streets = load_streets(Path(osm), progress=say)
    except Exception as error:  # the network is still useful without streets
        reason = f"{osm}: {type(error).__name__}: {error}"
        say(f"osm: skipped: {reason}")
        return None, [(OSM_ID, reason)]
    say(f"osm: loaded {streets.n_nodes} street nodes in {time.perf_counter() - started:.1f} s")
    return streets, []


def _build_places(network: Network, osm: Path | None, say: Progress) -> Gazetteer:
    """The place index; from the stops alone when the extract's names cannot be read."""
    try:
        places = build_gazetteer(network, osm)
    except Exception as error:  # the index without streets still lists every stop
        say(f"places: OSM names skipped: {type(error).__name__}: {error}")
        places = build_gazetteer(network, None)
    say(f"indexed {places.n_entries} places")
    return places


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = round(time.perf_counter() - started, 3)


def _hash_path(digest: Any, path: Path, suffix: str = "") -> None:
    """Feed a file's bytes, or every file of a folder with its relative name, to `digest`."""
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.rglob(f"*{suffix}") if p.is_file())
    else:
        digest.update(f"missing {path}\n".encode())
        return
    for file in files:
        digest.update(f"file {file.relative_to(path) if file != path else ''}\n".encode())
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)


def _utc_now() -> str:
    # The build's own timestamp, not the service clock (HUB_NOW fixes that one).
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _quiet(_: str) -> None:
    return None
