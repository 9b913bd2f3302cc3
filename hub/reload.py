"""The served network and its reloads: loaded off the request path, swapped whole.

Requests read `Reloader.served` once and keep that object for their whole life, so a swap
(one reference assignment on the event loop) never mixes two networks. A reload builds when
needed, loads and checks the new network in a worker thread; if anything fails the old one
keeps serving and `/health` says why. Reloads are triggered by `hub reload` (SIGHUP or the
loopback admin endpoint), by SIGHUP itself, or by a periodic check of the inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from feeds.gazetteer import build_gazetteer
from hub.clock import Clock, SystemClock
from hub.integrity import check_network
from hub.networks import BuildInputs, ensure_built
from routing.network import Network
from routing.place_search import PlaceIndex, place_index
from routing.planner import warm_up
from routing.storage import load, load_places, read_version
from routing.streets import StreetGraph

log = logging.getLogger("hub.reload")
State = Literal["loading", "ok", "failed"]


class NetworkSource(Protocol):
    """Where the served network comes from."""

    @property
    def description(self) -> str:
        """What is served, for `/health` (a region name or a folder)."""
        ...

    def prepare(self) -> Path:
        """Make sure a current network is on disk (building it if needed); its folder."""
        ...

    def probe(self) -> object:
        """A cheap fingerprint of the inputs; when it changes, `expected_version` is asked."""
        ...

    def expected_version(self) -> str | None:
        """The version that should be served now."""
        ...


@dataclass(frozen=True, slots=True)
class RegionSource:
    """A region's network in the cache, rebuilt when its inputs change."""

    name: str
    inputs: BuildInputs

    @property
    def description(self) -> str:
        """The region's name."""
        return f"region {self.name}"

    def prepare(self) -> Path:
        """Build the region when its cached network is missing or stale."""
        ensured = ensure_built(self.inputs, progress=lambda line: log.info(line))
        if ensured.report is not None and ensured.report.skipped:
            log.warning("built with feeds skipped", extra={"skipped": ensured.report.skipped})
        return ensured.directory

    def probe(self) -> object:
        """Sizes and modification times of the inputs."""
        return self.inputs.fingerprint()

    def expected_version(self) -> str | None:
        """The content hash of the inputs."""
        return self.inputs.version()


@dataclass(frozen=True, slots=True)
class DirectorySource:
    """A network folder written by `hub build --out` (or by another process)."""

    directory: Path

    @property
    def description(self) -> str:
        """The folder."""
        return f"network {self.directory}"

    def prepare(self) -> Path:
        """The folder itself: nothing is built here."""
        return self.directory

    def probe(self) -> object:
        """The saved metadata's size and modification time."""
        try:
            st = (self.directory / "network" / "meta.json").stat()
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns, st.st_ino

    def expected_version(self) -> str | None:
        """The version saved in the folder."""
        return read_version(self.directory)


@dataclass(frozen=True, slots=True, eq=False)
class Served:
    """One loaded network and what is known about it."""

    network: Network
    streets: StreetGraph | None
    directory: Path
    loaded_at: dt.datetime
    places: PlaceIndex | None = None


@dataclass(frozen=True, slots=True)
class ReloadStatus:
    """The last reload: its trigger, outcome and timing."""

    state: State = "loading"
    trigger: str | None = None
    attempted_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    duration_s: float | None = None
    error: str | None = None
    last_success_at: dt.datetime | None = None
    reloads: int = 0
    failures: int = 0

    def to_json(self) -> dict[str, Any]:
        """The status as `/health` shows it."""
        return {
            k: v.isoformat(timespec="seconds") if isinstance(v, dt.datetime) else v
            for k, v in dataclasses.asdict(self).items()
        }


