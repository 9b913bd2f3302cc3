"""The router's thread pool behind a bounded queue: shed load with 503 rather than queue forever.

Planning runs in worker threads (the numba kernels release the GIL), so the event loop keeps
answering `/health` and the other endpoints while plans are computed. At most `capacity`
plans are running or waiting; one more is refused at once with a `Retry-After` estimated
from the recent planning time. A request whose deadline passes gets a 503 too; its plan
still occupies its thread until done, and counts against the capacity until then, so a
slow query cannot make the pool accept unbounded work.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from aiohttp import web

T = TypeVar("T")
EWMA_WEIGHT = 0.1


class Overloaded(Exception):
    """The pool cannot take the request; retry after `retry_after_s` seconds."""

    def __init__(self, reason: str, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.retry_after_s = retry_after_s


class RoutingPool:
    """Threads running plans, with a bounded number of plans in flight."""

    def __init__(self, threads: int, capacity: int) -> None:
        self.threads = threads
        self.capacity = capacity
        self.depth = 0
        self.mean_s = 0.01
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="router")
        return self._executor

    @property
    def full(self) -> bool:
        """True when one more plan would exceed the capacity."""
        return self.depth >= self.capacity

    def overloaded(self) -> Overloaded:
        """The refusal of a plan while the pool is full."""
        return Overloaded(
            "queue_full",
            f"the router is busy ({self.depth} plans in flight); retry shortly",
            self.retry_after_s(),
        )

    def retry_after_s(self) -> int:
        """Seconds until the plans in flight should be done (at least 1)."""
        return max(1, math.ceil(self.depth * self.mean_s / self.threads))

    async def run(self, job: Callable[[], T], timeout_s: float) -> tuple[T, float]:
        """Run `job` in a router thread; its result and the seconds it took there.

        Raises:
            Overloaded: when `capacity` jobs are in flight, or after `timeout_s`.
        """
        if self.full:
            raise self.overloaded()
        self.depth += 1
        future = asyncio.get_running_loop().run_in_executor(self._pool(), _timed, job)
        future.add_done_callback(self._done)
        try:
            result, elapsed = await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            raise Overloaded(
                "deadline",
                f"planning took longer than the {timeout_s:g} s deadline",
                self.retry_after_s(),
            ) from None
        self.mean_s += EWMA_WEIGHT * (elapsed - self.mean_s)
        return result, elapsed

    def _done(self, _: object) -> None:
        # Called on the event loop once the thread is done, even after a deadline passed.
        self.depth -= 1

    def close(self) -> None:
        """Stop the threads (running plans finish; waiting ones are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


POOL = web.AppKey("hub_routing_pool", RoutingPool)


def _timed(job: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = job()
    return result, time.perf_counter() - started
