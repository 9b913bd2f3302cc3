"""Search the place index: autocomplete by name (typo-tolerant) and reverse by position.

`place_index` derives, once per `Gazetteer`, a sorted vocabulary of name words, postings
(word -> entries, contiguous for a range of words, so a prefix is one slice), the fuzzy
indexes of `routing.place_fuzzy` and a KD-tree over the entries' points. A query scores each
word against every entry at once (numpy), keeps the entries matching all its words (one may
be missing from three words up), and ranks by match quality, then proximity when a position
is given, then importance. Entries of the same name and kind within `SAME_PLACE_M` of a
better one are left out (a street's 60 stops of one name are shown once).
"""

from __future__ import annotations

import bisect
import dataclasses
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from routing.gazetteer import Gazetteer
from routing.geo import EARTH_RADIUS_M, haversine_m, unit_sphere
from routing.place_fuzzy import FuzzyVocabulary
from routing.place_text import STOPWORDS, name_tokens, normalize, tokens

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
B = npt.NDArray[np.bool_]

SAME_PLACE_M = 1000.0
# Word scores: exact 1; a prefix 0.6-0.9 by the share of the word typed; typos lower.
PREFIX_BASE, PREFIX_SPAN, NOT_LAST_PREFIX = 0.6, 0.3, 0.85
TYPO_SCORE = {1: 0.7, 2: 0.5}
PREFIX_TYPO_SCORE = {1: 0.55, 2: 0.4}
# Weights of the final score: quality first, proximity next, importance breaks ties.
W_QUALITY, W_COVERAGE, W_FIRST, W_NEAR, W_IMPORTANCE = 0.7, 0.15, 0.05, 0.15, 0.1
NEAR_SCALE_M = 2000.0
MIN_EXACT = 3
_INDEX: weakref.WeakKeyDictionary[Gazetteer, PlaceIndex] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """One entry found: its index in the gazetteer, score, and distance when one was asked."""

    entry: int
    score: float
    distance_m: float | None = None


@dataclass(frozen=True, eq=False)
class PlaceIndex:
    """The search structures of one gazetteer (derived, never saved).

    ``gazetteer`` is the searched one with its arrays as plain ndarrays over the same memory.
    """

    gazetteer: Gazetteer
    vocabulary: FuzzyVocabulary
    post_ptr: I32
    post_entry: I32
    post_length: F32
    post_first: B
    entry_words: F32
    entry_key: I32
    point_entry: I32
    tree: cKDTree | None


def place_index(gazetteer: Gazetteer) -> PlaceIndex:
    """The search structures of `gazetteer`, built on first use (about 0.1 s for 8,000 places)."""
    found = _INDEX.get(gazetteer)
    if found is None:
        found = _build(gazetteer)
        _INDEX[gazetteer] = found
    return found


def search(
    index: PlaceIndex,
    query: str,
    *,
    near: tuple[float, float] | None = None,
    limit: int = 10,
) -> list[PlaceMatch]:
    """The best `limit` entries for `query`, best first (empty when it has no word)."""
    words = tokens(query)
    if not words or index.gazetteer.n_entries == 0:
        return []
    scores = [_word_scores(index, w, last=i == len(words) - 1) for i, w in enumerate(words)]
    candidates, quality = _combine(index, words, scores)
    if candidates.size == 0:
        return []
    first = _first_word_matches(index, words[0], last=len(words) == 1)[candidates]
    coverage = np.minimum(1.0, len(words) / index.entry_words[candidates])
    gaz = index.gazetteer
    score = (
        W_QUALITY * quality
        + W_COVERAGE * coverage
        + W_FIRST * first
        + W_IMPORTANCE * gaz.importance[candidates]
    )
    distance = None
    if near is not None:
        distance = haversine_m(near[0], near[1], gaz.lat[candidates], gaz.lon[candidates])
        score = score + W_NEAR / (1.0 + distance / NEAR_SCALE_M)
    return _top(index, candidates, score, distance, limit)


def nearest(
    index: PlaceIndex, lat: float, lon: float, *, limit: int = 5, max_distance_m: float = 1000.0
) -> list[PlaceMatch]:
    """Entries with a point within `max_distance_m` of (lat, lon), nearest first."""
    if index.tree is None:
        return []
    point = unit_sphere(np.array([lat]), np.array([lon]))[0]
    radius = 2 * np.sin(max_distance_m / EARTH_RADIUS_M / 2)
    hits = np.asarray(index.tree.query_ball_point(point, radius), dtype=np.int64)
    if hits.size == 0:
        return []
    gaz = index.gazetteer
    distance = haversine_m(lat, lon, gaz.point_lat[hits], gaz.point_lon[hits])
    entries = index.point_entry[hits]
    order = np.lexsort((distance, entries))
    first = np.ones(order.size, dtype=np.bool_)
    first[1:] = entries[order][1:] != entries[order][:-1]
    best_entries, best_distance = entries[order][first], distance[order][first]
    ranked = np.argsort(best_distance, kind="stable")
    out: list[PlaceMatch] = []
    for i in ranked.tolist():
        d = float(best_distance[i])
        # The score of a reverse match is its closeness: 1 on the point, 0.5 at 1 m...
        out.append(PlaceMatch(int(best_entries[i]), round(1.0 / (1.0 + d), 4), d))
        if len(out) == limit:
            break
    return out


def _build(saved: Gazetteer) -> PlaceIndex:
    gaz = _resident(saved)
    n = gaz.n_entries
    entry_tokens = [name_tokens(name) for name in gaz.names]
    vocabulary = sorted({w for words in entry_tokens for w in words})
    word_id = {w: i for i, w in enumerate(vocabulary)}
    pairs = [
        (word_id[w], e, position == 0)
        for e, words in enumerate(entry_tokens)
        for position, w in enumerate(dict.fromkeys(words))
    ]
    table = np.array(pairs, dtype=np.int64).reshape(-1, 3)
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    post_ptr = np.zeros(len(vocabulary) + 1, dtype=np.int32)
    np.cumsum(np.bincount(table[:, 0], minlength=len(vocabulary)), out=post_ptr[1:])
    lengths = np.array([len(w) for w in vocabulary], dtype=np.float32)
    own_words = [max(1, len(tokens(name))) for name in gaz.names]
    keys = [f"{k}|{normalize(name)}" for k, name in zip(gaz.kind.tolist(), gaz.names, strict=True)]
    key_ids: list[int] = np.unique(np.array(keys, dtype=object), return_inverse=True)[1].tolist()
    point_entry = np.repeat(np.arange(n, dtype=np.int32), np.diff(gaz.point_ptr))
    tree = cKDTree(unit_sphere(gaz.point_lat, gaz.point_lon)) if point_entry.size else None
    return PlaceIndex(
        gazetteer=gaz,
        vocabulary=FuzzyVocabulary.build(vocabulary),
        post_ptr=post_ptr,
        post_entry=table[:, 1].astype(np.int32),
        post_length=lengths[table[:, 0]] if table.size else np.empty(0, np.float32),
        post_first=table[:, 2].astype(np.bool_),
        entry_words=np.asarray(own_words, dtype=np.float32),
        entry_key=np.asarray(key_ids, dtype=np.int32),
        point_entry=point_entry,
        tree=tree,
    )


def _resident(gaz: Gazetteer) -> Gazetteer:
    """The gazetteer with plain arrays over the same memory (memmap indexing is slow)."""
    arrays: dict[str, Any] = {
        f.name: np.asarray(getattr(gaz, f.name))
        for f in dataclasses.fields(gaz)
        if isinstance(getattr(gaz, f.name), np.ndarray)
    }
    return dataclasses.replace(gaz, **arrays)


def _word_scores(index: PlaceIndex, word: str, *, last: bool) -> F32:
    """Best score of `word` against each entry's words (0: no match)."""
    best = np.zeros(index.gazetteer.n_entries, dtype=np.float32)
    words = index.vocabulary.words
    lo = bisect.bisect_left(words, word)
    hi = bisect.bisect_left(words, word + "{")  # '{' sorts after every letter and digit
    if hi > lo:
        a, b = int(index.post_ptr[lo]), int(index.post_ptr[hi])
        length = index.post_length[a:b]
        share = np.float32(len(word)) / length
        prefix = PREFIX_BASE + PREFIX_SPAN * share
        # A short last word is still being typed: its exact matches count as prefixes.
        exact = (length == len(word)) & (not last or len(word) >= MIN_EXACT)
        score = np.where(exact, 1.0, prefix if last else prefix * NOT_LAST_PREFIX)
        np.maximum.at(best, index.post_entry[a:b], score.astype(np.float32))
    exact_known = hi > lo and words[lo] == word
    if not exact_known:  # a word of the vocabulary is taken as meant, not as a typo
        for number, edits in index.vocabulary.similar(word):
            _raise(index, best, np.array([number]), TYPO_SCORE[edits])
    if last and hi == lo:
        ids, changed = index.vocabulary.similar_prefixes(word)
        for edits in (1, 2):
            _raise(index, best, ids[changed == edits], PREFIX_TYPO_SCORE[edits])
    return best


