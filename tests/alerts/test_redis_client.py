"""Stopping tasks that may drop a cancellation (as redis-py's connect under 3.11 does)."""

from __future__ import annotations

import asyncio

from alerts.redis_client import cancel_and_wait


async def test_a_task_that_dropped_its_cancellation_is_cancelled_again() -> None:
    dropped = 0

    async def stubborn() -> None:
        nonlocal dropped
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if dropped:
                    raise
                dropped += 1  # what asyncio.wait_for does when its future completes meanwhile

    async def failing() -> None:
        raise ValueError("already failed")

    tasks = [asyncio.create_task(stubborn()), asyncio.create_task(failing())]
    await asyncio.sleep(0)
    async with asyncio.timeout(2):
        await cancel_and_wait(tasks, again_s=0.05)
    assert dropped == 1 and tasks[0].cancelled() and tasks[1].done()
