"""How the trip updates of each region's captures match its network, by id and by descriptor.

Usage: ``.venv/bin/python benchmarks/realtime_matching.py [REGION ...]`` (default: bay-area
caltrain-2023). Each region is built first when its saved network is missing or stale.

For every trip-updates capture of the region it ingests the capture three times, at the
capture's own header time, and prints one line of counts each:

* ``as is``: the capture as published;
* ``ids withheld``: every trip_id replaced by one the network does not know, so each update
  can only be found by its descriptor (route + direction + start time + start date);
* ``ids and directions withheld``: the same without direction_id as well, which is how the
  descriptor fallback worked before the network knew trips' directions.

The captures seldom need the direction (BART's give trip ids only; Caltrain's trips never
leave at once), so it also ingests one delay-only update per trip of the feed running on the
capture's day, described by route + direction + start time + start date only, and again
without the direction: how many trips a descriptor alone can name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from google.transit import gtfs_realtime_pb2 as rt

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    # run as a script: its folder would shadow the `alerts` package
    sys.path[0] = str(REPO)

from alerts.ingest import ingest_message  # noqa: E402
from alerts.matching import trip_index  # noqa: E402
from alerts.stats import IngestStats  # noqa: E402
from hub.networks import ensure_built, region_inputs  # noqa: E402
from hub.regions import load_region  # noqa: E402
from hub.settings import Settings  # noqa: E402
from routing.ids import SEPARATOR  # noqa: E402
from routing.network import Network  # noqa: E402
from routing.storage import load  # noqa: E402

Edit = Callable[[rt.TripDescriptor], None]


def withhold_id(trip: rt.TripDescriptor) -> None:
    trip.trip_id = f"withheld-{trip.trip_id}"


def clear_direction(trip: rt.TripDescriptor) -> None:
    trip.ClearField("direction_id")


def withhold_id_and_direction(trip: rt.TripDescriptor) -> None:
    withhold_id(trip)
    clear_direction(trip)


def with_descriptors(message: rt.FeedMessage, edit: Edit | None) -> rt.FeedMessage:
    """A copy of `message` with `edit` applied to every trip update's descriptor."""
    copy = rt.FeedMessage()
    copy.CopyFrom(message)
    if edit is not None:
        for entity in copy.entity:
            if entity.HasField("trip_update"):
                edit(entity.trip_update.trip)
    return copy


def timetable_descriptors(network: Network, feed_id: str, now: int) -> rt.FeedMessage:
    """One delay-only update per trip of `feed_id` running on the day of `now` (a descriptor)."""
    index = trip_index(network)
    day = index.day_of(dt.datetime.fromtimestamp(now, network.tz).date())
    date = (network.first_date + dt.timedelta(days=day)).strftime("%Y%m%d")
    prefix = f"{feed_id}{SEPARATOR}"
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = now
    for trip in np.flatnonzero(network.trips_active(day)).tolist():
        route_id = network.route_ids[int(network.trip_route[trip])]
        if not route_id.startswith(prefix):
            continue
        update = message.entity.add(id=str(trip)).trip_update
        update.delay = 60
        update.trip.route_id = route_id.removeprefix(prefix)
        start = int(index.trip_start_s[trip])
        update.trip.start_time = f"{start // 3600:02}:{start // 60 % 60:02}:{start % 60:02}"
        update.trip.start_date = date
        if network.trip_direction[trip] >= 0:
            update.trip.direction_id = int(network.trip_direction[trip])
    return message


def describe(stats: IngestStats) -> str:
    failed = ", ".join(f"{kind} {n}" for kind, n in stats.failed.items()) or "none"
    return (
        f"{stats.entities} entities, {stats.n_ok} used "
        f"({stats.matched_by_id} by id, {stats.matched_by_descriptor} by descriptor); "
        f"refused: {failed}"
    )


def report(feed_id: str, network: Network, path: Path) -> None:
    message = rt.FeedMessage()
    message.ParseFromString(path.read_bytes())
    with_direction = sum(e.trip_update.trip.HasField("direction_id") for e in message.entity)
    print(f"  {path.name} ({with_direction} descriptors give direction_id)")
    variants: list[tuple[str, Edit | None]] = [
        ("as is", None),
        ("ids withheld", withhold_id),
        ("ids and directions withheld", withhold_id_and_direction),
    ]
    for label, edit in variants:
        copy = with_descriptors(message, edit)
        _, stats = ingest_message(copy, feed_id, network, message.header.timestamp)
        print(f"    {label:28} {describe(stats)}")
    timetable = timetable_descriptors(network, feed_id, message.header.timestamp)
    print(f"  every {feed_id} trip of that day, by descriptor alone")
    variants = [("with direction", None), ("without direction", clear_direction)]
    for label, edit in variants:
        copy = with_descriptors(timetable, edit)
        _, stats = ingest_message(copy, feed_id, network, message.header.timestamp)
        print(f"    {label:28} {describe(stats)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regions", nargs="*", default=["bay-area", "caltrain-2023"])
    args = parser.parse_args()
    settings = Settings()
    for name in args.regions:
        region = load_region(name, settings.regions_dir, settings.data_dir)
        directory = ensure_built(region_inputs(region, settings.cache_dir)).directory
        network, _ = load(directory)
        print(f"{name} (network {network.version[:12]})")
        for feed_id, spec, path in region.realtime_files():
            if spec.kind == "trip_updates":
                report(feed_id, network, path)


if __name__ == "__main__":
    main()
