"""Commute legs disrupted by trip updates: their trip cancelled, skipping a stop, or late.

Service alerts say what an authority writes; a trip update says only that train 310 runs ten
minutes late. For the legs commutes ride (`CommuteLeg`: a trip between a boarding and an
alighting stop), this module turns the day's trip updates and the overlay's live times into
`ServiceAlert`s that go through the alert bus like any other, so the dispatcher, the event log
and the webhooks need nothing new. A leg is disrupted when its trip is cancelled (by a trip
update: a NO_SERVICE alert already reaches the commute itself), skips its boarding or
alighting stop, or leaves its boarding stop or reaches its alighting stop at least
`threshold_min` late.

One alert per disrupted leg and state, written for that leg (its stops and times), naming
its trip at its boarding and alighting stops (two informed entities). Its id comes from the
leg, the service day, the kind and, for a delay, the delay's level (`DELAY_LEVELS_MIN`): a
delay growing from 6 to 7 minutes keeps its id (no second message), one reaching 15 gets a
new one. Such an alert concerns only commutes riding exactly that leg (see
`alerts.commute.concerns`), never a line's or a stop's subscribers, so what a stop subscriber
hears does not depend on what others ride. Its entity id starts with `LEG_DISRUPTION_PREFIX`,
as manual alerts' start with ``manual-``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from alerts.matching import TripIndex, trip_index
from alerts.models import ActivePeriod, InformedEntity, ServiceAlert, TranslatedText, TripUpdate
from alerts.service_alerts import alert_id
from alerts.subscriptions import CommuteLeg
from routing.ids import SEPARATOR
from routing.network import Network
from routing.realtime import RealtimeOverlay

LEG_DISRUPTION_PREFIX = "trip-update:"
DEFAULT_THRESHOLD_MIN = 5
# A late leg is announced again only when its delay reaches the next level.
DELAY_LEVELS_MIN = (5, 10, 15, 20, 30, 45, 60, 90, 120)


class Disruption(StrEnum):
    """What happens to a leg, and the GTFS-RT effect its alert carries."""

    CANCELLED = "NO_SERVICE"
    SKIPPED = "MODIFIED_SERVICE"  # the trip runs, but not through the rider's stop
    DELAYED = "SIGNIFICANT_DELAYS"


def is_leg_disruption(alert: ServiceAlert) -> bool:
    """Whether `alert` was derived from trip updates for a commute leg (by this module)."""
    return alert.entity_id.startswith(LEG_DISRUPTION_PREFIX)


def delay_level_min(delay_s: int, threshold_min: int) -> int | None:
    """The level (minutes) a delay has reached: the threshold, then `DELAY_LEVELS_MIN` above it.

    None below the threshold.
    """
    if delay_s < threshold_min * 60:
        return None
    levels = (threshold_min, *(m for m in DELAY_LEVELS_MIN if m > threshold_min))
    return max(m for m in levels if m * 60 <= delay_s)


@dataclass(frozen=True, slots=True)
class _Ride:
    """A commute leg found on the network: its trip and the pattern positions it uses."""

    leg: CommuteLeg
    trip: int
    board: int
    alight: int
    slots: tuple[int, int]  # stop-time indices at `board` and `alight`


@dataclass(frozen=True, slots=True)
class _State:
    """What is wrong with a ride: the kind, and the positions skipped or the delay's level."""

    ride: _Ride
    kind: Disruption
    skipped: tuple[int, ...] = ()
    level_min: int | None = None

    def key(self) -> str:
        """The state as the alert's entity id ends: the kind and what sets its id apart."""
        detail = ""
        if self.skipped:
            detail = ":" + "+".join(
                "board" if p == self.ride.board else "alight" for p in self.skipped
            )
        elif self.level_min is not None:
            detail = f":{self.level_min}min"
        return self.kind.name.lower() + detail


