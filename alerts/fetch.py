"""One bounded HTTP GET of a realtime feed: conditional, under a total deadline, size-capped.

Every way a server can misbehave (hang, trickle, redirect loop, HTML error page, a body larger
than the cap) ends within the deadline as a `FetchError` whose ``kind`` says which; nothing
else escapes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

DEFAULT_DEADLINE_S = 10.0
DEFAULT_CONNECT_S = 3.0
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A poll that gave no usable body; ``kind`` is a short stable word for `/health`."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server sent to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class Fetched:
    """A poll's answer: the body, or None when the server said 304 Not Modified."""

    body: bytes | None
    validators: Validators


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds of one poll."""

    deadline_s: float = DEFAULT_DEADLINE_S
    connect_s: float = DEFAULT_CONNECT_S
    max_bytes: int = DEFAULT_MAX_BYTES


async def fetch_feed(
    session: aiohttp.ClientSession,
    url: str,
    validators: Validators = Validators(),
    limits: FetchLimits = FetchLimits(),
) -> Fetched:
    """GET `url` conditionally, within `limits.deadline_s` overall.

    Raises:
        FetchError: ``timeout``, ``connection``, ``http_status``, ``html`` (an error page
            served as 200), ``too_large`` or ``empty``.
    """
    timeout = aiohttp.ClientTimeout(
        total=limits.deadline_s, connect=limits.connect_s, sock_connect=limits.connect_s
    )
    try:
        async with asyncio.timeout(limits.deadline_s):
            return await _get(session, url, validators, limits, timeout)
    except TimeoutError as error:
        raise FetchError("timeout", f"no complete answer within {limits.deadline_s:g} s") from error
    except aiohttp.ClientError as error:
        raise FetchError("connection", f"{type(error).__name__}: {error}") from error


async def _get(
    session: aiohttp.ClientSession,
    url: str,
    validators: Validators,
    limits: FetchLimits,
    timeout: aiohttp.ClientTimeout,
) -> Fetched:
    async with session.get(
        url, headers=validators.headers(), timeout=timeout, max_redirects=5
    ) as response:
        if response.status == 304:
            return Fetched(None, validators)
        if response.status != 200:
            raise FetchError("http_status", f"HTTP {response.status} {response.reason or ''}")
        if response.content_length is not None and response.content_length > limits.max_bytes:
            raise FetchError("too_large", f"Content-Length {response.content_length} B")
        if response.content_type == "text/html":
            raise FetchError("html", "an HTML page instead of a GTFS-Realtime feed")
        body = await _read_capped(response, limits.max_bytes)
        fresh = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        return Fetched(body, fresh)


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"body over {max_bytes} B")
        parts.append(chunk)
    body = b"".join(parts)
    if not body:
        raise FetchError("empty", "an empty body")
    if body[:1] == b"<" or body.lstrip()[:5].lower() in (b"<!doc", b"<html"):
        # no FeedMessage starts with '<' (field 7, wire type 4 does not exist): a page served
        # with the wrong content type
        raise FetchError("html", "markup instead of a GTFS-Realtime feed")
    return body
