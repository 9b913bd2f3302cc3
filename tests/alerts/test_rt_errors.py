"""Each file of bad_inputs/rt_errors breaks one GTFS-RT validator rule against Caltrain 2023."""

from __future__ import annotations

import pytest

from alerts.ingest import ingest_json
from alerts.stats import FailureKind
from routing.network import Network
from tests.conftest import DATA_DIR

# The validator rule named by each file's prefix, and the kind our stats report it as.
RULE_KIND = {
    "E001.header": FailureKind.BAD_HEADER_TIME,
    "E001": FailureKind.BAD_TIME,
    "E002": FailureKind.UNSORTED_STOP_TIMES,
    "E003": FailureKind.UNKNOWN_TRIP,
    "E004": FailureKind.UNKNOWN_ROUTE,
    "E011": FailureKind.UNKNOWN_STOP,
    "E020": FailureKind.BAD_START_TIME,
    "E021": FailureKind.BAD_START_DATE,
    "E022": FailureKind.DECREASING_TIMES,
    "E026": FailureKind.BAD_POSITION,
    "E029": FailureKind.OFF_ROUTE,
    "E040": FailureKind.MISSING_STOP,
    "E043": FailureKind.MISSING_STOP_TIME,
    "E044": FailureKind.EMPTY_STOP_TIME_EVENT,
}
# The files' header timestamps are of 2023-11-07 23:05 local; "now" is then.
NOW = 1_699_405_559
RT_ERRORS = DATA_DIR / "bad_inputs" / "rt_errors"


def expected_kind(name: str) -> FailureKind:
    rule, field = name.split(".")[:2]
    return RULE_KIND.get(f"{rule}.{field.split('-')[0]}", RULE_KIND[rule])


def names() -> list[str]:
    return sorted(p.name for p in RT_ERRORS.glob("*.json"))


def test_every_rule_of_the_fixtures_is_mapped() -> None:
    assert names(), f"no fixtures in {RT_ERRORS}"
    assert {n.split(".")[0] for n in names()} <= set(RULE_KIND)


@pytest.mark.parametrize("name", names())
def test_each_broken_rule_shows_up_as_its_failure_kind(caltrain: Network, name: str) -> None:
    text = (RT_ERRORS / name).read_text()
    update, stats = ingest_json(text, "ct", caltrain, NOW)
    assert stats.entities == stats.n_ok + stats.n_failed
    expected = expected_kind(name)
    assert expected in stats.problems
    extra = set(stats.problems) - {expected}
    if name.startswith("E003.trip_update"):
        # its second entity, an UNSCHEDULED "124-added", is rescued by route + start time as
        # trip 124 too, which the first entity already updated
        assert extra == {FailureKind.DUPLICATE_TRIP}
    else:
        assert extra == set()


def test_an_unknown_trip_id_is_rescued_by_route_and_start_time(caltrain: Network) -> None:
    text = (RT_ERRORS / "E003.trip_update-trip-trip_id.json").read_text()
    update, stats = ingest_json(text, "ct", caltrain, NOW)
    # "124-unknown" on route L1 leaving at 15:37:00 on 2023-11-07 is trip 124
    assert [u.trip_id for u in update.trip_updates] == ["ct:124"]
    assert stats.matched_by_descriptor == 1 and stats.issues == {FailureKind.UNKNOWN_TRIP: 1}


def test_a_bad_stop_time_update_drops_only_itself(caltrain: Network) -> None:
    text = (RT_ERRORS / "E040.trip_update-stop_time_update.json").read_text()
    update, stats = ingest_json(text, "ct", caltrain, NOW)
    (trip_update,) = update.trip_updates
    # four updates given, the second without stop_id nor stop_sequence
    assert len(trip_update.stop_time_updates) == 3
    assert stats.issues == {FailureKind.MISSING_STOP: 1}
