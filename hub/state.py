"""What every handler of the application may use (`HubState` under the `STATE` key)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from hub.clock import Clock
from hub.regions import Region
from hub.reload import Reloader
from hub.settings import Settings


@dataclass(frozen=True, slots=True)
class HubState:
    """What every handler may use; one per application."""

    settings: Settings
    region: Region | None
    clock: Clock
    reloader: Reloader


STATE = web.AppKey("hub_state", HubState)
