"""Polling realtime sources: HTTP URLs (conditional, bounded) and local captures replayed.

A poll that fails for any reason leaves the previous body in place and records the error;
the next poll waits with capped exponential backoff and jitter, which a success resets.
A body is only accepted if it parses as a FeedMessage, so garbage never replaces good data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as rt

from alerts.backoff import Backoff
from alerts.fetch import FetchError, FetchLimits, Validators, fetch_feed
from alerts.source_state import SourceState
from alerts.sources import RealtimeSource

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_S = 30.0
OnState = Callable[[SourceState], Awaitable[None]]


def header_timestamp(body: bytes) -> int | None:
    """The header timestamp of a FeedMessage (None when absent).

    Raises:
        FetchError: ``unparseable`` when the body is not a FeedMessage.
    """
    message = rt.FeedMessage()
    try:
        message.ParseFromString(body)
    except DecodeError as error:
        raise FetchError("unparseable", "not a GTFS-Realtime FeedMessage") from error
    if not message.HasField("header") or not message.header.HasField("timestamp"):
        return None
    return int(message.header.timestamp)


def _read_file(path: Path, max_bytes: int) -> tuple[bytes, str]:
    stat = path.stat()
    if stat.st_size > max_bytes:
        raise FetchError("too_large", f"{path} is {stat.st_size} B")
    return path.read_bytes(), f"{stat.st_mtime_ns}:{stat.st_size}"


@dataclass(slots=True)
class SourcePoller:
    """Polls one source; `state` is replaced (never mutated) after each poll."""

    source: RealtimeSource
    now: Callable[[], float]
    limits: FetchLimits = FetchLimits()
    interval_s: float = DEFAULT_INTERVAL_S
    backoff: Backoff = field(init=False)
    state: SourceState = field(init=False)

    def __post_init__(self) -> None:
        self.state = SourceState(self.source)
        self.backoff = Backoff(base_s=max(1.0, self.interval_s), cap_s=max(300.0, self.interval_s))

    async def poll(self, session: aiohttp.ClientSession | None) -> SourceState:
        """Poll once (bounded by the deadline) and return the new state."""
        try:
            async with asyncio.timeout(self.limits.deadline_s):
                self.state = await self._poll(session)
        except FetchError as error:
            self.state = self.state.failed(self.now(), str(error))
        except TimeoutError:
            timeout = FetchError("timeout", f"no answer within {self.limits.deadline_s:g} s")
            self.state = self.state.failed(self.now(), str(timeout))
        except OSError as error:
            self.state = self.state.failed(self.now(), f"io: {error}")
        return self.state

    async def _poll(self, session: aiohttp.ClientSession | None) -> SourceState:
        source = self.source
        if source.path is not None:
            body, version = await asyncio.to_thread(_read_file, source.path, self.limits.max_bytes)
            if version == self.state.validators.etag and self.state.body is not None:
                return self.state.unchanged(self.now())
            validators = Validators(etag=version)
        else:
            assert source.url is not None and session is not None
            fetched = await fetch_feed(session, source.url, self.state.validators, self.limits)
            if fetched.body is None:
                if self.state.body is None:
                    raise FetchError("http_status", "304 Not Modified before any body")
                return self.state.unchanged(self.now())
            body, validators = fetched.body, fetched.validators
        stamp = await asyncio.to_thread(header_timestamp, body)
        return self.state.succeeded(self.now(), body, stamp, validators)

    def next_delay(self) -> float:
        """The wait before the next poll: the interval, or the backoff after a failure."""
        if self.state.failures == 0:
            self.backoff.reset()
            return self.interval_s
        return self.backoff.next_delay()

    async def run(
        self, session: aiohttp.ClientSession | None, on_state: OnState, *, poll_first: bool = True
    ) -> None:
        """Poll until cancelled, handing each new state to `on_state` (`poll_first`: at once)."""
        if not poll_first:
            await asyncio.sleep(self.next_delay())
        while True:
            state = await self.poll(session)
            if state.last_error and state.last_error_at == state.last_attempt_at:
                log.warning("realtime poll failed", extra={"source": self.source.key})
            try:
                await on_state(state)
            except Exception:  # a failing consumer must not stop the polling
                log.exception("realtime state handler failed")
            await asyncio.sleep(self.next_delay())