class Reloader:
    """Holds the served network and replaces it, whole, on demand."""

    def __init__(
        self,
        source: NetworkSource,
        wall_clock: Clock | None = None,
        *,
        on_swap: Callable[[], None] | None = None,
    ) -> None:
        """Serve what `source` prepares; `on_swap` is called after each network replaced."""
        self.source = source
        self._wall = wall_clock or SystemClock()
        self._on_swap = on_swap
        self._served: Served | None = None
        self._status = ReloadStatus()
        self._lock = asyncio.Lock()
        self._last_probe: object = None

    @property
    def served(self) -> Served:
        """The network being served.

        Raises:
            RuntimeError: before the first successful load.
        """
        if self._served is None:
            raise RuntimeError("no network loaded yet")
        return self._served

    @property
    def loaded(self) -> bool:
        """True once a network is being served."""
        return self._served is not None

    @property
    def status(self) -> ReloadStatus:
        """The last reload's status."""
        return self._status

    @property
    def busy(self) -> bool:
        """True while a reload runs."""
        return self._lock.locked()

    async def reload(self, trigger: str) -> ReloadStatus:
        """Build if needed, load and check a network in a thread, then swap it in.

        Concurrent calls queue behind each other. Never raises for a bad network: the
        status says what failed and the previous network stays.
        """
        async with self._lock:
            started = self._wall.now()
            self._status = dataclasses.replace(
                self._status, state="loading", trigger=trigger, attempted_at=started, error=None
            )
            try:
                served = await asyncio.to_thread(self._load_new)
            except Exception as error:  # noqa: BLE001 - any failure keeps the old network
                return self._finish(started, error=f"{type(error).__name__}: {error}")
            replaced = self._served is not None
            self._served = served  # the swap: requests pick the new one from here on
            if replaced and self._on_swap is not None:
                self._on_swap()
            return self._finish(started, error=None)

    async def check(self) -> ReloadStatus | None:
        """Reload when the inputs changed since the last check and differ from what is served.

        Returns the reload's status, or None when nothing changed.
        """
        probe = await asyncio.to_thread(self.source.probe)
        if probe == self._last_probe:
            return None
        expected = await asyncio.to_thread(self.source.expected_version)
        # Remember the probe first: a failing reload is not retried until inputs change again.
        self._last_probe = probe
        if self._served is not None and expected == self._served.network.version:
            return None
        return await self.reload("periodic")

    async def run_periodic(self, interval_s: float) -> None:
        """Call `check` every `interval_s` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.check()
            except Exception:  # the loop must survive a failing probe (e.g. a vanished disk)
                log.exception("periodic network check failed")

    def _load_new(self) -> Served:
        probe = self.source.probe()
        directory = self.source.prepare()
        network, streets = load(directory)
        check_network(network, streets)
        warm_up(network, streets)
        places = _places(directory, network)
        self._last_probe = probe
        return Served(network, streets, directory, self._wall.now(), places)

    def _finish(self, started: dt.datetime, error: str | None) -> ReloadStatus:
        finished = self._wall.now()
        previous = self._status
        self._status = dataclasses.replace(
            previous,
            state="failed" if error else "ok",
            finished_at=finished,
            duration_s=round((finished - started).total_seconds(), 3),
            error=error,
            last_success_at=previous.last_success_at if error else finished,
            reloads=previous.reloads + 1,
            failures=previous.failures + (1 if error else 0),
        )
        version = self._served.network.version if self._served else None
        if error:
            log.error("reload failed", extra={"trigger": previous.trigger, "error": error})
        else:
            log.info("network loaded", extra={"trigger": previous.trigger, "version": version})
        return self._status


def _places(directory: Path, network: Network) -> PlaceIndex:
    """The saved place index of `network`, searchable; from its stops when none was saved."""
    saved = load_places(directory)
    if saved is None or saved.network_version != network.version:
        saved = build_gazetteer(network, None)
    return place_index(saved)


def write_pidfile(path: Path) -> None:
    """Record this process's pid for `hub reload`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n")


def remove_pidfile(path: Path) -> None:
    """Remove the pidfile if it is still ours."""
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text().strip()) == os.getpid():
            path.unlink()


def running_pid(path: Path) -> int | None:
    """The pid recorded in `path` when that process is alive, else None."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid
