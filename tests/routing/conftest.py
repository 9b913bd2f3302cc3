"""Fixtures of the routing tests: the tiny door-to-door world, built once per session."""

from __future__ import annotations

import pytest

from feeds.build import BuildReport
from routing.network import Network
from routing.streets import StreetGraph
from tests.routing.tiny_world import build_world


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """The tiny feed and street grid of `tests.routing.tiny_world`, built for real."""
    return build_world(tmp_path_factory.mktemp("tiny_world"))


@pytest.fixture
def world(tiny_world: BuildReport) -> tuple[Network, StreetGraph]:
    """The tiny world's network and streets."""
    assert tiny_world.network is not None and tiny_world.streets is not None
    return tiny_world.network, tiny_world.streets
