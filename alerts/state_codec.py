"""Source states to bytes and back: what the elected ingest loop publishes to every worker.

The layout is a 4-byte big-endian length, a JSON header (one record per source, bodies by
length), then the raw bodies back to back: feed bodies are binary and may be megabytes, so
they are not base64-inflated into the JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alerts.fetch import Validators
from alerts.source_state import SourceState
from alerts.sources import RealtimeSource

_LENGTH = 4


class CodecError(ValueError):
    """Bytes that are not an encoded list of source states."""


def encode_states(states: Sequence[SourceState]) -> bytes:
    """The states, bodies included, as one byte string."""
    records = [_record(s) for s in states]
    head = json.dumps(records, separators=(",", ":")).encode()
    bodies = b"".join(s.body or b"" for s in states)
    return len(head).to_bytes(_LENGTH, "big") + head + bodies


def _record(state: SourceState) -> dict[str, Any]:
    source = state.source
    return {
        "feed_id": source.feed_id,
        "kind": source.kind,
        "url": source.url,
        "path": None if source.path is None else str(source.path),
        "body_len": None if state.body is None else len(state.body),
        "body_hash": state.body_hash,
        "header_timestamp": state.header_timestamp,
        "fetched_at": state.fetched_at,
        "etag": state.validators.etag,
        "last_modified": state.validators.last_modified,
        "last_attempt_at": state.last_attempt_at,
        "last_error": state.last_error,
        "last_error_at": state.last_error_at,
        "failures": state.failures,
        "polls": state.polls,
        "not_modified": state.not_modified,
    }


def decode_states(data: bytes) -> list[SourceState]:
    """The states written by `encode_states`.

    Raises:
        CodecError: when `data` is truncated or not such an encoding.
    """
    try:
        size = int.from_bytes(data[:_LENGTH], "big")
        records = json.loads(data[_LENGTH : _LENGTH + size])
        offset = _LENGTH + size
        states = []
        for record in records:
            length = record["body_len"]
            body = None if length is None else data[offset : offset + length]
            if body is not None and len(body) != length:
                raise CodecError("truncated body")
            offset += length or 0
            states.append(_state(record, body))
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as error:
        raise CodecError(f"not encoded source states: {error}") from error
    return states


def _state(record: dict[str, Any], body: bytes | None) -> SourceState:
    path = record["path"]
    source = RealtimeSource(
        record["feed_id"],
        record["kind"],
        url=record["url"],
        path=None if path is None else Path(path),
    )
    return SourceState(
        source=source,
        body=body,
        body_hash=record["body_hash"],
        header_timestamp=record["header_timestamp"],
        fetched_at=record["fetched_at"],
        validators=Validators(record["etag"], record["last_modified"]),
        last_attempt_at=record["last_attempt_at"],
        last_error=record["last_error"],
        last_error_at=record["last_error_at"],
        failures=record["failures"],
        polls=record["polls"],
        not_modified=record["not_modified"],
    )
