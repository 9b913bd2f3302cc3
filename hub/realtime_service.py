"""The hub's realtime runtime: sources polled, snapshots swapped, alerts fanned out to subscribers.

Without Redis the process polls its sources itself and keeps everything in memory. With
Redis, processes elect one ingest loop with a lease (`alerts.lease`); the elected one polls
and publishes the source states (`alerts.state_codec`), and every process, the elected one
included, rebuilds its snapshot from them on its own served network, so all answer alike
and the authorities' servers are polled once. A process that loses Redis keeps serving the
last snapshot it built (its age shows in `/health`, and it turns stale past the limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Coroutine
from typing import Any

import aiohttp

from alerts.bus import Bus
from alerts.delivery import WebhookSender
from alerts.dispatch import ALERTS_TOPIC, UNIQUE_S, Dispatcher, alert_message
from alerts.event_log import EventLog, MemoryEventLog
from alerts.fetch import FetchLimits
from alerts.manual_store import ManualStore, MemoryManualStore, RedisManualStore
from alerts.memory_bus import MemoryBus
from alerts.models import ServiceAlert
from alerts.poller import SourcePoller
from alerts.redis_bus import RedisBus
from alerts.redis_client import cancel_and_wait, connect
from alerts.redis_event_log import RedisEventLog
from alerts.snapshot import EMPTY_SNAPSHOT, RealtimeSnapshot, SnapshotBuilder
from alerts.source_state import SourceState
from alerts.subscription_store import (
    MemorySubscriptionStore,
    RedisSubscriptionStore,
    SubscriptionStore,
)
from alerts.subscriptions import Subscription
from hub.clock import Clock
from hub.realtime_commutes import CommutePlanner
from hub.realtime_election import Election
from hub.realtime_sources import realtime_sources
from hub.regions import Region
from hub.reload import Reloader
from hub.settings import Settings

log = logging.getLogger("hub.realtime")
TICK_S = 0.5
JANITOR_S = 60.0


class RealtimeService:
    """Holds the current `RealtimeSnapshot` and runs the loops that keep it and deliver alerts."""

    def __init__(
        self, settings: Settings, region: Region | None, clock: Clock, reloader: Reloader
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.reloader = reloader
        self.worker_id = uuid.uuid4().hex[:12]
        self.sources = realtime_sources(region, replay=clock.fixed)
        self.states: dict[str, SourceState] = {s.key: SourceState(s) for s in self.sources}
        self.snapshot: RealtimeSnapshot = EMPTY_SNAPSHOT
        self.builder = SnapshotBuilder(max_age_s=settings.realtime_max_age_s)
        self.bus: Bus = MemoryBus()
        self.manual_store: ManualStore = MemoryManualStore()
        self.subscriptions: SubscriptionStore = MemorySubscriptionStore()
        self.events: EventLog = MemoryEventLog()
        self.election: Election | None = None
        self.commutes = CommutePlanner(self)
        self._manual: list[ServiceAlert] = []
        self._manual_version = -1
        self._built_key: object = None
        self._published: set[str] = set()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._session: aiohttp.ClientSession | None = None
        self._closers: list[Coroutine[Any, Any, None]] = []

    @property
    def redis_url(self) -> str | None:
        """The Redis URL when the hub shares its state through Redis."""
        return self.settings.redis_url

    def now(self) -> float:
        """POSIX seconds of the hub's clock (fixed when replaying captures)."""
        return self.clock.now().timestamp()

    @property
    def leading(self) -> bool:
        """Whether this process polls the sources (always, without Redis)."""
        return self.election is None or self.election.leading

    async def start(self) -> None:
        """Open the stores and start the loops (the network is loaded by then)."""
        self._session = aiohttp.ClientSession()
        if self.redis_url is not None:
            self._open_redis(self.redis_url)
        await self.refresh(force=True)
        self._spawn(self._refresh_loop(), "refresh")
        self._spawn(self._dispatcher().run(), "dispatch")
        sender = WebhookSender(
            self.bus,
            self._session,
            time.time,
            self.worker_id,
            allow_private=self.settings.webhook_allow_private,
        )
        self._spawn(sender.run(), "webhooks")
        self._spawn(self._janitor(), "janitor")
        if self.election is None:
            ready = asyncio.Event()
            self._spawn(self.poll_sources(ready), "poll")
            # serve the first snapshot at once (a capture is read in no time; a URL within
            # its deadline)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.realtime_deadline_s + 1):
                    await ready.wait()
            await self.refresh()
        else:
            self._spawn(self.election.run(), "election")

    def _open_redis(self, url: str) -> None:
        prefix = self.settings.redis_prefix
        redis = connect(url)
        self.bus = RedisBus(url, prefix=prefix)
        self.manual_store = RedisManualStore(redis, prefix)
        self.subscriptions = RedisSubscriptionStore(redis, prefix)
        events = RedisEventLog(redis, prefix)
        self.events = events
        self.election = Election(self, redis, prefix)
        self._closers += [events.close(), redis.aclose()]

    def _dispatcher(self) -> Dispatcher:
        return Dispatcher(
            self.bus,
            self.subscriptions,
            self.events,
            self.now,
            self.worker_id,
            alternative=self.commutes.alternative,
            tz=lambda: self.reloader.served.network.tz,
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(coroutine, name=name))

    async def stop(self) -> None:
        """Stop the loops and close the stores."""
        await cancel_and_wait(self._tasks)
        if self.election is not None:
            await self.election.resign()
        for closer in self._closers:
            with contextlib.suppress(Exception):
                await closer
        await self.bus.close()
        if self._session is not None:
            await self._session.close()

    async def poll_sources(self, ready: asyncio.Event | None = None) -> None:
        """Poll every source until cancelled (the elected process, or the only one).

        Every source is polled once first, together; then `ready` is set and each goes on
        at its own pace.
        """
        limits = FetchLimits(
            deadline_s=self.settings.realtime_deadline_s,
            connect_s=min(3.0, self.settings.realtime_deadline_s),
            max_bytes=int(self.settings.realtime_max_mb * 1024 * 1024),
        )
        pollers = [
            SourcePoller(s, self.now, limits, interval_s=self.settings.realtime_poll_s)
            for s in self.sources
        ]
        for state in await asyncio.gather(*(p.poll(self._session) for p in pollers)):
            self.states[state.source.key] = state
        if self.election is not None:
            await self.election.publish_states(list(self.states.values()))
        self._dirty.set()
        if ready is not None:
            ready.set()
        async with asyncio.TaskGroup() as group:
            for poller in pollers:
                group.create_task(poller.run(self._session, self._on_state, poll_first=False))

    async def _on_state(self, state: SourceState) -> None:
        self.states[state.source.key] = state
        if self.election is not None:
            await self.election.publish_states(list(self.states.values()))
        self._dirty.set()

    def adopt_states(self, states: list[SourceState]) -> None:
        """Take the states published by the elected process (followers)."""
        self.states = {s.source.key: s for s in states}
        self._dirty.set()

    def changed(self) -> None:
        """Something the snapshot is built from changed: rebuild soon."""
        self._dirty.set()

    async def _refresh_loop(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation
            # that comes as the event is set, and `stop` would wait for this loop forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_S):
                    await self._dirty.wait()
            self._dirty.clear()
            try:
                await self.refresh()
            except Exception:  # a failing store must not stop the refreshes
                log.exception("realtime refresh failed")

    async def refresh(self, *, force: bool = False) -> None:
        """Rebuild the snapshot when its inputs changed; publish the new alerts."""
        if self.election is not None:
            await self.election.follow()
        await self._load_manual()
        served = self.reloader.served
        now = self.now()
        states = list(self.states.values())
        fresh = tuple(
            (s.source.key, s.body_hash) for s in states if s.fresh(now, self.builder.max_age_s)
        )
        key = (served.network.version, fresh, self._manual_version, tuple(states))
        if not force and key == self._built_key:
            return
        previous = self.snapshot.network_version
        self.snapshot = await asyncio.to_thread(
            self.builder.build, served.network, states, self._manual, now
        )
        self._built_key = key
        if previous is not None and previous != served.network.version and self.leading:
            self.commutes.replan_soon()
        if self.leading:
            await self._publish_alerts()

    async def _load_manual(self) -> None:
        try:
            version = await self.manual_store.version()
            if version != self._manual_version:
                self._manual = await self.manual_store.list_alerts()
                self._manual_version = version
        except Exception as error:  # Redis away: keep the manual alerts known so far
            log.warning("manual alerts unavailable (%s)", error)

    async def _publish_alerts(self) -> None:
        """Put alerts this process has not published yet on the bus (ids are stable).

        Those of the snapshot, and those of the commute legs its trip updates disrupt.
        """
        try:
            alerts = list(self.snapshot.alerts)
            if self.snapshot.overlay is not None:
                subscriptions = await self.subscriptions.list_active(self.now())
                alerts += await self.commutes.disruptions(subscriptions)
            fresh = [alert for alert in alerts if alert.id not in self._published]
            if fresh:
                await self._publish(fresh)
        except Exception as error:
            log.warning("alerts not published yet (%s)", error)

    async def publish_alert(self, alert: ServiceAlert) -> None:
        """Publish one alert now (a manual one just posted)."""
        await self._publish([alert])

    async def _publish(self, alerts: list[ServiceAlert]) -> None:
        """Publish, each once in the bus's window: another process may have published it."""
        messages = [alert_message(alert) for alert in alerts]
        await self.bus.publish_many(ALERTS_TOPIC, messages, unique_s=UNIQUE_S)
        self._published.update(alert.id for alert in alerts)

    def forget_published(self) -> None:
        """Publish the whole active set again after winning an election.

        Those the previous process did publish are dropped by the bus's window, and
        subscribers dedupe what passes it.
        """
        self._published.clear()
        self._dirty.set()

    async def welcome(self, subscription: Subscription) -> None:
        """Send a new subscription the active alerts that concern it already.

        Those of the snapshot, and those of its commute's legs disrupted already.
        """
        dispatcher = self._dispatcher()
        try:
            alerts = [*self.snapshot.alerts, *await self.commutes.disruptions([subscription])]
            for alert in alerts:
                await dispatcher.handle(alert, only=[subscription])
        except Exception as error:  # the alert reaches it with the next publication
            log.warning("welcome of %s failed (%s)", subscription.id, error)

    async def _janitor(self) -> None:
        """Delete expired subscriptions and their logs (a commute's places with them)."""
        while True:
            await asyncio.sleep(JANITOR_S)
            if not self.leading:
                continue
            try:
                for subscription_id in await self.subscriptions.purge_expired(self.now()):
                    await self.events.delete(subscription_id)
            except Exception as error:
                log.warning("subscription purge failed (%s)", error)