def _raise(index: PlaceIndex, best: F32, word_ids: I32, score: float) -> None:
    """Raise `best` to `score` for the entries holding any of `word_ids`."""
    if word_ids.size == 0:
        return
    starts, ends = index.post_ptr[word_ids], index.post_ptr[word_ids + 1]
    spans = [index.post_entry[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    entries = np.concatenate(spans)
    np.maximum.at(best, entries, np.float32(score))


def _combine(
    index: PlaceIndex, words: tuple[str, ...], scores: list[F32]
) -> tuple[npt.NDArray[np.int64], F64]:
    """Entries matching the query's words, and their mean word score.

    Stopwords ("de", "la") count only where they match; from three words up, one word may
    be missing (its zero lowers the mean).
    """
    needed = [s for w, s in zip(words, scores, strict=True) if w not in STOPWORDS or s.any()]
    if not needed:
        needed = scores
    matched = np.sum([s > 0 for s in needed], axis=0)
    candidates = np.flatnonzero(matched == len(needed))
    if candidates.size == 0 and len(needed) >= 3:
        candidates = np.flatnonzero(matched >= len(needed) - 1)
    quality = np.mean(np.stack([s[candidates] for s in needed]), axis=0, dtype=np.float64)
    return candidates.astype(np.int64), np.asarray(quality, dtype=np.float64)


def _first_word_matches(index: PlaceIndex, word: str, *, last: bool) -> F64:
    """1.0 for entries whose name starts with `word` (or a word it begins), else 0."""
    found = np.zeros(index.gazetteer.n_entries, dtype=np.float64)
    words = index.vocabulary.words
    lo = bisect.bisect_left(words, word)
    hi = (
        bisect.bisect_left(words, word + "{")
        if last
        else lo + int(lo < len(words) and words[lo] == word)
    )
    if hi > lo:
        a, b = int(index.post_ptr[lo]), int(index.post_ptr[hi])
        first = index.post_first[a:b]
        found[index.post_entry[a:b][first]] = 1.0
    return found


def _top(
    index: PlaceIndex,
    candidates: npt.NDArray[np.int64],
    score: F64,
    distance: F64 | None,
    limit: int,
) -> list[PlaceMatch]:
    """The best entries, leaving out those of a name already shown close by."""
    keep = min(candidates.size, 4 * limit + 20)
    top = np.argpartition(-score, keep - 1)[:keep] if keep < candidates.size else np.arange(keep)
    top = top[np.lexsort((candidates[top], -score[top]))]
    entries = candidates[top]
    gaz = index.gazetteer
    close = _same_place(index.entry_key[entries], gaz.lat[entries], gaz.lon[entries])
    hidden = np.zeros(entries.size, dtype=np.bool_)
    out: list[PlaceMatch] = []
    for i in range(entries.size):
        if hidden[i]:
            continue
        hidden |= close[i]
        d = None if distance is None else float(distance[top[i]])
        out.append(PlaceMatch(int(entries[i]), round(float(score[top[i]]), 4), d))
        if len(out) == limit:
            break
    return out


def _same_place(keys: I32, lat: F64, lon: F64) -> npt.NDArray[np.bool_]:
    """Pairs of entries of one name and kind closer than `SAME_PLACE_M` (planar: short range)."""
    metres_per_degree = EARTH_RADIUS_M * np.pi / 180
    dy = (lat[:, None] - lat[None, :]) * metres_per_degree
    dx = (lon[:, None] - lon[None, :]) * metres_per_degree * np.cos(np.radians(lat))[:, None]
    same: npt.NDArray[np.bool_] = (keys[:, None] == keys[None, :]) & (
        dx * dx + dy * dy < SAME_PLACE_M**2
    )
    return same
