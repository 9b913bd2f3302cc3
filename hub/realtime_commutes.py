"""Commutes on the served network: usual itineraries, disrupted legs, alternatives, re-plans."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from alerts.commute import (
    agencies_of_routes,
    alternative,
    commute_legs,
    commute_query,
    next_occurrence,
    watch_of,
)
from alerts.leg_disruptions import leg_disruptions
from alerts.models import ServiceAlert
from alerts.subscriptions import Commute, CommuteLeg, Subscription, Watch
from routing.network import Network
from routing.plan import Plan
from routing.planner import plan
from routing.query import Query
from routing.realtime import RealtimeOverlay

if TYPE_CHECKING:
    from hub.realtime_service import RealtimeService

log = logging.getLogger("hub.realtime")
USUAL_ITINERARIES = 3


class CommutePlanner:
    """Plans commutes for subscriptions on whatever network is served at the time."""

    def __init__(self, service: RealtimeService) -> None:
        self.service = service
        self._replan: asyncio.Task[int] | None = None

    def _planner(self, query: Query, overlay: RealtimeOverlay | None) -> Plan:
        served = self.service.reloader.served
        return plan(served.network, served.streets, overlay, query)

    def usual(self, commute: Commute) -> tuple[list[CommuteLeg], Watch, str]:
        """The commute's usual legs and watch on the served network, and that network's version.

        Planned on the timetable (no realtime): the usual itineraries, not today's detours.
        """
        served = self.service.reloader.served
        network = served.network
        day = next_occurrence(commute, self.service.clock.now(), network.tz)
        found = self._planner(commute_query(commute, day, network.tz), None)
        transit = [it for it in found.itineraries if any(leg.transit for leg in it.legs)]
        kept = transit[:USUAL_ITINERARIES]
        return commute_legs(kept), watch_of(network, kept), network.version

    async def alternative(self, subscription: Subscription, alert: ServiceAlert) -> Any:
        """An itinerary (as JSON) for the commute's next occurrence avoiding the alert."""
        commute = subscription.spec.commute
        if commute is None:
            return None
        served = self.service.reloader.served
        overlay = self.service.snapshot.overlay
        if overlay is not None and overlay.network_version != served.network.version:
            overlay = None
        found = await asyncio.to_thread(
            alternative,
            self._planner,
            served.network,
            commute,
            alert,
            now=self.service.clock.now(),
            base=overlay,
        )
        return None if found is None else found.model_dump(mode="json", by_alias=True)

    async def disruptions(self, subscriptions: Sequence[Subscription]) -> list[ServiceAlert]:
        """Alerts for the commute legs of `subscriptions` that the snapshot's trip updates disrupt.

        Only commutes next made on the snapshot's service day are looked at (a delay today
        does not concern tomorrow's commute); none when the snapshot has no overlay of the
        served network.
        """
        snapshot = self.service.snapshot
        network = self.service.reloader.served.network
        overlay = snapshot.overlay
        if overlay is None or overlay.network_version != network.version:
            return []
        now = self.service.clock.now()
        legs = [
            leg
            for subscription in subscriptions
            if subscription.spec.commute is not None
            and network.day_index(next_occurrence(subscription.spec.commute, now, network.tz))
            == overlay.day
            for leg in subscription.commute_legs
        ]
        if not legs:
            return []
        return await asyncio.to_thread(
            leg_disruptions,
            network,
            overlay,
            snapshot.trip_updates,
            legs,
            threshold_min=self.service.settings.commute_delay_min,
        )

    def replan_soon(self) -> None:
        """Plan every commute again on the network just loaded (in the background)."""
        if self._replan is None or self._replan.done():
            self._replan = asyncio.get_running_loop().create_task(self.replan_all())

    async def replan_all(self) -> int:
        """Re-plan the commutes planned on another network version; how many were."""
        service = self.service
        version = service.reloader.served.network.version
        count = 0
        for subscription in await service.subscriptions.list_active(service.now()):
            commute = subscription.spec.commute
            if commute is None or subscription.network_version == version:
                continue
            legs, watch, planned_on = await asyncio.to_thread(self.usual, commute)
            spec = subscription.spec
            watch = spec_watch(service.reloader.served.network, spec.lines, spec.stops, watch)
            await service.subscriptions.put(
                subscription.model_copy(
                    update={"commute_legs": legs, "watch": watch, "network_version": planned_on}
                )
            )
            count += 1
        log.info("commutes re-planned", extra={"count": count, "version": version})
        return count


def spec_watch(
    network: Network, lines: list[str], stops: list[str], base: Watch | None = None
) -> Watch:
    """What a subscription watches: lines with their agencies, stops with their station.

    A stop brings its station and platforms; `base` is what its commute rides.
    """
    stop_ids = set(stops)
    for stop_id in stops:
        stop = network.find_stop(stop_id)
        if stop is None:
            continue
        parent = int(network.stop_parent[stop])
        if parent >= 0:
            stop_ids.add(network.stop_ids[parent])
        stop_ids.update(network.stop_ids[c] for c in np.flatnonzero(network.stop_parent == stop))
    base = base or Watch()
    return Watch(
        routes=base.routes | frozenset(lines),
        stops=base.stops | frozenset(stop_ids),
        trips=base.trips,
        agencies=base.agencies | agencies_of_routes(network, lines),
    )
