"""A `Plan` as text for a terminal: one block per itinerary, one line per leg."""

from __future__ import annotations

import datetime as dt

from routing.plan import Itinerary, Leg, Plan

REASONS = {
    "outside_network": "an end is too far from any stop, and too far to walk or ride directly",
    "no_service_that_day": "no trip runs on that day in this network",
    "nothing_within_limits": "nothing found within the walking, time and transfer limits",
    "same_origin_destination": "the origin and the destination are the same place",
}


def format_plan(plan: Plan) -> str:
    """Human-readable text of a plan (times local, as the network's timezone gives them)."""
    lines: list[str] = []
    if not plan.itineraries:
        reason = plan.no_result_reason or "nothing_within_limits"
        lines.append(f"No itinerary: {REASONS.get(reason, reason)} ({reason}).")
    for number, itinerary in enumerate(plan.itineraries, start=1):
        lines.extend(_itinerary(number, itinerary))
    lines.extend(f"note: {note}" for note in plan.notes)
    return "\n".join(lines)


def _itinerary(number: int, it: Itinerary) -> list[str]:
    tags = f"  [{', '.join(it.tags)}]" if it.tags else ""
    transfers = "1 transfer" if it.transfers == 1 else f"{it.transfers} transfers"
    effort = f"walk {it.walk_distance_m:.0f} m"
    if it.bike_distance_m:
        effort += f", bike {it.bike_distance_m:.0f} m"
    head = (
        f"{number}. {_hm(it.departure)} -> {_hm(it.arrival)}  {_minutes(it.duration_s)}, "
        f"{transfers}, {effort}, {it.co2_g:.0f} g CO2e{tags}"
    )
    return [head, *(f"   {_leg(leg)}" for leg in it.legs), *(f"   ({n})" for n in it.notes)]


def _leg(leg: Leg) -> str:
    if not leg.transit:
        how = "crow-fly " if leg.crow_fly else ""
        return (
            f"{_hm(leg.departure)}  {leg.mode} {how}{leg.distance_m:.0f} m "
            f"({_minutes(leg.duration_s)}) to {_place(leg.to.name, leg.to.id)}"
        )
    route = leg.route
    line = (route.short_name or route.long_name or route.route_id) if route else "?"
    towards = f" towards {leg.headsign}" if leg.headsign else ""
    delay = f" (delay {leg.delay_s // 60:+d} min)" if leg.realtime and leg.delay_s else ""
    board, alight = _place(leg.from_.name, leg.from_.id), _place(leg.to.name, leg.to.id)
    return (
        f"{_hm(leg.departure)}  {leg.mode} {line}{towards} from {board}"
        f" to {alight}, arrive {_hm(leg.arrival)}"
        f" ({len(leg.intermediate_stops)} stops between){delay}"
    )


def _place(name: str, stop_id: str | None) -> str:
    return name if stop_id is None else f"{name} [{stop_id}]"


def _hm(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def _minutes(seconds: int) -> str:
    return f"{round(seconds / 60)} min"
