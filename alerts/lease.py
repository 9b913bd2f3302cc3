"""A Redis lease electing one holder among processes (SET NX PX, renewed, released by its owner).

Only the owner may renew or release (compared in a Lua script, atomically), so a process that
stalled past its lease cannot take it back from the one elected after it.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from redis.asyncio import Redis

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Lease:
    """The lease `key` held for `ttl_s` at a time by `owner` (a fresh random id by default)."""

    def __init__(self, redis: Redis, key: str, ttl_s: float, owner: str | None = None) -> None:
        self.redis = redis
        self.key = key
        self.ttl_ms = max(1, int(ttl_s * 1000))
        self.owner = owner or uuid.uuid4().hex
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def acquire(self) -> bool:
        """Take the lease if nobody holds it; True when it is now ours."""
        taken = await cast(Any, self.redis.set(self.key, self.owner, nx=True, px=self.ttl_ms))
        return bool(taken)

    async def renew(self) -> bool:
        """Extend our lease; False when it is no longer ours (expired and taken, or lost)."""
        return bool(await self._renew(keys=[self.key], args=[self.owner, self.ttl_ms]))

    async def release(self) -> None:
        """Give the lease up if it is still ours."""
        await self._release(keys=[self.key], args=[self.owner])

    async def holder(self) -> str | None:
        """The current holder's id, or None."""
        value = await cast(Any, self.redis.get(self.key))
        return None if value is None else value.decode() if isinstance(value, bytes) else str(value)
