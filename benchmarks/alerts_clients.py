"""The receiving side of `benchmarks/alerts.py`'s delivery test, each in a process of its own.

SSE streams are read raw: an asyncio protocol keeps every chunk with its arrival time and
only counts the events, the parsing waits for the end, so a client busy with one stream adds
no lag to the arrival times of the others (an aiohttp client parsing as it reads, on the same
core as the hub, measured itself as much as the hub). Webhooks are received by an aiohttp
server in another process. Each process counts what it received in a shared integer that the
benchmark polls, and sends the arrival times back through a pipe when told to stop.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import socket
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Protocol

from aiohttp import web

MARK = b"\nevent: alert\n"
Arrival = tuple[str, float]  # alert id, POSIX seconds of its last byte


class Counter(Protocol):
    """A shared ``multiprocessing`` integer."""

    value: int


class RawStream(asyncio.Protocol):
    """One SSE stream: the GET written, each chunk kept with its arrival time."""

    def __init__(self, request: bytes, counter: Counter) -> None:
        self.request = request
        self.counter = counter
        self.chunks: list[tuple[float, bytes]] = []
        self.opened = asyncio.get_running_loop().create_future()
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Send the request."""
        assert isinstance(transport, asyncio.Transport)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        """Keep the chunk and its arrival time; count the events it completes."""
        self.chunks.append((time.time(), data))
        joined = self._tail + data  # a mark cut across two reads is counted once
        self.counter.value += joined.count(MARK)
        self._tail = joined[-len(MARK) + 1 :]
        if not self.opened.done() and b": subscribed" in b"".join(c for _, c in self.chunks):
            self.opened.set_result(True)

    def connection_lost(self, exc: Exception | None) -> None:
        """A stream refused or closed before it opened did not open."""
        if not self.opened.done():
            self.opened.set_result(False)


def stream_request(port: int, path: str) -> bytes:
    """The raw HTTP/1.1 GET of an event stream."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: text/event-stream\r\nConnection: keep-alive\r\n\r\n"
    ).encode()


def dechunk(raw: bytes, start: int) -> tuple[bytes, list[int], list[int]]:
    """The body of a chunked response from `start`, and its chunks' body and raw end offsets."""
    parts: list[bytes] = []
    body_ends: list[int] = []
    raw_ends: list[int] = []
    size_total, pos = 0, start
    while (line_end := raw.find(b"\r\n", pos)) != -1:
        size = int(raw[pos:line_end].split(b";")[0], 16)
        begin = line_end + 2
        if size == 0 or begin + size > len(raw):
            break
        parts.append(raw[begin : begin + size])
        size_total += size
        body_ends.append(size_total)
        raw_ends.append(begin + size)
        pos = begin + size + 2
    return b"".join(parts), body_ends, raw_ends


def stream_arrivals(chunks: Sequence[tuple[float, bytes]]) -> list[Arrival]:
    """Each alert event of a raw stream with the arrival time of its last byte."""
    raw = b"".join(c for _, c in chunks)
    received: list[float] = []
    ends: list[int] = []
    for when, chunk in chunks:
        received.append(when)
        ends.append((ends[-1] if ends else 0) + len(chunk))
    head = raw.find(b"\r\n\r\n")
    if head < 0 or b" 200 " not in raw[: raw.find(b"\r\n")]:
        return []
    body, body_ends, raw_ends = dechunk(raw, head + 4)
    found: list[Arrival] = []
    pos = 0
    while (end := body.find(b"\n\n", pos)) != -1:
        frame, pos = body[pos:end], end + 2
        if MARK[1:] not in frame + b"\n":
            continue
        data = next(line[6:] for line in frame.split(b"\n") if line.startswith(b"data: "))
        k = bisect.bisect_left(body_ends, end + 2)  # the chunk holding the frame's last byte
        raw_end = raw_ends[k] - (body_ends[k] - (end + 2))
        found.append((json.loads(data)["alert"]["id"], received[bisect.bisect_left(ends, raw_end)]))
    return found


async def _read_streams(
    targets: Sequence[tuple[int, str]], counter: Counter, control: Connection
) -> list[Arrival]:
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(50)  # past the server's accept backlog, SYNs would be retried

    async def open_one(port: int, path: str) -> RawStream:
        async with limit:
            stream = RawStream(stream_request(port, path), counter)
            await loop.create_connection(lambda: stream, "127.0.0.1", port)
            await stream.opened
            return stream

    streams = await asyncio.gather(*(open_one(port, path) for port, path in targets))
    control.send(("open", sum(1 for s in streams if s.opened.result())))
    stop = asyncio.Event()
    loop.add_reader(control.fileno(), stop.set)
    await stop.wait()
    control.recv()
    return [arrival for s in streams for arrival in stream_arrivals(s.chunks)]


def read_streams(targets: Sequence[tuple[int, str]], counter: Counter, control: Connection) -> None:
    """Process: open the event streams, count the events until told to stop, send arrivals."""
    control.send(asyncio.run(_read_streams(targets, counter, control)))


async def _receive_webhooks(counter: Counter, control: Connection) -> list[tuple[str, Arrival]]:
    received: list[tuple[float, str, bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        received.append((time.time(), request.headers.get("webhook-id", ""), body))
        counter.value += 1
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook/{n}", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    await web.TCPSite(runner, "127.0.0.1", port).start()
    control.send(("port", port))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_reader(control.fileno(), stop.set)
    await stop.wait()
    control.recv()
    await runner.cleanup()
    return [(hook_id, (json.loads(body)["alert"]["id"], t)) for t, hook_id, body in received]


def receive_webhooks(counter: Counter, control: Connection) -> None:
    """Process: serve webhook receivers, count deliveries until told to stop, send arrivals."""
    control.send(asyncio.run(_receive_webhooks(counter, control)))
