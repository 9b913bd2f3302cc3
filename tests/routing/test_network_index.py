import dataclasses
import datetime as dt

import numpy as np

from routing.network_index import network_index
from routing.plan import Place
from tests.routing.tiny import tiny_network, trip


def test_stop_places_and_trip_ids_are_made_from_the_network() -> None:
    net = dataclasses.replace(
        tiny_network([trip("t1", "A 08:00, B 08:10")]),
        stop_ids=("bus:A", "B"),
        stop_names=("Praça A", ""),
        stop_lat=np.array([-30.0, -30.1]),
        stop_lon=np.array([-51.2, -51.3]),
        trip_ids=("bus:t1",),
    )
    index = network_index(net)
    at = dt.datetime(2019, 5, 14, 8, 10, tzinfo=dt.UTC)

    stop = index.place(0, at, at)
    assert (stop.name, stop.id, stop.feed, stop.stop_id) == ("Praça A", "bus:A", "bus", "A")
    assert (stop.lat, stop.lon, stop.arrival, stop.departure) == (-30.0, -51.2, at, at)
    assert Place.model_validate(stop.model_dump()) == stop  # what validation would have made

    unnamed = index.place(1)
    assert (unnamed.name, unnamed.id, unnamed.feed, unnamed.stop_id) == ("B", "B", None, "B")
    assert (unnamed.arrival, unnamed.departure) == (None, None)
    assert index.trip_local_id(0) == "t1"
