"""Distances on the sphere, vectorised over numpy arrays."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

EARTH_RADIUS_M = 6_371_008.8

Floats = npt.NDArray[np.float64]


def haversine_m(
    lat1: float | Floats, lon1: float | Floats, lat2: float | Floats, lon2: float | Floats
) -> Floats:
    """Great-circle distance in metres between points given in degrees (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)), dtype=np.float64)


@njit(cache=True, nogil=True)
def haversine_one(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """`haversine_m` of one pair, for numba kernels."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2
    a += math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def unit_sphere(lat: Floats, lon: Floats) -> Floats:
    """Points on the unit sphere, where chord distance grows with great-circle distance."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
