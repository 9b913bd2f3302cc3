from __future__ import annotations

import io
import json
import logging

import pytest

from hub import logging as hub_logging


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


def _emit(stream: io.StringIO, fmt: hub_logging.LogFormat) -> str:
    hub_logging.configure(fmt, "INFO", stream)
    logger = logging.getLogger("hub.test")
    logger.info("network loaded", extra={"version": "abc", "trigger": "sighup now"})
    logger.debug("not shown at INFO")
    return stream.getvalue()


def test_json_lines_carry_the_extra_fields(stream: io.StringIO) -> None:
    (line,) = _emit(stream, "json").splitlines()
    record = json.loads(line)
    assert record["event"] == "network loaded" and record["level"] == "info"
    assert record["logger"] == "hub.test"
    assert (record["version"], record["trigger"]) == ("abc", "sighup now")
    assert record["ts"].endswith("+00:00")


def test_key_value_lines_quote_values_with_spaces(stream: io.StringIO) -> None:
    (line,) = _emit(stream, "kv").splitlines()
    assert 'event="network loaded"' in line
    assert "version=abc" in line and 'trigger="sighup now"' in line
    assert line.startswith("ts=") and " level=info " in line


def test_configure_twice_keeps_one_handler(stream: io.StringIO) -> None:
    hub_logging.configure("kv", "INFO", stream)
    hub_logging.configure("kv", "INFO", stream)
    logging.getLogger("hub.test").warning("once")
    assert stream.getvalue().count("event=once") == 1


def test_exceptions_are_one_field(stream: io.StringIO) -> None:
    hub_logging.configure("json", "INFO", stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("hub.test").exception("failed")
    record = json.loads(stream.getvalue())
    assert "ValueError: boom" in record["error"]
