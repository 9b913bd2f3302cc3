"""OSM tag rules: who may use a way (walk, bike, car), in which direction, and how fast by car."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

KMH = 1 / 3.6
MPH_TO_KMH = 1.609344
WALK_SPEED_MPS = 1.3
BIKE_SPEED_MPS = 4.5

# Free-flow car speed (km/h) when a way has no usable maxspeed; the car classes are exactly
# these keys. Urban figures: the extracts here are city centres.
CAR_DEFAULT_KMH: dict[str, float] = {
    "motorway": 100,
    "motorway_link": 60,
    "trunk": 80,
    "trunk_link": 50,
    "primary": 60,
    "primary_link": 40,
    "secondary": 50,
    "secondary_link": 40,
    "tertiary": 40,
    "tertiary_link": 30,
    "unclassified": 30,
    "residential": 30,
    "living_street": 10,
    "service": 15,
    "road": 30,
}
NON_CAR_CLASSES = frozenset(
    {"footway", "pedestrian", "steps", "path", "cycleway", "track", "platform", "corridor"}
    | {"bridleway", "elevator"}
)
ROUTABLE_CLASSES = frozenset(CAR_DEFAULT_KMH) | NON_CAR_CLASSES
NO_WALK_CLASSES = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "bridleway"})
# Bikes need an explicit bicycle=yes/designated/permissive on these.
NO_BIKE_CLASSES = frozenset(
    {"motorway", "motorway_link", "footway", "pedestrian", "steps", "platform", "corridor"}
    | {"bridleway", "elevator"}
)

ALLOWED = frozenset({"yes", "designated", "permissive", "destination", "customers", "delivery"})
ALLOWED |= frozenset({"official", "agricultural", "forestry", "permit"})
# "dismount" and "use_sidepath" only appear on bicycle=: riding there is not allowed.
DENIED = frozenset({"no", "private", "dismount", "use_sidepath"})

# Zone maxspeeds ("BR:urban", "DE:rural") when the country is not worth a table of its own.
ZONE_KMH: dict[str, float] = {
    "urban": 50,
    "rural": 90,
    "motorway": 110,
    "trunk": 90,
    "living_street": 10,
    "bicycle_road": 30,
    "walk": 5,
    "zone30": 30,
    "zone:30": 30,
}
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


@dataclass(frozen=True, slots=True)
class WayAccess:
    """What one way allows. Forward is the order of the way's nodes; walking is two-way."""

    walk: bool
    bike_forward: bool
    bike_backward: bool
    car_forward: bool
    car_backward: bool
    car_speed_mps: float

    @property
    def routable(self) -> bool:
        """True when at least one mode may use the way in some direction."""
        return (
            self.walk
            or self.bike_forward
            or self.bike_backward
            or self.car_forward
            or self.car_backward
        )


NO_ACCESS = WayAccess(False, False, False, False, False, 0.0)


def way_access(tags: Mapping[str, str]) -> WayAccess:
    """The access of a way from its tags; `NO_ACCESS` for anything that is not a routable road.

    Rules (OSM access hierarchy: the most specific tag present decides):

    * walking: any routable class but motorway/trunk (and their links) and bridleways, unless
      ``foot`` allows it; ``access=no``/``private`` forbids unless ``foot`` allows; oneway ignored.
    * bike: no motorways, footways, pedestrian streets, steps or platforms unless ``bicycle``
      allows; ``bicycle=dismount``/``use_sidepath`` forbid; car one-ways apply unless
      ``oneway:bicycle=no`` or an ``opposite*`` cycleway is tagged.
    * car: only the classes of `CAR_DEFAULT_KMH`; speed from ``maxspeed`` else the class default.
    """
    highway = tags.get("highway", "")
    # area=yes squares are kept as their outline: walkable around, not across.
    if highway not in ROUTABLE_CLASSES:
        return NO_ACCESS
    walk = _allowed(tags, ("access", "foot"), default=highway not in NO_WALK_CLASSES)
    bike = _allowed(tags, ("access", "vehicle", "bicycle"), default=highway not in NO_BIKE_CLASSES)
    car = _allowed(
        tags, ("access", "vehicle", "motor_vehicle", "motorcar"), default=highway in CAR_DEFAULT_KMH
    )
    car_fwd, car_bwd = oneway_directions(tags)
    bike_fwd, bike_bwd = bike_directions(tags, car_fwd, car_bwd)
    return WayAccess(
        walk=walk,
        bike_forward=bike and bike_fwd,
        bike_backward=bike and bike_bwd,
        car_forward=car and car_fwd,
        car_backward=car and car_bwd,
        car_speed_mps=car_speed_mps(tags) if car else 0.0,
    )


def _allowed(tags: Mapping[str, str], keys: tuple[str, ...], *, default: bool) -> bool:
    """The verdict of the most specific of `keys` with a known value, else `default`."""
    for key in reversed(keys):
        value = tags.get(key, "").split(";")[0].strip()
        if value in ALLOWED:
            return True
        if value in DENIED:
            return False
    return default


def oneway_directions(tags: Mapping[str, str]) -> tuple[bool, bool]:
    """(forward, backward) allowed for vehicles by ``oneway`` and its implications."""
    oneway = tags.get("oneway", "")
    if oneway in ("-1", "reverse"):
        return False, True
    if oneway in ("yes", "true", "1"):
        return True, False
    if oneway == "no":
        return True, True
    # Roundabouts and motorways are one-way unless tagged otherwise.
    implied = (
        tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway"
    )
    return True, not implied


def bike_directions(
    tags: Mapping[str, str], car_forward: bool, car_backward: bool
) -> tuple[bool, bool]:
    """(forward, backward) for bikes: the vehicle one-way unless contraflow is tagged."""
    own = tags.get("oneway:bicycle", "")
    if own == "no" or _has_opposite_cycleway(tags):
        return True, True
    if own in ("yes", "true", "1"):
        return True, False
    if own == "-1":
        return False, True
    return car_forward, car_backward


def _has_opposite_cycleway(tags: Mapping[str, str]) -> bool:
    for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"):
        if tags.get(key, "").startswith("opposite"):
            return True
    return False


def car_speed_mps(tags: Mapping[str, str]) -> float:
    """Free-flow car speed: ``maxspeed`` when it parses, else the class default."""
    kmh = parse_maxspeed_kmh(tags.get("maxspeed", ""))
    if kmh is None:
        kmh = CAR_DEFAULT_KMH.get(tags.get("highway", ""), 30.0)
    return kmh * KMH


def parse_maxspeed_kmh(value: str) -> float | None:
    """A ``maxspeed`` value in km/h: '50', '50 km/h', '30 mph', 'BR:urban', 'walk'; else None.

    A list ('40;60') takes its first entry; 'none', 'signals' and unknown zones give None.
    """
    value = value.split(";")[0].strip().lower()
    match = _NUMBER_UNIT.match(value)
    if match:
        number = float(match.group(1))
        unit = match.group(2)
        if unit == "mph":
            number *= MPH_TO_KMH
        elif unit == "knots":
            number *= 1.852
        return number if number > 0 else None
    zone = value.split(":", 1)[1] if ":" in value else value
    return ZONE_KMH.get(zone)
