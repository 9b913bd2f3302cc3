"""Network entities as the API shows them (lines, stop references), cached per network."""

from __future__ import annotations

import math
import weakref

from aiohttp import web

from hub.api.models import Line, StopRef
from hub.reload import Served
from hub.state import STATE
from routing.network import Network
from routing.network_index import network_index, split_id

_LINES: weakref.WeakKeyDictionary[Network, tuple[Line, ...]] = weakref.WeakKeyDictionary()


def served(request: web.Request) -> Served:
    """The network served now; a request keeps this one object for its whole life."""
    return request.app[STATE].reloader.served


def lines(network: Network) -> tuple[Line, ...]:
    """The badge of every route of `network`, by route index."""
    found = _LINES.get(network)
    if found is None:
        index = network_index(network)
        found = tuple(
            Line(
                id=route.id,
                short_name=route.short_name,
                long_name=route.long_name,
                color=route.color,
                text_color=route.text_color,
                mode=mode,
            )
            for route, mode in zip(index.routes, index.route_modes, strict=True)
        )
        _LINES[network] = found
    return found


def stop_ref(network: Network, stop: int) -> StopRef:
    """A short reference to stop `stop` (coordinates null when the feed has none)."""
    lat, lon = float(network.stop_lat[stop]), float(network.stop_lon[stop])
    name = network.stop_names[stop] or split_id(network.stop_ids[stop])[1]
    return StopRef(
        id=network.stop_ids[stop],
        name=name,
        lat=lat if math.isfinite(lat) else None,
        lon=lon if math.isfinite(lon) else None,
    )
