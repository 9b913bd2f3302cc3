"""The serving heap: collections timed by generation, long-lived objects frozen, a replaced
network released all the same."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.api.metrics import METRICS
from hub.app import create_app
from hub.heap import GcPauses, freeze_long_lived
from hub.reload import DirectorySource
from hub.state import STATE
from tests.hub.test_realtime import bay_settings

Client = Callable[..., Awaitable[TestClient[Any, Any]]]


class Node:
    """A weakly referable object holding `payload`, that may point at another."""

    def __init__(self, payload: object = None) -> None:
        self.payload = payload
        self.other: Node | None = None


@pytest.fixture
def thawed() -> Iterator[None]:
    """Unfreeze whatever the test froze (the whole test session's objects)."""
    yield
    gc.unfreeze()


def test_pauses_are_timed_by_generation_while_installed() -> None:
    pauses = GcPauses(window=4)
    gc.disable()  # only the collections asked for here
    pauses.install()
    try:
        gc.collect(0)
        gc.collect(2)
        gc.collect(2)
    finally:
        pauses.remove()
        gc.enable()
    gc.collect(1)  # not timed any more
    assert pauses.counts == [1, 0, 2]
    assert pauses.recent(2).size == 2 and (pauses.recent(2) > 0).all()
    assert pauses.sums[2] == pytest.approx(pauses.recent(2).sum())
    text = "\n".join(pauses.render())
    assert 'hub_gc_pause_seconds{generation="2",quantile="1"} ' in text
    assert 'hub_gc_pause_seconds_count{generation="2"} 2' in text
    assert 'generation="1"' not in text


def test_the_window_keeps_the_last_pauses() -> None:
    pauses = GcPauses(window=3)
    pauses.install()
    try:
        for _ in range(5):
            gc.collect(2)
    finally:
        pauses.remove()
    assert pauses.counts[2] >= 5 and pauses.recent(2).size == 3


@pytest.mark.usefixtures("thawed")
def test_a_frozen_object_goes_with_its_last_reference_a_frozen_cycle_at_the_next_freeze() -> None:
    single, pair = Node(), Node()
    pair.other = Node()
    pair.other.other = pair  # a cycle: only the collector frees it
    gone_single, gone_pair = weakref.ref(single), weakref.ref(pair)
    freeze_long_lived()
    assert gc.get_freeze_count() > 0
    del single, pair
    assert gone_single() is None  # reference counting ignores the freeze
    gc.collect()
    assert gone_pair() is not None  # the collector skips what is frozen
    freeze_long_lived()
    assert gone_pair() is None


@pytest.mark.usefixtures("thawed")
async def test_a_reload_with_the_heap_frozen_releases_the_old_network(
    aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path
) -> None:
    app = create_app(bay_settings(tmp_path), source=DirectorySource(bay_area_dir), freeze_gc=True)
    client = await aiohttp_client(app)
    assert gc.get_freeze_count() > 0  # frozen once started
    pauses = app[METRICS].gc_pauses
    gc.collect(0)
    assert pauses.counts[0] >= 1  # timed from then on, and shown
    assert (
        'hub_gc_pause_seconds_count{generation="0"}' in await (await client.get("/metrics")).text()
    )
    reloader = app[STATE].reloader
    old = weakref.ref(reloader.served.network)
    # as if the network were part of a cycle when frozen (it is not: see the next test)
    cycle = Node(reloader.served.network)
    cycle.other = cycle
    gc.disable()  # only the freezes collect from here on
    try:
        freeze_long_lived()
        del cycle
        body = await (await client.post("/admin/reload")).json()
        assert body["reload"]["state"] == "ok" and reloader.served.network is not old()
        assert old() is None  # only the collection after the swap could free the cycle
    finally:
        gc.enable()


@pytest.mark.usefixtures("thawed")
async def test_the_old_network_goes_with_its_last_reference_frozen_or_not(
    aiohttp_client: Client, bay_area_dir: Path, tmp_path: Path
) -> None:
    """A request in flight at the swap keeps the old network through the freeze after it;
    it then goes when the request ends, without the collector: it holds no cycle."""
    app = create_app(bay_settings(tmp_path), source=DirectorySource(bay_area_dir), freeze_gc=True)
    client = await aiohttp_client(app)
    in_flight = app[STATE].reloader.served
    old = weakref.ref(in_flight.network)
    gc.disable()
    try:
        assert (await (await client.post("/admin/reload")).json())["reload"]["state"] == "ok"
        assert old() is not None
        del in_flight
        assert old() is None
    finally:
        gc.enable()
