"""One ingest loop among the hub's processes: elected by a Redis lease, followed by the others.

The elected process polls the sources and writes their states to ``<prefix>realtime:states``
with a version counter; every process checks the counter each tick and adopts newer states.
The lease is renewed at a third of its time; a leader that cannot renew (Redis away) keeps
polling until its lease would have run out, then steps down, so two leaders never poll long
at once and a leader cut off from Redis does not stop the realtime of its own process early.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, cast

from redis.asyncio import Redis

from alerts.lease import Lease
from alerts.redis_client import RETRYABLE, cancel_and_wait
from alerts.source_state import SourceState
from alerts.state_codec import CodecError, decode_states, encode_states

if TYPE_CHECKING:
    from hub.realtime_service import RealtimeService

log = logging.getLogger("hub.realtime")
LEASE_S = 10.0


class Election:
    """The lease loop and the shared source states of one process."""

    def __init__(
        self, service: RealtimeService, redis: Redis, prefix: str, lease_s: float = LEASE_S
    ) -> None:
        self.service = service
        self.redis = redis
        self.lease = Lease(redis, f"{prefix}realtime:leader", lease_s, owner=service.worker_id)
        self.lease_s = lease_s
        self.states_key = f"{prefix}realtime:states"
        self.version_key = f"{prefix}realtime:version"
        self.leading = False
        self._seen_version: int | None = None
        self._polling: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Try for the lease, poll while holding it, step down when it is lost."""
        loop = asyncio.get_running_loop()
        held_until = 0.0
        while True:
            try:
                won = await (self.lease.renew() if self.leading else self.lease.acquire())
            except RETRYABLE as error:
                log.warning("realtime lease unreachable (%s)", error)
                won = self.leading and loop.time() < held_until
            else:
                held_until = loop.time() + self.lease_s if won else held_until
            if won and not self.leading:
                self._lead()
            elif not won and self.leading:
                await self._step_down()
            await asyncio.sleep(self.lease_s / 3)

    def _lead(self) -> None:
        log.info("realtime: this process polls the sources", extra={"worker": self.lease.owner})
        self.leading = True
        self.service.forget_published()
        self._polling = asyncio.get_running_loop().create_task(self.service.poll_sources())

    async def _step_down(self) -> None:
        log.info("realtime: lease lost, following", extra={"worker": self.lease.owner})
        self.leading = False
        if self._polling is not None:
            await cancel_and_wait([self._polling])
            self._polling = None

    async def resign(self) -> None:
        """Stop polling and free the lease for another process."""
        was_leading = self.leading
        await self._step_down()
        if was_leading:
            with contextlib.suppress(*RETRYABLE):
                await self.lease.release()

    async def publish_states(self, states: list[SourceState]) -> None:
        """Write the states for the followers (a failure is retried with the next poll)."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(self.states_key, encode_states(states))
                pipe.incr(self.version_key)
                _, version = await pipe.execute()
            self._seen_version = int(version)
        except RETRYABLE as error:
            log.warning("realtime states not shared (%s)", error)

    async def follow(self) -> None:
        """Adopt the states the elected process published, when newer than ours."""
        if self.leading:
            return
        try:
            version = await cast(Any, self.redis.get(self.version_key))
            if version is None or int(version) == self._seen_version:
                return
            data = await cast(Any, self.redis.get(self.states_key))
        except RETRYABLE as error:
            log.warning("realtime states unavailable (%s)", error)
            return
        if data is None:
            return
        try:
            states = decode_states(data)
        except CodecError as error:
            log.error("realtime states unreadable (%s)", error)
            return
        self._seen_version = int(version)
        self.service.adopt_states(states)
