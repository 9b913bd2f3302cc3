"""Webhooks in the Standard Webhooks format: signed POSTs to subscriber URLs that are safe to call.

Headers: ``webhook-id`` (stable across retries, for the receiver to dedupe),
``webhook-timestamp`` (POSIX seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`` keyed with the base64-decoded part of the ``whsec_`` secret. URLs whose
host resolves to a loopback, private, link-local or otherwise non-public address are refused
(server-side request forgery), at subscription time and again at each delivery, since DNS
answers can change.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

SECRET_PREFIX = "whsec_"
DEFAULT_TIMEOUT_S = 10.0


class UnsafeUrl(ValueError):
    """A webhook URL the hub will not call."""


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256 of id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address.

    Raises:
        UnsafeUrl: saying why.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("the webhook URL must be http(s) with a host")
    if parts.username or parts.password:
        raise UnsafeUrl("the webhook URL must not carry credentials")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise UnsafeUrl(f"the webhook host does not resolve: {error}") from error
    for info in infos:
        address = str(info[4][0])
        if not _public(address):
            raise UnsafeUrl(f"the webhook host resolves to a non-public address ({address})")


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """One attempt: delivered (2xx), or the status / error that failed it."""

    delivered: bool
    status: int | None = None
    error: str | None = None


async def post_webhook(
    session: aiohttp.ClientSession,
    url: str,
    secret: str,
    message_id: str,
    body: bytes,
    *,
    timestamp: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> WebhookResult:
    """POST one signed delivery; never raises for a failing receiver."""
    try:
        async with asyncio.timeout(timeout_s):
            async with session.post(
                url,
                data=body,
                headers=headers(secret, message_id, timestamp, body),
                allow_redirects=False,
            ) as response:
                await response.read()
                return WebhookResult(200 <= response.status < 300, response.status)
    except TimeoutError:
        return WebhookResult(False, error="timeout")
    except aiohttp.ClientError as error:
        return WebhookResult(False, error=f"{type(error).__name__}: {error}")
