"""Where and when the served network answers: its area and its feeds' validity windows.

A point further than `MARGIN_DEG` (about 10 km) outside the box of the network's stops and
streets, or a date outside every feed's service window, is refused up front with a problem
naming the parameter, rather than planned into an empty answer.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

import numpy as np

from hub.problems import invalid_param
from routing.network import Network
from routing.streets import StreetGraph

MARGIN_DEG = 0.1
Window = tuple[str, dt.date, dt.date]
_AREAS: weakref.WeakKeyDictionary[Network, Area] = weakref.WeakKeyDictionary()
_WINDOWS: weakref.WeakKeyDictionary[Network, tuple[Window, ...]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Area:
    """A latitude/longitude box."""

    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether (lat, lon) lies in the box."""
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max

    def describe(self) -> str:
        """The box as text for error messages."""
        lat = f"lat {self.lat_min:.3f}..{self.lat_max:.3f}"
        return f"{lat}, lon {self.lon_min:.3f}..{self.lon_max:.3f}"


def service_area(network: Network, streets: StreetGraph | None) -> Area:
    """The box of the network's stops and street nodes, widened by `MARGIN_DEG`."""
    found = _AREAS.get(network)
    if found is None:
        lats = [np.asarray(network.stop_lat)]
        lons = [np.asarray(network.stop_lon)]
        if streets is not None:
            lats.append(np.asarray(streets.node_lat))
            lons.append(np.asarray(streets.node_lon))
        lat, lon = np.concatenate(lats), np.concatenate(lons)
        ok = np.isfinite(lat) & np.isfinite(lon)
        lat, lon = lat[ok], lon[ok]
        if lat.size == 0:
            found = Area(-90.0, 90.0, -180.0, 180.0)
        else:
            found = Area(
                float(lat.min()) - MARGIN_DEG,
                float(lat.max()) + MARGIN_DEG,
                float(lon.min()) - MARGIN_DEG,
                float(lon.max()) + MARGIN_DEG,
            )
        _AREAS[network] = found
    return found


def check_point(area: Area, lat: float, lon: float, name: str) -> None:
    """Refuse a point outside `area`.

    Raises:
        hub.problems.ApiError: 400 naming parameter `name`.
    """
    if not area.contains(lat, lon):
        raise invalid_param(
            name, f"({lat}, {lon}) is outside the region served ({area.describe()})"
        )


def service_windows(network: Network) -> tuple[Window, ...]:
    """(feed id, first, last) service date of each feed that has one (read once per network)."""
    found = _WINDOWS.get(network)
    if found is None:
        found = tuple(
            (feed.id, dt.date.fromisoformat(feed.start_date), dt.date.fromisoformat(feed.end_date))
            for feed in network.feeds
            if feed.start_date and feed.end_date
        )
        _WINDOWS[network] = found
    return found


def check_date(network: Network, moment: dt.datetime, name: str) -> None:
    """Refuse a time whose local date lies outside every feed's service window.

    Raises:
        hub.problems.ApiError: 400 naming parameter `name` and listing the windows.
    """
    day = moment.astimezone(network.tz).date()
    windows = service_windows(network)
    if any(start <= day <= end for _, start, end in windows):
        return
    listed = "; ".join(f"{feed} {start}..{end}" for feed, start, end in windows) or "none"
    raise invalid_param(name, f"{day} is outside every feed's service dates ({listed})")
