"""Region files (`config/regions/<name>.toml`): their schema, loading, and build inputs.

A region names its feeds (stable feed id, authority, local path relative to `HUB_DATA_DIR`,
public download URL, optional timezone override and realtime sources), its OSM extract and its
defaults. `Region` maps them onto `feeds.source.FeedSource` / `BuildOptions`; local files are
never downloaded here (that is `hub fetch`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from feeds.source import BuildOptions, FeedSource

FEED_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
RealtimeKind = Literal["trip_updates", "alerts", "vehicle_positions"]


class RegionError(Exception):
    """A region file is missing, unreadable or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r}") from exc
    return value


TimezoneName = Annotated[str, AfterValidator(_check_timezone)]


class RealtimeSpec(_Strict):
    """One GTFS-Realtime source of a feed: a live URL, a local capture file, or both."""

    kind: RealtimeKind
    url: str | None = None
    file: str | None = None
    page: str | None = None

    @model_validator(mode="after")
    def _url_or_file(self) -> RealtimeSpec:
        if self.url is None and self.file is None:
            raise ValueError("a realtime source needs a url or a file")
        return self


class FeedSpec(_Strict):
    """One GTFS feed of a region."""

    id: str = Field(pattern=FEED_ID_PATTERN, description="Stable namespace of the feed's ids.")
    authority: str
    path: str = Field(description="Zip or folder, relative to HUB_DATA_DIR.")
    url: str | None = Field(default=None, description="Where `hub fetch` downloads it from.")
    page: str | None = Field(default=None, description="Human-readable dataset page.")
    timezone: TimezoneName | None = None
    realtime: tuple[RealtimeSpec, ...] = ()


class OsmSpec(_Strict):
    """The region's OpenStreetMap extract."""

    path: str
    url: str | None = None
    page: str | None = None


class Defaults(_Strict):
    """Region defaults for building and planning."""

    walk_speed_mps: float = Field(default=1.3, gt=0)
    max_walk_min: float = Field(default=15.0, gt=0)
    transfer_radius_m: float = Field(default=300.0, ge=0)
    crow_fly_detour: float = Field(default=1.3, ge=1)
    min_transfer_s: int = Field(default=60, ge=0)
    demo_now: AwareDatetime | None = None
    summary_date: dt.date | None = None


class RegionSpec(_Strict):
    """The whole region file."""

    title: str
    description: str = ""
    timezone: TimezoneName | None = None
    feeds: tuple[FeedSpec, ...] = Field(min_length=1)
    osm: OsmSpec | None = None
    extra_transfers: str | None = None
    defaults: Defaults = Defaults()

    @model_validator(mode="after")
    def _unique_feed_ids(self) -> RegionSpec:
        ids = [f.id for f in self.feeds]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"feed ids must be unique, repeated: {', '.join(duplicated)}")
        return self


@dataclass(frozen=True, slots=True)
class MissingInput:
    """A local input file of a region that is not there."""

    what: str
    path: Path
    url: str | None

    def describe(self) -> str:
        """One line naming the input, its expected path and where to get it."""
        where = f"download: {self.url}" if self.url else "no download URL known"
        return f"{self.what}: {self.path} ({where})"


class MissingInputs(Exception):
    """Some local files of a region are missing; the message says which and how to fetch."""

    def __init__(self, region: str, data_dir: Path, missing: tuple[MissingInput, ...]) -> None:
        lines = [
            f"region {region!r}: {len(missing)} input file(s) missing under {data_dir}:",
            *(f"  - {m.describe()}" for m in missing),
            f"Download them with: hub fetch --region {region}",
        ]
        super().__init__("\n".join(lines))
        self.region = region
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Region:
    """A parsed region file, bound to the data folder its paths are relative to."""

    name: str
    file: Path
    spec: RegionSpec
    data_dir: Path

    def resolve(self, relative: str) -> Path:
        """A data path of the region file, made absolute under the data folder."""
        return (self.data_dir / relative).resolve()

    def sources(self) -> tuple[FeedSource, ...]:
        """The feeds as build inputs."""
        return tuple(
            FeedSource(
                id=f.id,
                path=self.resolve(f.path),
                authority=f.authority,
                url=f.url or f.page,
                timezone=f.timezone,
            )
            for f in self.spec.feeds
        )

    def osm_path(self) -> Path | None:
        """The OSM extract, or None when the region has none."""
        return None if self.spec.osm is None else self.resolve(self.spec.osm.path)

    def build_options(self) -> BuildOptions:
        """The linking options of the region."""
        d = self.spec.defaults
        extra = self.spec.extra_transfers
        return BuildOptions(
            walk_speed_mps=d.walk_speed_mps,
            transfer_radius_m=d.transfer_radius_m,
            crow_fly_detour=d.crow_fly_detour,
            min_transfer_s=d.min_transfer_s,
            extra_transfers=None if extra is None else self.resolve(extra),
            summary_date=d.summary_date,
        )

    def missing_inputs(self) -> tuple[MissingInput, ...]:
        """Every local input (feeds, OSM, transfers file) that does not exist."""
        wanted = [(f"feed {f.id}", f.path, f.url or f.page) for f in self.spec.feeds]
        if self.spec.osm is not None:
            osm = self.spec.osm
            wanted.append(("OSM extract", osm.path, osm.url or osm.page))
        if self.spec.extra_transfers is not None:
            wanted.append(("cross-feed transfers", self.spec.extra_transfers, None))
        return tuple(
            MissingInput(what, self.resolve(path), url)
            for what, path, url in wanted
            if not self.resolve(path).exists()
        )

    def realtime_files(self) -> tuple[tuple[str, RealtimeSpec, Path], ...]:
        """The local realtime captures: (feed id, source, absolute path) for each `file`."""
        return tuple(
            (f.id, rt, self.resolve(rt.file))
            for f in self.spec.feeds
            for rt in f.realtime
            if rt.file is not None
        )

    def require_inputs(self) -> None:
        """Fail at once, before any work, when a local input is missing.

        Raises:
            MissingInputs: naming each missing feed, its path and its URL.
        """
        missing = self.missing_inputs()
        if missing:
            raise MissingInputs(self.name, self.data_dir, missing)


def list_regions(regions_dir: Path) -> tuple[str, ...]:
    """Names of the region files in `regions_dir`, sorted."""
    return tuple(sorted(p.stem for p in Path(regions_dir).glob("*.toml")))


def region_file(name_or_path: str, regions_dir: Path) -> Path:
    """The file of a region given by name (`porto-alegre`) or by a path to a `.toml` file.

    Raises:
        RegionError: when there is no such region.
    """
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    path = Path(regions_dir) / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(list_regions(regions_dir)) or "none"
        raise RegionError(f"no region {name_or_path!r} in {regions_dir} (known: {known})")
    return path


def load_region(name_or_path: str, regions_dir: Path, data_dir: Path) -> Region:
    """Read and validate a region file.

    Raises:
        RegionError: when the file is missing, is not TOML, or does not follow the schema.
    """
    path = region_file(name_or_path, regions_dir)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RegionError(f"{path}: cannot read region file: {exc}") from exc
    try:
        spec = RegionSpec.model_validate(raw)
    except ValidationError as exc:
        raise RegionError(f"{path}: invalid region file:\n{_explain(exc)}") from exc
    return Region(name=path.stem, file=path, spec=spec, data_dir=Path(data_dir))


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "(file)"
        lines.append(f"  - {where}: {err['msg']}")
    return "\n".join(lines)
