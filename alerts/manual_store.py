"""Where manual alerts live until deleted: in memory, or in a Redis hash shared by workers.

``version`` changes on every write, so workers notice a change with one cheap read.
"""

from __future__ import annotations

import json
from typing import Any, Protocol, cast

from redis.asyncio import Redis

from alerts.alert_codec import alert_from_dict, alert_to_dict
from alerts.models import ServiceAlert


class ManualStore(Protocol):
    """The manual alerts of the hub."""

    async def put(self, alert: ServiceAlert) -> None:
        """Add (or replace) an alert."""
        ...

    async def delete(self, alert_id: str) -> ServiceAlert | None:
        """Remove an alert; the removed one, or None when there was none."""
        ...

    async def list_alerts(self) -> list[ServiceAlert]:
        """Every manual alert."""
        ...

    async def version(self) -> int:
        """A counter bumped by every change."""
        ...


class MemoryManualStore:
    """Manual alerts of a single process."""

    def __init__(self) -> None:
        self._alerts: dict[str, ServiceAlert] = {}
        self._version = 0

    async def put(self, alert: ServiceAlert) -> None:
        """Add (or replace) an alert."""
        self._alerts[alert.id] = alert
        self._version += 1

    async def delete(self, alert_id: str) -> ServiceAlert | None:
        """Remove an alert."""
        removed = self._alerts.pop(alert_id, None)
        self._version += removed is not None
        return removed

    async def list_alerts(self) -> list[ServiceAlert]:
        """Every manual alert."""
        return list(self._alerts.values())

    async def version(self) -> int:
        """The change counter."""
        return self._version


class RedisManualStore:
    """Manual alerts in the hash ``<prefix>manual`` (field: alert id, value: its JSON)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key = f"{prefix}manual"
        self.version_key = f"{prefix}manual:version"

    async def put(self, alert: ServiceAlert) -> None:
        """HSET the alert and bump the version, in one transaction."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, alert.id, json.dumps(alert_to_dict(alert)))
            pipe.incr(self.version_key)
            await pipe.execute()

    async def delete(self, alert_id: str) -> ServiceAlert | None:
        """HDEL the alert (bumping the version) and return what it was."""
        raw = await cast(Any, self.redis.hget(self.key, alert_id))
        if raw is None:
            return None
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key, alert_id)
            pipe.incr(self.version_key)
            removed, _ = await pipe.execute()
        return alert_from_dict(json.loads(raw)) if removed else None

    async def list_alerts(self) -> list[ServiceAlert]:
        """HGETALL, decoded."""
        raw = await cast(Any, self.redis.hgetall(self.key))
        return [alert_from_dict(json.loads(value)) for value in raw.values()]

    async def version(self) -> int:
        """The version counter (0 before any write)."""
        return int(await cast(Any, self.redis.get(self.version_key)) or 0)
