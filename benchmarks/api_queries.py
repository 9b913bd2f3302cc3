"""Seeded query sets of the API load benchmark, drawn from the served network itself.

Plans go door to door between points a little off two stops the street extract covers,
1 to 8 km apart, leaving between 12:00 and 16:00 on the demo day (EPTC's sample runs then).
Place queries are real names typed as people type them: a prefix of the first words, lower
case and without accents, sometimes with two letters swapped, sometimes near a position.
"""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from routing.geo import haversine_m
from routing.storage import load, load_places

DEMO_DAY = "2019-05-14"
JITTER_DEG = 0.0015


def plan_paths(directory: Path, count: int, seed: int) -> list[str]:
    """`count` /api/v1/plan URLs (path and query)."""
    network, streets = load(directory)
    rng = random.Random(seed)
    covered = np.arange(network.n_stops)
    if streets is not None:
        covered = np.flatnonzero(np.asarray(streets.stop_node) >= 0)
    lat, lon = np.asarray(network.stop_lat), np.asarray(network.stop_lon)
    paths: list[str] = []
    while len(paths) < count:
        a, b = (int(rng.choice(covered)) for _ in range(2))
        if not 1000 <= float(haversine_m(lat[a], lon[a], lat[b], lon[b])) <= 8000:
            continue
        minute = rng.randrange(12 * 60, 16 * 60)
        query = {
            "from": f"{_jitter(rng, lat[a]):.6f},{_jitter(rng, lon[a]):.6f}",
            "to": f"{_jitter(rng, lat[b]):.6f},{_jitter(rng, lon[b]):.6f}",
            "depart": f"{DEMO_DAY}T{minute // 60:02d}:{minute % 60:02d}:00",
        }
        paths.append("/api/v1/plan?" + urlencode(query))
    return paths


def place_paths(directory: Path, count: int, seed: int) -> list[str]:
    """`count` /api/v1/places URLs (path and query)."""
    places = load_places(directory)
    if places is None:
        raise SystemExit(f"{directory} has no place index: rebuild it with hub build")
    rng = random.Random(seed)
    paths: list[str] = []
    while len(paths) < count:
        entry = rng.randrange(places.n_entries)
        text = _as_typed(rng, places.names[entry])
        if len(text) < 2:
            continue
        query = {"q": text, "limit": "10"}
        if rng.random() < 0.3:
            query["lat"] = f"{_jitter(rng, places.lat[entry], 0.02):.5f}"
            query["lon"] = f"{_jitter(rng, places.lon[entry], 0.02):.5f}"
        paths.append("/api/v1/places?" + urlencode(query))
    return paths


def _as_typed(rng: random.Random, name: str) -> str:
    words = name.split()[: rng.randint(1, 3)]
    if rng.random() < 0.5:
        words = ["".join(c for c in unicodedata.normalize("NFKD", w.lower()) if c.isalnum())
                 for w in words]  # fmt: skip
    last = words[-1]
    if len(last) > 3 and rng.random() < 0.6:
        words[-1] = last[: rng.randint(3, len(last))]
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) >= 5:
            k = rng.randrange(1, len(word) - 2)
            words[i] = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    return " ".join(words)


def _jitter(rng: random.Random, value: float, spread: float = JITTER_DEG) -> float:
    return float(value) + rng.uniform(-spread, spread)
