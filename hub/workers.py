"""`hub serve --workers N`: worker processes sharing one port, one parent owning builds.

Each worker serves the saved network folder and reloads it when it changes on disk. The
parent rebuilds the region when its inputs change (periodically and on SIGHUP, which it then
forwards to the workers), so that the workers never build the same folder concurrently.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path

from hub import logging as hub_logging
from hub.networks import ensure_built, region_inputs
from hub.regions import load_region
from hub.reload import remove_pidfile, write_pidfile
from hub.settings import Settings

log = logging.getLogger("hub.workers")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
POLL_S = 1.0


def serve_workers(settings: Settings, count: int) -> int:
    """Start `count` workers on the same port and supervise them until SIGINT/SIGTERM.

    Returns 0 after a requested stop, 1 when a worker died on its own.
    """
    directory = settings.network_dir or settings.region_cache_dir(settings.region)
    context = multiprocessing.get_context("spawn")
    payload = settings.model_dump_json()
    workers = [
        context.Process(target=worker_main, args=(payload, str(directory)), name=f"hub-{i}")
        for i in range(count)
    ]
    for worker in workers:
        worker.start()
    # Block the signals only now: spawned children must not inherit a blocked SIGHUP.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS | {signal.SIGHUP})
    write_pidfile(settings.pidfile())
    try:
        return _supervise(settings, workers)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker in workers:
            worker.join(timeout=10)
        remove_pidfile(settings.pidfile())


def _supervise(settings: Settings, workers: Sequence[BaseProcess]) -> int:
    next_check = time.monotonic() + settings.reload_check_s
    while True:
        received = signal.sigtimedwait(STOP_SIGNALS | {signal.SIGHUP}, POLL_S)
        if received is not None and received.si_signo in STOP_SIGNALS:
            return 0
        if received is not None:
            _rebuild(settings)
            for worker in workers:
                if worker.pid is not None:
                    os.kill(worker.pid, signal.SIGHUP)
        elif settings.reload_check_s > 0 and time.monotonic() >= next_check:
            next_check = time.monotonic() + settings.reload_check_s
            _rebuild(settings)
        if any(not worker.is_alive() for worker in workers):
            log.error("a worker stopped; stopping the others")
            return 1


def _rebuild(settings: Settings) -> None:
    """Rebuild the region when its inputs changed (workers then see the new folder)."""
    if settings.network_dir is not None:
        return
    try:
        region = load_region(settings.region, settings.regions_dir, settings.data_dir)
        region.require_inputs()
        ensure_built(region_inputs(region, settings.cache_dir), lambda line: log.info(line))
    except Exception:  # the workers keep serving the previous network
        log.exception("rebuild failed")


def worker_main(settings_json: str, directory: str) -> None:
    """Entry point of one worker process: serve `directory`, sharing the port."""
    from aiohttp import web

    from hub.app import create_app
    from hub.reload import DirectorySource

    settings = Settings(**json.loads(settings_json))
    hub_logging.configure(settings.log_format, settings.log_level)
    app = create_app(
        settings,
        source=DirectorySource(Path(directory)),
        handle_signals=True,
        freeze_gc=settings.gc_freeze,
    )
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        reuse_port=True,
        print=None,
    )
