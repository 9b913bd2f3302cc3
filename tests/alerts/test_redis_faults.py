"""RedisBus against a Redis that is really killed and restarted (its own server, on a free port)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from alerts.bus import Message
from alerts.redis_bus import RedisBus

pytestmark = pytest.mark.redis

TOPIC, GROUP = "alerts", "deliver"
N_MESSAGES = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server subprocess that can be killed (SIGKILL) and started again on its port."""

    port: int
    args: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", *self.args]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        client.close()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def volatile_redis() -> Iterator[RedisServer]:
    server = RedisServer(free_port(), ["--save", "", "--appendonly", "no", "--daemonize", "no"])
    server.start()
    yield server
    if server.process is not None:
        server.kill()


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    args = ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path)]
    server = RedisServer(free_port(), [*args, "--daemonize", "no"])
    server.start()
    yield server
    if server.process is not None:
        server.kill()


@dataclass
class Run:
    """What a publisher and a consumer saw while Redis went down and came back."""

    published_at: dict[str, float] = field(default_factory=dict)  # message id -> publish returned
    received: Counter[str] = field(default_factory=Counter)
    restarted_at: float = 0.0


async def consume_forever(bus: RedisBus, run: Run, stop: asyncio.Event) -> None:
    while not stop.is_set():
        deliveries = await bus.consume(TOPIC, GROUP, "worker", block_s=0.2)
        for delivery in deliveries:
            run.received[delivery.message.id] += 1
        await bus.ack(TOPIC, GROUP, [d.entry_id for d in deliveries])


async def publish_all(bus: RedisBus, run: Run) -> None:
    loop = asyncio.get_running_loop()
    for i in range(N_MESSAGES):
        message_id = f"alert-{i}"
        await bus.publish(TOPIC, Message(f"alert {i}".encode(), id=message_id))
        run.published_at[message_id] = loop.time()
        await asyncio.sleep(0.005)


async def kill_and_restart(server: RedisServer, run: Run) -> None:
    # kill mid-stream, leave it down a while, bring it back on the same port
    while len(run.published_at) < N_MESSAGES // 3:
        await asyncio.sleep(0.005)
    server.kill()
    await asyncio.sleep(0.5)
    await asyncio.to_thread(server.start)
    run.restarted_at = asyncio.get_running_loop().time()


async def outage(server: RedisServer, *, expect_all: bool) -> tuple[Run, RedisBus]:
    run = Run()
    publisher = RedisBus(server.url, prefix="fault:", deadline_s=20)
    consumer = RedisBus(server.url, prefix="fault:", deadline_s=20)
    await consumer.subscribe(TOPIC, GROUP)
    stop = asyncio.Event()
    consuming = asyncio.create_task(consume_forever(consumer, run, stop))
    await asyncio.gather(publish_all(publisher, run), kill_and_restart(server, run))
    wanted = {m for m, at in run.published_at.items() if expect_all or at > run.restarted_at}
    deadline = time.monotonic() + 10
    while not wanted <= set(run.received) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await consuming
    await publisher.close()
    await consumer.close()
    return run, consumer


async def test_consumer_reconnects_by_itself_after_a_restart(volatile_redis: RedisServer) -> None:
    run, consumer = await outage(volatile_redis, expect_all=False)
    after_restart = {m for m, at in run.published_at.items() if at > run.restarted_at}
    assert len(after_restart) > N_MESSAGES // 3
    missing = after_restart - set(run.received)
    assert missing == set()
    assert consumer.connection_failures > 0
    # everything received was published (duplicates, if any, carry a published id)
    assert set(run.received) <= set(run.published_at)


async def test_durable_redis_loses_nothing(durable_redis: RedisServer) -> None:
    run, consumer = await outage(durable_redis, expect_all=True)
    missing = set(run.published_at) - set(run.received)
    assert len(run.published_at) == N_MESSAGES and missing == set()
    assert consumer.connection_failures > 0
    duplicates = {m: n for m, n in run.received.items() if n > 1}
    assert set(duplicates) <= set(run.published_at)
