"""A region's realtime sources: the capture file when replaying (fixed clock), else the live URL."""

from __future__ import annotations

from alerts.sources import RealtimeSource
from hub.regions import Region


def realtime_sources(region: Region | None, *, replay: bool) -> tuple[RealtimeSource, ...]:
    """One `RealtimeSource` per realtime entry of the region's feeds.

    With a fixed clock (`replay`) a capture file is replayed as if live; with the system
    clock the URL is polled. An entry with only one of the two uses that one.
    """
    if region is None:
        return ()
    found = []
    for feed in region.spec.feeds:
        for spec in feed.realtime:
            use_file = spec.file is not None and (replay or spec.url is None)
            if use_file:
                assert spec.file is not None
                found.append(RealtimeSource(feed.id, spec.kind, path=region.resolve(spec.file)))
            else:
                found.append(RealtimeSource(feed.id, spec.kind, url=spec.url))
    return tuple(found)
