from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from hub.integrity import InvalidNetwork, check_network
from hub.networks import adhoc_inputs
from hub.reload import DirectorySource, RegionSource, Reloader, running_pid, write_pidfile
from routing.storage import load, read_version
from tests.hub.conftest import build_tiny, tiny_feed


@pytest.fixture
def two_versions(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A served folder holding network A, plus a folder with network B ready to move in."""
    feed_a = tiny_feed(tmp_path / "a")
    feed_b = tiny_feed(tmp_path / "b", departures=("08:00:00", "09:00:00"))
    served, spare = tmp_path / "served", tmp_path / "spare"
    build_tiny({"tiny": feed_a}, served)
    build_tiny({"tiny": feed_b}, spare)
    return served, spare, feed_b


def replace_folder(source: Path, target: Path) -> None:
    shutil.rmtree(target)
    shutil.copytree(source, target)


async def test_reload_swaps_the_whole_network(two_versions: tuple[Path, Path, Path]) -> None:
    served, spare, _ = two_versions
    reloader = Reloader(DirectorySource(served))
    assert (await reloader.reload("startup")).state == "ok"
    old = reloader.served
    assert len(old.network.trip_ids) == 1

    replace_folder(spare, served)
    status = await reloader.reload("admin")

    new = reloader.served
    assert status.state == "ok" and status.trigger == "admin" and status.reloads == 2
    assert new is not old and new.network.version != old.network.version
    assert len(new.network.trip_ids) == 2
    # A request still holding the old object keeps a complete, consistent network.
    assert len(old.network.trip_ids) == 1 and old.network.trip_ids[0] == "tiny:T0"
    check_network(old.network, old.streets)


async def test_failed_reload_keeps_the_old_network(two_versions: tuple[Path, Path, Path]) -> None:
    served, _, _ = two_versions
    reloader = Reloader(DirectorySource(served))
    await reloader.reload("startup")
    version = reloader.served.network.version

    (served / "network" / "meta.json").write_text("{ truncated")
    status = await reloader.reload("sighup")

    assert status.state == "failed" and status.failures == 1
    assert status.error is not None and "JSONDecodeError" in status.error
    assert reloader.served.network.version == version
    assert status.last_success_at is not None and status.to_json()["state"] == "failed"


async def test_inconsistent_arrays_are_refused(two_versions: tuple[Path, Path, Path]) -> None:
    served, _, _ = two_versions
    reloader = Reloader(DirectorySource(served))
    await reloader.reload("startup")
    ptr = served / "network" / "transfer_ptr.npy"
    np.save(ptr, np.load(ptr)[:-1])  # one stop short: the offsets no longer cover the stops

    status = await reloader.reload("admin")

    assert status.state == "failed"
    assert status.error is not None and "InvalidNetwork: transfer_ptr" in status.error


def test_integrity_check_names_the_problem(two_versions: tuple[Path, Path, Path]) -> None:
    served, _, _ = two_versions
    network, streets = load(served)
    check_network(network, streets)
    broken = dataclasses.replace(network, trip_route=np.asarray([5], dtype=np.int32))
    with pytest.raises(InvalidNetwork, match=r"trip_route holds indices outside \[0, 1\)"):
        check_network(broken, streets)


async def test_requests_during_a_reload_see_one_network_or_the_other(
    two_versions: tuple[Path, Path, Path],
) -> None:
    served, spare, _ = two_versions
    trips_of = {read_version(served): 1, read_version(spare): 2}
    reloader = Reloader(DirectorySource(served))
    await reloader.reload("startup")
    replace_folder(spare, served)
    seen: list[tuple[str, int]] = []

    async def reader() -> None:
        while reloader.busy or not seen:
            current = reloader.served
            seen.append((current.network.version, len(current.network.trip_ids)))
            await asyncio.sleep(0)

    task = asyncio.create_task(reader())
    await asyncio.sleep(0)
    assert (await reloader.reload("admin")).state == "ok"
    await task

    # Every observation is one whole network, never a mix; the old one served until the swap.
    assert all(trips_of.get(version) == trips for version, trips in seen)
    assert seen[0][1] == 1 and reloader.served.network.version == read_version(spare)


async def test_periodic_check_follows_the_folder(two_versions: tuple[Path, Path, Path]) -> None:
    served, spare, _ = two_versions
    reloader = Reloader(DirectorySource(served))
    await reloader.reload("startup")
    assert await reloader.check() is None  # first probe: same version as served
    assert await reloader.check() is None  # nothing changed

    replace_folder(spare, served)
    status = await reloader.check()

    assert status is not None and status.state == "ok" and status.trigger == "periodic"
    assert len(reloader.served.network.trip_ids) == 2


async def test_region_source_rebuilds_when_an_input_changes(tmp_path: Path) -> None:
    feed = tiny_feed(tmp_path / "feed")
    inputs = adhoc_inputs([("tiny", feed)], None, tmp_path / "cache" / "tiny")
    reloader = Reloader(RegionSource("tiny", inputs))
    assert (await reloader.reload("startup")).state == "ok"
    first = reloader.served.network.version
    assert await reloader.check() is None

    tiny_feed(tmp_path / "feed", departures=("07:00:00", "07:30:00", "08:00:00"))
    status = await reloader.check()

    assert status is not None and status.state == "ok"
    assert reloader.served.network.version != first
    assert len(reloader.served.network.trip_ids) == 3


async def test_region_source_with_a_corrupt_input_keeps_serving(tmp_path: Path) -> None:
    feed = tiny_feed(tmp_path / "feed")
    inputs = adhoc_inputs([("tiny", feed)], None, tmp_path / "cache" / "tiny")
    reloader = Reloader(RegionSource("tiny", inputs))
    await reloader.reload("startup")
    feed.write_bytes(b"not a zip file")

    status = await reloader.check()

    assert status is not None and status.state == "failed"
    assert status.error is not None and "nothing was built" in status.error
    assert len(reloader.served.network.trip_ids) == 1
    assert await reloader.check() is None  # not retried until the inputs change again


def test_pidfile_names_a_live_process(tmp_path: Path) -> None:
    pidfile = tmp_path / "serve-8080.pid"
    assert running_pid(pidfile) is None
    write_pidfile(pidfile)
    assert running_pid(pidfile) == os.getpid()
    pidfile.write_text(json.dumps(2**22 + 12345))  # beyond pid_max: no such process
    assert running_pid(pidfile) is None
