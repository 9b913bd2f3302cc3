"""Snapshots of the BART captures of 2019-08-07: applied when fresh, dropped when stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.fetch import Validators
from alerts.poller import header_timestamp
from alerts.snapshot import SnapshotBuilder
from alerts.source_state import SourceState
from alerts.sources import RealtimeSource, SourceKind
from alerts.state_codec import CodecError, decode_states, encode_states
from routing.network import Network

CAPTURES: dict[SourceKind, str] = {
    "trip_updates": "bart_2019-08-07.trip_updates.pb",
    "alerts": "bart_2019-08-07.alerts.pb",
}


def bart_states(data_dir: Path) -> list[SourceState]:
    states = []
    for kind, name in CAPTURES.items():
        path = data_dir / "bay_area" / name
        body = path.read_bytes()
        stamp = header_timestamp(body)
        source = RealtimeSource("bart", kind, path=path)
        states.append(SourceState(source).succeeded(float(stamp or 0), body, stamp, Validators()))
    return states


def test_fresh_captures_give_an_overlay_and_the_agency_alert(data_dir: Path, bart: Network) -> None:
    states = bart_states(data_dir)
    now = float(states[0].header_timestamp or 0)
    snapshot = SnapshotBuilder(max_age_s=300).build(bart, states, [], now)
    assert snapshot.status == "applied" and snapshot.network_version == bart.version
    assert snapshot.overlay is not None and snapshot.overlay.delayed_trips
    (alert,) = snapshot.alerts
    assert alert.cause == "MEDICAL_EMERGENCY" and alert.agency_ids == {"bart:BART"}
    report = {r.state.source.kind: r for r in snapshot.feeds}
    tu = report["trip_updates"]
    assert not tu.stale and tu.age_s == 0 and tu.stats is not None
    assert tu.stats.entities == tu.stats.n_ok + tu.stats.n_failed == 91
    stats = tu.to_json()["stats"]
    assert isinstance(stats, dict) and stats["entities"] == 91


def test_stale_captures_are_dropped_and_said_so(data_dir: Path, bart: Network) -> None:
    states = bart_states(data_dir)
    now = max(float(s.header_timestamp or 0) for s in states) + 301
    snapshot = SnapshotBuilder(max_age_s=300).build(bart, states, [], now)
    assert snapshot.status == "stale" and snapshot.overlay is None and not snapshot.alerts
    assert all(r.stale and r.age_s is not None and r.age_s >= 301 for r in snapshot.feeds)


def test_no_source_means_no_realtime(bart: Network) -> None:
    snapshot = SnapshotBuilder().build(bart, [], [], 1e9)
    assert snapshot.status == "none" and snapshot.overlay is None


def test_bodies_are_ingested_once_per_network(data_dir: Path, bart: Network) -> None:
    states = bart_states(data_dir)
    now = float(states[0].header_timestamp or 0)
    builder = SnapshotBuilder()
    first = builder.build(bart, states, [], now)
    again = builder.build(bart, states, [], now + 10)
    assert [r.stats for r in again.feeds] == [r.stats for r in first.feeds]
    assert all(a.stats is b.stats for a, b in zip(first.feeds, again.feeds, strict=True)), (
        "the cached ingest is reused"
    )


def test_states_survive_encoding(data_dir: Path) -> None:
    states = bart_states(data_dir)
    states[1] = states[1].failed(5.0, "timeout: no answer")
    assert decode_states(encode_states(states)) == states
    with pytest.raises(CodecError):
        decode_states(encode_states(states)[:-10])
    with pytest.raises(CodecError):
        decode_states(b"\x00\x00\x00\x05garbage")
