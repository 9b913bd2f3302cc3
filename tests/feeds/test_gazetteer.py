"""The place index built with the network: stations and stops with their lines, OSM names."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from routing.network import Network
from routing.place_search import place_index, search
from routing.storage import load_places
from tests.conftest import BuiltRegion
from tests.feeds.inline import HEAD, build_report

STATION_FEED = (
    HEAD
    + """
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
ST,Gare Centrale,-30.000,-51.200,1,
P1,Gare Centrale quai 1,-30.0001,-51.2001,0,ST
P2,Gare Centrale quai 2,-30.0002,-51.2002,0,ST
E1,Entrée nord,-30.0003,-51.2003,2,ST
S9,Rue Lointaine,-30.010,-51.200,0,
# trips.txt
route_id,service_id,trip_id
R,WK,T1
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,08:00:00,08:00:00,P1,1
T1,08:10:00,08:10:00,S9,2
"""
)


def test_stations_stand_for_their_platforms_with_the_lines_of_all(tmp_path: Path) -> None:
    report = build_report(tmp_path, {"f": STATION_FEED})
    assert report.network is not None and report.places is not None
    places, network = report.places, report.network
    assert set(places.refs) == {"f:ST", "f:S9"}  # platforms and entrances are not listed
    station = places.refs.index("f:ST")
    assert places.kind_name(station) == "station"
    assert [network.route_ids[r] for r in places.lines(station)] == ["f:R"]
    assert places.importance[station] > places.importance[places.refs.index("f:S9")]
    assert places.network_version == network.version
    assert "places" in report.timings_s


def test_porto_alegre_lists_every_stop_and_the_extract_streets(
    porto_alegre_built: BuiltRegion, porto_alegre_network: Network
) -> None:
    places = porto_alegre_built.report.places
    assert places is not None
    kinds = {k: int((places.kind == i).sum()) for i, k in enumerate(("station", "stop"))}
    assert kinds["stop"] == porto_alegre_network.n_stops == 4010  # no parent stations here
    mercado = places.refs.index("trensurb:MR")
    assert places.names[mercado] == "ESTACAO MERCADO"
    assert [porto_alegre_network.route_short_names[r] for r in places.lines(mercado)] == ["LINHA1"]
    streets = {places.names[e] for e in np.flatnonzero(places.kind == 3).tolist()}
    assert {"Avenida Borges de Medeiros", "Rua dos Andradas"} <= streets
    assert len(streets) > 2000
    addresses = [places.names[e] for e in np.flatnonzero(places.kind == 4).tolist()]
    assert "Avenida Senador Salgado Filho, 267" in addresses
    assert places.point_lat.size > places.n_entries  # streets carry their nodes


def test_the_saved_index_reads_back_and_finds_the_station(porto_alegre_dir: Path) -> None:
    places = load_places(porto_alegre_dir)
    assert places is not None
    index = place_index(places)
    found = search(index, "estação são pedro", limit=3)
    assert places.refs[found[0].entry] == "trensurb:SP"
    typo = search(index, "estacao rodovaria", limit=3)
    assert places.refs[typo[0].entry] == "trensurb:RD"
