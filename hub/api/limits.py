"""Rate limits per API key or client IP (429), and a deadline on every request (503).

A token bucket per client: `api_rate_per_min` tokens a minute, `api_rate_burst` at most.
The client is its ``X-API-Key`` header when it sends one of the configured keys
(``HUB_API_KEYS``), else its IP address: an unknown key would otherwise buy a fresh bucket.
Buckets live in memory, or in Redis when ``HUB_REDIS_URL`` is set (one Lua script, atomic,
on Redis's own clock), so that several workers share them; if Redis cannot be reached the
request is let through (a limiter must not take the API down) and the failure is logged.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from hub.api.metrics import METRICS
from hub.problems import Handler, problem

log = logging.getLogger("hub.api")
API_KEY_HEADER = "X-API-Key"
MAX_KEY_LENGTH = 128
MAX_BUCKETS = 100_000
REDIS_TIMEOUT_S = 0.25

_TOKEN_BUCKET = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1e6
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or burst
local at = tonumber(saved[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may go on, what is left, and when to retry if not."""

    allowed: bool
    remaining: int
    retry_after_s: int


class RateLimiter(Protocol):
    """Takes one token from a client's bucket."""

    async def take(self, client: str) -> Decision:
        """Spend one request of `client`."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, slots=True)
class Rate:
    """A bucket's refill rate (tokens a second) and size."""

    per_s: float
    burst: int

    def decide(self, tokens: float, allowed: bool) -> Decision:
        """The decision given the tokens left after the request."""
        wait = 0 if allowed else math.ceil((1 - tokens) / self.per_s)
        return Decision(allowed, max(0, int(tokens)), max(1, wait) if not allowed else 0)


class MemoryRateLimiter:
    """Buckets in this process (one worker)."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, client: str) -> Decision:
        """Spend one request of `client`."""
        now = time.monotonic()
        tokens, at = self._buckets.get(client, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - at) * self.rate.per_s)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        if len(self._buckets) >= MAX_BUCKETS and client not in self._buckets:
            self._forget_full(now)
        self._buckets[client] = (tokens, now)
        return self.rate.decide(tokens, allowed)

    def _forget_full(self, now: float) -> None:
        # A bucket refilled to the brim holds nothing worth keeping.
        refill_s = self.rate.burst / self.rate.per_s
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill_s}

    async def close(self) -> None:
        """Nothing to release."""


class RedisRateLimiter:
    """Buckets in Redis, shared by every worker; fails open when Redis is unreachable."""

    def __init__(self, rate: Rate, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self.rate = rate
        self.prefix = f"{prefix}ratelimit:"
        self._redis: Any = aioredis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self._script: Any = self._redis.register_script(_TOKEN_BUCKET)
        self._warned_at = -math.inf

    async def take(self, client: str) -> Decision:
        """Spend one request of `client` (allowed when Redis fails)."""
        try:
            allowed, tokens = await self._script(
                keys=[self.prefix + client], args=[self.rate.per_s, self.rate.burst]
            )
        except Exception as error:  # noqa: BLE001 - any Redis failure: let the request through
            now = time.monotonic()
            if now - self._warned_at > 60:
                self._warned_at = now
                log.warning(
                    "rate limiter: Redis unavailable, not limiting", extra={"error": str(error)}
                )
            return Decision(True, self.rate.burst, 0)
        return self.rate.decide(float(tokens), bool(int(allowed)))

    async def close(self) -> None:
        """Close the Redis connections."""
        await self._redis.aclose()


LIMITER = web.AppKey("hub_rate_limiter", RateLimiter)
DEADLINE_S = web.AppKey("hub_deadline_s", float)
API_KEYS = web.AppKey("hub_api_keys", frozenset)


def client_of(request: web.Request) -> str:
    """The bucket a request spends from: its API key when it is a configured one, else its IP."""
    key = request.headers.get(API_KEY_HEADER, "").strip()
    if key and key in request.app.get(API_KEYS, frozenset()):
        return "key:" + key[:MAX_KEY_LENGTH]
    return "ip:" + (request.remote or "unknown")


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse `/api/` requests beyond the client's rate with 429 and ``Retry-After``."""
    limiter = request.app.get(LIMITER)
    if limiter is None or not request.path.startswith("/api/") or request.method == "OPTIONS":
        return await handler(request)
    decision = await limiter.take(client_of(request))
    if not decision.allowed:
        request.app[METRICS].limited.inc()
        refused = problem(429, f"rate limit exceeded; retry in {decision.retry_after_s} s")
        refused.headers["Retry-After"] = str(decision.retry_after_s)
        return refused
    response = await handler(request)
    if not response.prepared:
        response.headers["X-RateLimit-Remaining"] = str(decision.remaining)
    return response


@web.middleware
async def deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 503 when a request takes longer than its application's deadline.

    The application is the one serving the route (a sub-application such as the event
    streams' sets none): while middlewares run, ``request.app`` is still the main one.
    """
    deadline_s = (request.match_info.apps or (request.app,))[-1].get(DEADLINE_S)
    if deadline_s is None:
        return await handler(request)
    try:
        async with asyncio.timeout(deadline_s):
            return await handler(request)
    except TimeoutError:
        request.app[METRICS].shed.inc(("deadline",))
        response = problem(503, f"the request took longer than the {deadline_s:g} s deadline")
        response.headers["Retry-After"] = "1"
        return response
