from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alerts.ingest import ingest, ingest_json
from alerts.models import ActivePeriod, ServiceAlert, TranslatedText
from alerts.stats import FailureKind, IngestStats
from routing.network import Network

Json = dict[str, Any]
NOW = 1_704_870_000  # 2024-01-10 08:00 in Paris


def alert(**fields: Any) -> Json:
    return {
        "informedEntity": [{"routeId": "R1"}],
        "headerText": {"translation": [{"text": "Travaux", "language": "fr"}]},
        **fields,
    }


def feed(
    network: Network | None, *alerts: Json, feed_id: str = "t"
) -> tuple[list[ServiceAlert], IngestStats]:
    message = {
        "header": {"gtfsRealtimeVersion": "2.0", "timestamp": str(NOW)},
        "entity": [{"id": f"a{i}", "alert": a} for i, a in enumerate(alerts)],
    }
    update, stats = ingest_json(json.dumps(message), feed_id, network, NOW)
    assert stats.entities == stats.n_ok + stats.n_failed
    return list(update.alerts), stats


def test_ids_are_stable_and_follow_content(tiny: Network) -> None:
    (first,), _ = feed(tiny, alert())
    (again,), _ = feed(tiny, alert())
    (changed,), _ = feed(tiny, alert(effect="NO_SERVICE"))
    (unchecked,), _ = feed(None, alert())
    (elsewhere,), _ = feed(None, alert(), feed_id="u")
    assert first.id == again.id == unchecked.id
    assert len({first.id, changed.id, elsewhere.id}) == 3


def test_protobuf_and_json_give_the_same_alert_id(data_dir: Path, bart: Network) -> None:
    path = data_dir / "bay_area" / "bart_2019-08-07.alerts.pb"
    now = 1_565_199_942
    from_pb, _ = ingest(path.read_bytes(), "bart", bart, now)
    from_json, _ = ingest_json(path.with_suffix(".pb.json").read_text(), "bart", bart, now)
    assert [a.id for a in from_pb.alerts] == [a.id for a in from_json.alerts]


def test_informed_entities_are_feed_scoped(tiny: Network) -> None:
    selectors = [
        {"agencyId": "AG"},
        {"routeId": "R2", "directionId": 1},
        {"stopId": "C"},
        {"trip": {"tripId": "T1"}},
        {"routeType": 3},
    ]
    (got,), stats = feed(tiny, alert(informedEntity=selectors))
    assert got.agency_ids == {"t:AG"}
    assert got.route_ids == {"t:R2"} and got.informed_entities[1].direction_id == 1
    assert got.stop_ids == {"t:C"} and got.trip_ids == {"t:T1"}
    assert got.informed_entities[4].route_type == 3
    assert not stats.issues


def test_unknown_entities_are_dropped_then_the_alert_refused(tiny: Network) -> None:
    partly = alert(informedEntity=[{"routeId": "R1"}, {"stopId": "nowhere"}])
    wholly = alert(informedEntity=[{"routeId": "gone"}, {"trip": {"tripId": "gone"}}])
    alerts, stats = feed(tiny, partly, wholly, alert(informedEntity=[]), alert(informedEntity=[{}]))
    assert [a.route_ids for a in alerts] == [{"t:R1"}]
    assert stats.issues == {FailureKind.UNKNOWN_STOP: 1}
    assert stats.failed == {FailureKind.UNKNOWN_ROUTE: 1, FailureKind.NO_INFORMED_ENTITY: 2}


def test_without_network_ids_are_kept_unchecked() -> None:
    (got,), stats = feed(None, alert(informedEntity=[{"stopId": "anything"}]))
    assert got.stop_ids == {"t:anything"} and not stats.issues


def test_periods_and_activity(tiny: Network) -> None:
    periods = [{"start": "100", "end": "200"}, {"start": "500"}, {"start": "50", "end": "10"}]
    (got,), stats = feed(tiny, alert(activePeriod=periods))
    assert got.active_periods == (ActivePeriod(100, 200), ActivePeriod(500, None))
    assert stats.issues == {FailureKind.BAD_PERIOD: 1}
    assert [got.is_active(t) for t in (99, 100, 200, 300, 10**10)] == [
        False,
        True,
        True,
        False,
        True,
    ]
    assert got.is_active_between(250, 600) and not got.is_active_between(201, 499)
    _, refused = feed(tiny, alert(activePeriod=[{"start": "50", "end": "10"}]))
    assert refused.failed == {FailureKind.BAD_PERIOD: 1}


def test_translations_cause_effect_severity(tiny: Network) -> None:
    texts = {
        "translation": [
            {"text": "Works", "language": "en-GB"},
            {"text": "Travaux", "language": "fr"},
        ]
    }
    (got,), _ = feed(
        tiny,
        alert(headerText=texts, cause="CONSTRUCTION", effect="DETOUR", severityLevel="WARNING"),
    )
    assert (got.header.text("fr"), got.header.text("en"), got.header.text("de")) == (
        "Travaux",
        "Works",
        "Works",
    )
    assert got.header.languages == ("en-GB", "fr")
    assert (got.cause, got.effect, got.severity) == ("CONSTRUCTION", "DETOUR", "WARNING")
    assert got.description == TranslatedText() and got.description.text() is None
