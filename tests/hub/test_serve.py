"""`hub serve` and `hub reload` as real processes talking over loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hub.conftest import build_tiny, tiny_feed


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: dict[str, Any] = json.loads(response.read())
        return body


def _wait_health(port: int, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"hub serve exited with {process.returncode}")
        try:
            return _get(f"http://127.0.0.1:{port}/health")
        except OSError:
            time.sleep(0.2)
    pytest.fail("hub serve did not answer within 60 s")


@pytest.fixture
def served(tmp_path: Path, closed_port: int) -> Iterator[tuple[int, Path, dict[str, str]]]:
    network = tmp_path / "net"
    build_tiny({"tiny": tiny_feed(tmp_path / "tiny")}, network)
    env = {
        **os.environ,
        "HUB_CACHE_DIR": str(tmp_path / "cache"),
        "HUB_PORT": str(closed_port),
        "HUB_RELOAD_CHECK_S": "0",
    }
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--network", str(network)],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        _wait_health(closed_port, process)
        yield closed_port, network, env
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert not (tmp_path / "cache" / f"serve-{closed_port}.pid").exists()


def test_hub_reload_signals_the_server(
    served: tuple[int, Path, dict[str, str]], tmp_path: Path
) -> None:
    port, network, env = served
    assert (tmp_path / "cache" / f"serve-{port}.pid").is_file()
    version = build_tiny({"tiny": tiny_feed(tmp_path / "v2", ("08:00:00", "09:00:00"))}, network)

    done = subprocess.run(
        [sys.executable, "-m", "hub", "reload"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["trigger"] == "sighup"
    health = _get(f"http://127.0.0.1:{port}/health")
    assert health["network"]["version"] == version and health["network"]["trips"] == 2


def test_hub_reload_reports_a_failure(
    served: tuple[int, Path, dict[str, str]], tmp_path: Path
) -> None:
    port, network, env = served
    (network / "network" / "meta.json").write_text("{}")
    before = _get(f"http://127.0.0.1:{port}/health")["network"]["version"]

    done = subprocess.run(
        [sys.executable, "-m", "hub", "reload"],
        env={**env, "HUB_CACHE_DIR": str(tmp_path / "elsewhere")},  # no pidfile: admin POST
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    status = json.loads(done.stdout)
    assert status["trigger"] == "admin" and status["state"] == "failed"
    health = _get(f"http://127.0.0.1:{port}/health")
    assert health["status"] == "degraded" and health["network"]["version"] == before


def test_workers_share_the_port_and_all_reload(tmp_path: Path, closed_port: int) -> None:
    network = tmp_path / "net"
    build_tiny({"tiny": tiny_feed(tmp_path / "tiny")}, network)
    env = {
        **os.environ,
        "HUB_CACHE_DIR": str(tmp_path / "cache"),
        "HUB_PORT": str(closed_port),
        "HUB_RELOAD_CHECK_S": "0",
        # Workers are refused without Redis; nothing here talks to it yet.
        "HUB_REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    # A file, not a pipe: the access log of many requests would fill a pipe nobody reads.
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--network", str(network), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        _wait_health(closed_port, process)
        pidfile = tmp_path / "cache" / f"serve-{closed_port}.pid"
        assert int(pidfile.read_text()) == process.pid
        version = build_tiny({"tiny": tiny_feed(tmp_path / "v2", ("07:00:00",) * 3)}, network)
        done = subprocess.run(
            [sys.executable, "-m", "hub", "reload"], env=env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        # Whichever worker answers serves the new network: each got the SIGHUP.
        streak, deadline = 0, time.monotonic() + 30
        while streak < 20 and time.monotonic() < deadline:
            health = _get(f"http://127.0.0.1:{closed_port}/health")
            streak = streak + 1 if health["network"]["version"] == version else 0
            time.sleep(0.02)
        assert streak == 20, log_path.read_text()[-2000:]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0, log_path.read_text()[-2000:]
    assert log_path.read_text().count("trigger=sighup") == 2