def leg_disruptions(
    network: Network,
    overlay: RealtimeOverlay,
    trip_updates: Iterable[TripUpdate],
    legs: Iterable[CommuteLeg],
    *,
    threshold_min: int = DEFAULT_THRESHOLD_MIN,
) -> list[ServiceAlert]:
    """The alerts of the `legs` disrupted on the overlay's service day (one per leg at most).

    `trip_updates` are the snapshot's (those of other days are ignored); `overlay` gives the
    live times, with delays carried along each trip. Legs not found on `network` (planned on
    an older one) are skipped.
    """
    if overlay.network_version != network.version:
        return []
    index = trip_index(network)
    updates = {u.trip: u for u in trip_updates if u.day == overlay.day}
    found: dict[str, ServiceAlert] = {}
    for leg in legs:
        ride = _ride(network, index, leg)
        if ride is None or not index.is_active(ride.trip, overlay.day):
            continue
        alert = _disruption(network, index, overlay, updates.get(ride.trip), ride, threshold_min)
        if alert is not None:
            found.setdefault(alert.id, alert)
    return list(found.values())


def _ride(network: Network, index: TripIndex, leg: CommuteLeg) -> _Ride | None:
    if leg.trip_id is None or leg.from_stop is None or leg.to_stop is None:
        return None
    trip = network.find_trip(leg.trip_id)
    board_stop, alight_stop = network.find_stop(leg.from_stop), network.find_stop(leg.to_stop)
    if trip is None or board_stop is None or alight_stop is None:
        return None
    stops = index.pattern_stops_of(trip)
    if board_stop not in stops:
        return None
    board = stops.index(board_stop)
    if alight_stop not in stops[board + 1 :]:
        return None
    alight = stops.index(alight_stop, board + 1)
    first, last = index.trip_slots(trip, (board, alight))
    return _Ride(leg, trip, board, alight, (first, last))


def _disruption(
    network: Network,
    index: TripIndex,
    overlay: RealtimeOverlay,
    update: TripUpdate | None,
    ride: _Ride,
    threshold_min: int,
) -> ServiceAlert | None:
    if update is not None and update.cancelled:
        return _alert(network, index, overlay, _State(ride, Disruption.CANCELLED))
    skipped = {ride.board, ride.alight}.intersection(update.skipped_positions if update else ())
    if skipped:
        stops = tuple(p for p in (ride.board, ride.alight) if p in skipped)
        return _alert(network, index, overlay, _State(ride, Disruption.SKIPPED, skipped=stops))
    level = delay_level_min(_delay_s(network, overlay, ride), threshold_min)
    if level is None:
        return None
    return _alert(network, index, overlay, _State(ride, Disruption.DELAYED, level_min=level))


def _delay_s(network: Network, overlay: RealtimeOverlay, ride: _Ride) -> int:
    """The larger of the leg's lateness leaving its boarding stop and reaching its alighting one."""
    board, alight = ride.slots
    leaving = int(overlay.departure[board]) - int(network.departure[board])
    reaching = int(overlay.arrival[alight]) - int(network.arrival[alight])
    return max(leaving, reaching)


@dataclass(frozen=True, slots=True)
class _Times:
    """The leg's scheduled and live times as local ``HH:MM``, and its period (POSIX seconds)."""

    departure: str
    arrival: str
    live_departure: str
    live_arrival: str
    delay_min: int
    period: ActivePeriod


def _times(network: Network, index: TripIndex, overlay: RealtimeOverlay, ride: _Ride) -> _Times:
    origin = index.day_origin(overlay.day)
    board, alight = ride.slots
    departure, arrival = int(network.departure[board]), int(network.arrival[alight])
    live_departure, live_arrival = int(overlay.departure[board]), int(overlay.arrival[alight])

    def hhmm(seconds: int) -> str:
        return dt.datetime.fromtimestamp(origin + seconds, network.tz).strftime("%H:%M")

    return _Times(
        departure=hhmm(departure),
        arrival=hhmm(arrival),
        live_departure=hhmm(live_departure),
        live_arrival=hhmm(live_arrival),
        delay_min=_delay_s(network, overlay, ride) // 60,
        period=ActivePeriod(
            origin + min(departure, live_departure), origin + max(arrival, live_arrival)
        ),
    )


