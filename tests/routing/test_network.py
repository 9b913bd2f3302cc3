"""The network's id lookups: `find_*` answer None for an unknown id, `get_*` raise."""

from __future__ import annotations

import pytest

from tests.routing.tiny import tiny_network, trip


def test_stops_and_trips_are_found_by_id_and_unknown_ids_are_told_apart() -> None:
    net = tiny_network([trip("t1", "A 08:00, B 08:10"), trip("t2", "B 08:20, C 08:30")])
    assert [net.get_stop(s) for s in ("A", "B", "C")] == [0, 1, 2]
    assert [net.get_trip(t) for t in ("t1", "t2")] == [net.trip_ids.index(t) for t in ("t1", "t2")]
    assert net.find_stop("Z") is None and net.find_trip("t9") is None
    with pytest.raises(KeyError, match="Z"):
        net.get_stop("Z")
    with pytest.raises(KeyError, match="t9"):
        net.get_trip("t9")
