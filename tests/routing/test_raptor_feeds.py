"""The transit search on inline GTFS feeds built by the real compiler (`feeds.build`).

These check that the search and the compiler agree on GTFS conventions: transfers.txt times,
trips past midnight, pickup and drop-off types, wheelchair flags inherited from a station.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from feeds.build import build_network
from feeds.source import BuildOptions, FeedSource
from routing.connection_scan import earliest_arrival
from routing.ids import StopIdx
from routing.journey import Journey, RideLeg
from routing.network import Network
from routing.query import Offset
from routing.raptor import search
from tests.conftest import write_feed
from tests.routing.feasible import check_journey
from tests.routing.tiny import hms

TUESDAY = dt.date(2019, 5, 14)
FEED = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
A,Agency,http://a.example,America/Sao_Paulo
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20190513,20190519
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R1,A,1,One,3
R2,A,2,Two,3
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding
ST,Station,-30.000,-51.200,1,,1
S1,One,-30.000,-51.200,0,ST,
S2,Two,-30.020,-51.200,0,,1
S3,Three,-30.040,-51.200,0,,0
S4,Four,-30.060,-51.200,0,,1
# trips.txt
route_id,service_id,trip_id,wheelchair_accessible
R1,WK,a,1
R2,WK,b,1
R2,WK,c,1
R2,WK,night,1
R1,WK,flags,1
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
a,08:00:00,08:00:00,S1,1,0,0
a,08:10:00,08:10:00,S2,2,0,0
b,08:12:00,08:12:00,S2,1,0,0
b,08:20:00,08:20:00,S4,2,0,0
c,08:20:00,08:20:00,S2,1,0,0
c,08:30:00,08:30:00,S4,2,0,0
night,23:50:00,23:50:00,S2,1,0,0
night,24:30:00,24:30:00,S3,2,0,0
night,25:10:00,25:10:00,S4,3,0,0
flags,09:00:00,09:00:00,S1,1,0,0
flags,09:10:00,09:10:00,S3,2,1,1
flags,09:20:00,09:20:00,S4,3,0,0
# transfers.txt
from_stop_id,to_stop_id,transfer_type,min_transfer_time
S2,S2,2,300
"""


def network(tmp_path: Path) -> Network:
    source = FeedSource("f", write_feed(tmp_path / "f", FEED))
    report = build_network([source], None, BuildOptions())
    assert report.network is not None, report.skipped
    return report.network


def plan(net: Network, a: str, b: str, at: str, *, wheelchair: bool = False) -> list[Journey]:
    day = net.day_index(TUESDAY)
    access = [Offset(StopIdx(net.get_stop(f"f:{a}")), 0, "walk")]
    egress = [Offset(StopIdx(net.get_stop(f"f:{b}")), 0, "walk")]
    found = search(net, access, egress, day, hms(at), wheelchair=wheelchair)
    fastest = earliest_arrival(net, access, egress, day, hms(at), wheelchair=wheelchair)
    assert [j.arrival_s for j in fastest] == ([min(j.arrival_s for j in found)] if found else [])
    for journey in found + fastest:
        check_journey(net, journey, day, wheelchair=wheelchair)
    return found


def rides(net: Network, journey: Journey) -> list[str]:
    return [net.trip_ids[leg.trip] for leg in journey.legs if isinstance(leg, RideLeg)]


def test_transfers_txt_sets_the_time_to_change_at_a_stop(tmp_path: Path) -> None:
    net = network(tmp_path)
    found = plan(net, "S1", "S4", "07:55")
    # 2 minutes at S2 are less than its 5: trip c, not b; trip "flags" is the direct one.
    assert [rides(net, j) for j in found] == [["f:a", "f:c"], ["f:flags"]]


def test_a_trip_of_the_day_before_runs_past_midnight(tmp_path: Path) -> None:
    net = network(tmp_path)
    (journey,) = plan(net, "S3", "S4", "00:10")
    (ride,) = journey.legs
    assert isinstance(ride, RideLeg) and ride.day == net.day_index(TUESDAY) - 1
    assert (journey.departure_s, journey.arrival_s) == (hms("00:30"), hms("01:10"))


def test_pickup_and_drop_off_types(tmp_path: Path) -> None:
    net = network(tmp_path)
    assert [rides(net, j) for j in plan(net, "S1", "S4", "08:55")] == [["f:flags"]]
    # Trip "flags" neither drops off nor picks up at S3: tomorrow's a, then the night trip.
    assert [rides(net, j) for j in plan(net, "S1", "S3", "08:55")] == [["f:a", "f:night"]]
    assert [rides(net, j) for j in plan(net, "S3", "S4", "08:55")] == [["f:night"]]


def test_wheelchair_stops_inherit_their_station(tmp_path: Path) -> None:
    net = network(tmp_path)
    assert plan(net, "S1", "S4", "07:55", wheelchair=True) != []  # S1 inherits ST's 1
    assert plan(net, "S2", "S3", "20:00", wheelchair=True) == []  # S3 says 0: unknown