def _alert(
    network: Network, index: TripIndex, overlay: RealtimeOverlay, state: _State
) -> ServiceAlert:
    ride, kind = state.ride, state.kind
    leg = ride.leg
    assert leg.trip_id is not None and leg.from_stop is not None and leg.to_stop is not None
    date = network.first_date + dt.timedelta(days=overlay.day)
    entity_id = (
        f"{LEG_DISRUPTION_PREFIX}{leg.trip_id}:{date:%Y%m%d}:{leg.from_stop}>{leg.to_stop}:"
        f"{state.key()}"
    )
    feed_id = leg.trip_id.split(SEPARATOR, 1)[0]
    times = _times(network, index, overlay, ride)
    header, description = _texts(network, state, times)
    return ServiceAlert(
        # from the leg and its state only: the texts' exact minutes change within a level
        id=alert_id(feed_id, entity_id, ()),
        feed_id=feed_id,
        entity_id=entity_id,
        active_periods=(times.period,),
        informed_entities=(
            InformedEntity(trip_id=leg.trip_id, stop_id=leg.from_stop),
            InformedEntity(trip_id=leg.trip_id, stop_id=leg.to_stop),
        ),
        cause="UNKNOWN_CAUSE",
        effect=kind.value,
        header=header,
        description=description,
        url=TranslatedText(),
        severity="INFO" if kind is Disruption.DELAYED else "WARNING",
    )


def _texts(network: Network, state: _State, times: _Times) -> tuple[TranslatedText, TranslatedText]:
    """Header and description in French and English, naming the leg as riders know it."""
    ride, kind = state.ride, state.kind
    route = int(network.trip_route[ride.trip])
    line = network.route_short_names[route] or network.route_long_names[route]
    headsign = network.trip_headsigns[ride.trip]
    board = network.stop_names[network.get_stop(ride.leg.from_stop or "")]
    alight = network.stop_names[network.get_stop(ride.leg.to_stop or "")]
    t = times
    to_en, to_fr = (f" to {headsign}", f" vers {headsign}") if headsign else ("", "")
    train_en, train_fr = f"The {t.departure} {line}{to_en}", f"Le {line} de {t.departure}{to_fr}"
    planned_en = f"It was to leave {board} at {t.departure} and reach {alight} at {t.arrival}."
    planned_fr = f"Départ prévu de {board} à {t.departure}, arrivée à {alight} à {t.arrival}."
    if kind is Disruption.CANCELLED:
        header = (f"{train_fr} est supprimé", f"{train_en} is cancelled")
        description = (planned_fr, planned_en)
    elif kind is Disruption.SKIPPED:
        skipped = " / ".join(board if p == ride.board else alight for p in state.skipped)
        header = (
            f"{train_fr} ne s'arrête pas à {skipped}",
            f"{train_en} does not stop at {skipped}",
        )
        description = (planned_fr, planned_en)
    else:
        header = (
            f"{train_fr} a {t.delay_min} min de retard",
            f"{train_en} is {t.delay_min} min late",
        )
        description = (
            f"Départ de {board} à {t.live_departure} au lieu de {t.departure}, "
            f"arrivée à {alight} à {t.live_arrival} au lieu de {t.arrival}.",
            f"It leaves {board} at {t.live_departure} instead of {t.departure} "
            f"and reaches {alight} at {t.live_arrival} instead of {t.arrival}.",
        )
    return _fr_en(*header), _fr_en(*description)


def _fr_en(fr: str, en: str) -> TranslatedText:
    return TranslatedText((("fr", fr), ("en", en)))
