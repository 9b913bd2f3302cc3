"""Where subscriptions are kept: in memory (one process) or in a Redis hash (shared, durable).

Expired subscriptions are never returned; `purge_expired` deletes them for good (a commute's
places with them).
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from redis.asyncio import Redis

from alerts.subscriptions import Subscription


class SubscriptionStore(Protocol):
    """The hub's subscriptions."""

    async def put(self, subscription: Subscription) -> None:
        """Create or replace a subscription."""
        ...

    async def get(self, subscription_id: str, now: float) -> Subscription | None:
        """The subscription if it exists and has not expired."""
        ...

    async def delete(self, subscription_id: str) -> bool:
        """Delete it (and everything it holds); False when there was none."""
        ...

    async def list_active(self, now: float) -> list[Subscription]:
        """Every subscription not expired at `now`."""
        ...

    async def purge_expired(self, now: float) -> list[str]:
        """Delete the subscriptions expired at `now`; their ids."""
        ...


class MemorySubscriptionStore:
    """Subscriptions of a single process (lost on restart)."""

    def __init__(self) -> None:
        self._items: dict[str, Subscription] = {}

    async def put(self, subscription: Subscription) -> None:
        """Create or replace."""
        self._items[subscription.id] = subscription

    async def get(self, subscription_id: str, now: float) -> Subscription | None:
        """The live subscription, or None."""
        found = self._items.get(subscription_id)
        return None if found is None or found.expired(now) else found

    async def delete(self, subscription_id: str) -> bool:
        """Delete it."""
        return self._items.pop(subscription_id, None) is not None

    async def list_active(self, now: float) -> list[Subscription]:
        """The live subscriptions."""
        return [s for s in self._items.values() if not s.expired(now)]

    async def purge_expired(self, now: float) -> list[str]:
        """Delete the expired ones."""
        gone = [i for i, s in self._items.items() if s.expired(now)]
        for subscription_id in gone:
            del self._items[subscription_id]
        return gone


class RedisSubscriptionStore:
    """Subscriptions in the hash ``<prefix>subs``; parsed ones cached until the version moves."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key = f"{prefix}subs"
        self.version_key = f"{prefix}subs:version"
        self._cache: tuple[int, list[Subscription]] | None = None

    async def put(self, subscription: Subscription) -> None:
        """HSET and bump the version, in one transaction."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, subscription.id, subscription.model_dump_json())
            pipe.incr(self.version_key)
            await pipe.execute()

    async def get(self, subscription_id: str, now: float) -> Subscription | None:
        """HGET, parsed; None when missing or expired."""
        raw = await cast(Any, self.redis.hget(self.key, subscription_id))
        if raw is None:
            return None
        found = Subscription.model_validate_json(raw)
        return None if found.expired(now) else found

    async def delete(self, subscription_id: str) -> bool:
        """HDEL and bump the version."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key, subscription_id)
            pipe.incr(self.version_key)
            removed, _ = await pipe.execute()
        return bool(removed)

    async def list_active(self, now: float) -> list[Subscription]:
        """Every live subscription (parsed again only after a change)."""
        return [s for s in await self._all() if not s.expired(now)]

    async def _all(self) -> list[Subscription]:
        version = int(await cast(Any, self.redis.get(self.version_key)) or 0)
        if self._cache is not None and self._cache[0] == version:
            return self._cache[1]
        raw = await cast(Any, self.redis.hgetall(self.key))
        parsed = [Subscription.model_validate_json(value) for value in raw.values()]
        self._cache = (version, parsed)
        return parsed

    async def purge_expired(self, now: float) -> list[str]:
        """HDEL the expired ones."""
        gone = [s.id for s in await self._all() if s.expired(now)]
        for subscription_id in gone:
            await self.delete(subscription_id)
        return gone
