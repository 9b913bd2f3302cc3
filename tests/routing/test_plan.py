"""The itinerary models: those `trusted` makes are those validation makes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from routing.plan import (
    AlertRef,
    Itinerary,
    Leg,
    LineString,
    Place,
    Route,
    _Model,
    replaced,
    trusted,
)

TZ = dt.timezone(dt.timedelta(hours=-3))
AT = dt.datetime(2019, 5, 14, 8, 0, tzinfo=TZ)
STOP = {"name": "S", "lat": -30.0, "lon": -51.2, "id": "f:S", "stop_id": "S", "feed": "f"}
PLACE = {**STOP, "arrival": AT, "departure": AT}
ROUTE = {"id": "f:R", "feed": "f", "route_id": "R", "short_name": "R1", "long_name": None,
         "color": "#FF0000", "text_color": None, "agency": "A"}  # fmt: skip
LINE = {"type": "LineString", "coordinates": [(-51.2, -30.0), (-51.2, -30.01)]}
ALERT = {"id": "a", "header": "h", "description": None, "cause": None, "effect": None, "url": None}
LEG = {
    "mode": "bus", "transit": True, "from_": Place(**STOP), "to": Place(**STOP),
    "departure": AT, "arrival": AT, "scheduled_departure": AT, "scheduled_arrival": AT,
    "delay_s": 60, "realtime": True, "distance_m": 1234.5, "duration_s": 600,
    "route": Route(**ROUTE), "trip_id": "T", "headsign": "H",
    "intermediate_stops": [Place(**PLACE)], "geometry": LineString(**LINE), "crow_fly": False,
    "alerts": [AlertRef(**ALERT)],
}  # fmt: skip
ITINERARY = {
    "departure": AT, "arrival": AT, "duration_s": 600, "transfers": 0, "walk_distance_m": 0.0,
    "bike_distance_m": 0.0, "co2_g": 139.1, "tags": ["fastest"], "legs": [Leg(**LEG)],
    "alerts": [], "notes": ["n"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("model", "fields"),
    [(Place, PLACE), (Route, ROUTE), (LineString, LINE), (AlertRef, ALERT), (Leg, LEG),
     (Itinerary, ITINERARY)],
)  # fmt: skip
def test_trusted_models_equal_validated_ones(model: type[_Model], fields: dict[str, Any]) -> None:
    assert list(fields) == list(model.model_fields), "every field, in the declared order"
    made, checked = trusted(model, dict(fields)), model.model_validate(fields)
    assert made == checked
    assert made.model_dump_json(by_alias=True) == checked.model_dump_json(by_alias=True)
    assert made.model_fields_set == set(fields)


def test_replaced_is_model_copy_with_its_update() -> None:
    later = AT + dt.timedelta(minutes=1)
    place = Place(**STOP)
    timed = replaced(place, arrival=AT, departure=later)
    assert timed == place.model_copy(update={"arrival": AT, "departure": later})
    assert (
        timed.model_dump_json()
        == place.model_copy(update={"arrival": AT, "departure": later}).model_dump_json()
    )
    assert place.arrival is None, "the place itself is untouched"
