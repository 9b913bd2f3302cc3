"""Structured logs: one event per line, as key=value pairs or JSON objects."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, Literal, TextIO

LogFormat = Literal["kv", "json"]

# Attributes every LogRecord has; anything else was passed through `extra=` and is a field.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of a record: time, level, logger, event, then the extras."""
    out: dict[str, Any] = {
        "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _RECORD_ATTRS and not key.startswith("_"):
            out[key] = value
    if record.exc_info:
        out["error"] = logging.Formatter().formatException(record.exc_info)
    return out


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        return json.dumps(fields_of(record), default=str, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """Formats a record as `key=value` pairs, quoting values that hold spaces."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a logfmt line."""
        return " ".join(f"{k}={_quote(v)}" for k, v in fields_of(record).items())


def _quote(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


def configure(fmt: LogFormat = "kv", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send the `hub` and `aiohttp` logs to `stream` (stderr) in the chosen format.

    Idempotent: calling it again replaces the handler it installed before.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.set_name("hub-structured")
    for name in ("hub", "aiohttp"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "hub-structured"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
