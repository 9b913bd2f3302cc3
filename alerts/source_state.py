"""What is known of one realtime source: its last good body and how its polls have gone."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

from alerts.fetch import Validators
from alerts.sources import RealtimeSource

BODY_HASH_HEX = 16


def body_hash(body: bytes) -> str:
    """A short content hash of a feed body (re-ingest only when it changes)."""
    return hashlib.sha256(body).hexdigest()[:BODY_HASH_HEX]


@dataclass(frozen=True, slots=True)
class SourceState:
    """The last good body of `source` (None before the first) and the outcome of recent polls.

    Times are POSIX seconds of the hub's clock (fixed when a capture is replayed):
    ``fetched_at`` is when the body was last obtained or confirmed unchanged (HTTP 304).
    ``failures`` counts consecutive failed polls and resets on success.
    """

    source: RealtimeSource
    body: bytes | None = None
    body_hash: str | None = None
    header_timestamp: int | None = None
    fetched_at: float | None = None
    validators: Validators = Validators()
    last_attempt_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    failures: int = 0
    polls: int = 0
    not_modified: int = 0

    def succeeded(
        self, now: float, body: bytes, header_timestamp: int | None, validators: Validators
    ) -> SourceState:
        """The state after a poll that gave a usable body."""
        return dataclasses.replace(
            self,
            body=body,
            body_hash=body_hash(body),
            header_timestamp=header_timestamp,
            fetched_at=now,
            validators=validators,
            last_attempt_at=now,
            failures=0,
            polls=self.polls + 1,
        )

    def unchanged(self, now: float) -> SourceState:
        """The state after a 304 Not Modified: the body is still current."""
        return dataclasses.replace(
            self,
            fetched_at=now,
            last_attempt_at=now,
            failures=0,
            polls=self.polls + 1,
            not_modified=self.not_modified + 1,
        )

    def failed(self, now: float, error: str) -> SourceState:
        """The state after a failed poll: the previous body stays."""
        return dataclasses.replace(
            self,
            last_attempt_at=now,
            last_error=error,
            last_error_at=now,
            failures=self.failures + 1,
            polls=self.polls + 1,
        )

    def age_s(self, now: float) -> float | None:
        """Seconds since the data was produced (header time, else fetch time); None if none."""
        if self.body is None:
            return None
        produced = self.header_timestamp if self.header_timestamp is not None else self.fetched_at
        return None if produced is None else max(0.0, now - produced)

    def fresh(self, now: float, max_age_s: float) -> bool:
        """Whether the body exists and is younger than `max_age_s`."""
        age = self.age_s(now)
        return age is not None and age <= max_age_s
