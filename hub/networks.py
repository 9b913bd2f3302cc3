"""Built networks on disk: build a region into its cache folder, or reuse it when up to date.

A region's network lives in `HUB_CACHE_DIR/<region>/`; it is current when the version saved
there (`routing.storage.read_version`) equals the content hash of the region's inputs
(`feeds.build.inputs_hash`). Anything else is rebuilt. The same folders are what
`hub build --out DIR` writes and `--network DIR` reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds.build import BuildReport, build_network, inputs_hash
from feeds.source import BuildOptions, FeedSource
from hub.regions import Region
from routing.storage import read_version, save

Progress = Callable[[str], None]


class BuildFailed(Exception):
    """A build produced no network at all (every feed skipped)."""

    def __init__(self, report: BuildReport) -> None:
        reasons = "; ".join(f"{feed}: {reason}" for feed, reason in report.skipped)
        super().__init__(f"nothing was built ({reasons or 'no feed'})")
        self.report = report


@dataclass(frozen=True, slots=True)
class BuildInputs:
    """Everything a build reads, and where its result goes."""

    sources: tuple[FeedSource, ...]
    osm: Path | None
    options: BuildOptions
    directory: Path

    def version(self) -> str:
        """The content hash a network built from these inputs carries."""
        return inputs_hash(self.sources, self.osm, self.options)

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """Size and modification time of every input: a cheap "did anything change?" probe."""
        paths = [s.path for s in self.sources]
        paths += [p for p in (self.osm, self.options.extra_transfers) if p is not None]
        return tuple(_stat(p) for p in paths)


@dataclass(frozen=True, slots=True)
class Ensured:
    """The outcome of `ensure_built`: where the network is, and the report if it was built."""

    directory: Path
    version: str
    report: BuildReport | None

    @property
    def rebuilt(self) -> bool:
        """True when this call built the network (False: the cached one was current)."""
        return self.report is not None


def region_inputs(region: Region, cache_dir: Path) -> BuildInputs:
    """The build inputs of a region, saved under `cache_dir/<region>`."""
    return BuildInputs(
        sources=region.sources(),
        osm=region.osm_path(),
        options=region.build_options(),
        directory=Path(cache_dir) / region.name,
    )


def adhoc_inputs(
    feeds: Sequence[tuple[str, Path]], osm: Path | None, directory: Path
) -> BuildInputs:
    """Build inputs for feeds given on the command line (`--feed ID=PATH`), default options."""
    sources = tuple(FeedSource(id=feed_id, path=Path(path).resolve()) for feed_id, path in feeds)
    osm_path = None if osm is None else Path(osm).resolve()
    return BuildInputs(sources, osm_path, BuildOptions(), Path(directory))


def is_current(inputs: BuildInputs) -> bool:
    """True when the folder holds a network built from exactly these inputs."""
    saved = read_version(inputs.directory)
    return saved is not None and saved == inputs.version()


def build_into(inputs: BuildInputs, progress: Progress | None = None) -> BuildReport:
    """Build and, when anything was built, save atomically into `inputs.directory`.

    Returns the report whatever happened; nothing is written when nothing was built.
    """
    report = build_network(inputs.sources, inputs.osm, inputs.options, progress=progress)
    if report.network is not None:
        save(report.network, report.streets, inputs.directory, places=report.places)
    return report


def ensure_built(inputs: BuildInputs, progress: Progress | None = None) -> Ensured:
    """Reuse the saved network when current, else build it.

    Raises:
        BuildFailed: when a build was needed and produced nothing.
    """
    version = inputs.version()
    if read_version(inputs.directory) == version:
        return Ensured(inputs.directory, version, None)
    report = build_into(inputs, progress)
    if report.network is None:
        raise BuildFailed(report)
    return Ensured(inputs.directory, report.network.version, report)


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        if path.is_dir():
            # A folder feed changes when any of its files does.
            stats = [os.stat(p) for p in sorted(path.iterdir()) if p.is_file()]
            newest = max((s.st_mtime_ns for s in stats), default=0)
            return str(path), sum(s.st_size for s in stats), newest
        st = os.stat(path)
    except OSError:
        return str(path), -1, -1
    return str(path), st.st_size, st.st_mtime_ns
