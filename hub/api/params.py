"""Query parameters of `/api/v1`: read once, checked, and refused with a problem naming them."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from hub.problems import invalid_param

MAX_TEXT = 200
# Strict forms: Python's int() and float() also take spaces and underscores ("1_000").
_INTEGER = re.compile(r"-?[0-9]{1,9}")
_NUMBER = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,15})?([eE][-+]?[0-9]{1,3})?")


@dataclass(frozen=True, slots=True)
class Params:
    """The query of one request, after refusing unknown and repeated parameters."""

    values: dict[str, str]

    @classmethod
    def read(cls, request: web.Request, allowed: Iterable[str]) -> Params:
        """The request's parameters, each at most once and all in `allowed`.

        Raises:
            hub.problems.ApiError: 400 naming an unknown or repeated parameter.
        """
        return cls.of(request.query, frozenset(allowed))

    @classmethod
    def of(cls, query: MultiMapping[str], allowed: frozenset[str]) -> Params:
        """`read` over any multi-mapping (tests, batch lines)."""
        values: dict[str, str] = {}
        for name, value in query.items():
            if name not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise invalid_param(name, f"unknown parameter (accepted: {known})")
            if name in values:
                raise invalid_param(name, "given more than once")
            values[name] = value
        return cls(values)

    def text(self, name: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str | None:
        """A text parameter (stripped); None when absent.

        Raises:
            hub.problems.ApiError: when required and missing or blank, or too long.
        """
        value = self.values.get(name)
        if value is None or not value.strip():
            if required:
                raise invalid_param(name, "required")
            return None
        if len(value) > max_length:
            raise invalid_param(name, f"at most {max_length} characters")
        return value.strip()

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """An integer in [low, high], `default` when absent.

        Raises:
            hub.problems.ApiError: when it is not an integer or out of range.
        """
        value = self.values.get(name)
        if value is None:
            return default
        if not _INTEGER.fullmatch(value):
            raise invalid_param(name, f"expected an integer, got {value!r}")
        number = int(value)
        if not low <= number <= high:
            raise invalid_param(name, f"must be between {low} and {high}")
        return number

    def number(self, name: str, *, low: float, high: float) -> float | None:
        """A finite number in [low, high], None when absent.

        Raises:
            hub.problems.ApiError: when it is not a finite number or out of range.
        """
        value = self.values.get(name)
        if value is None:
            return None
        if not _NUMBER.fullmatch(value):
            raise invalid_param(name, f"expected a number, got {value!r}")
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            raise invalid_param(name, f"must be a number between {low:g} and {high:g}")
        return number

    def flag(self, name: str, default: bool) -> bool:
        """A boolean, written ``true`` or ``false``; `default` when absent.

        Raises:
            hub.problems.ApiError: for any other value.
        """
        value = self.values.get(name)
        if value is None:
            return default
        if value not in ("true", "false"):
            raise invalid_param(name, f"expected true or false, got {value!r}")
        return value == "true"

    def point(self, lat_name: str = "lat", lon_name: str = "lon") -> tuple[float, float] | None:
        """A WGS84 point given as two parameters (both or neither).

        Raises:
            hub.problems.ApiError: when only one is given or either is out of range.
        """
        lat = self.number(lat_name, low=-90, high=90)
        lon = self.number(lon_name, low=-180, high=180)
        if (lat is None) != (lon is None):
            missing = lon_name if lon is None else lat_name
            raise invalid_param(missing, f"give both {lat_name} and {lon_name}, or neither")
        return None if lat is None or lon is None else (lat, lon)
