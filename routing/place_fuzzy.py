"""Typo-tolerant lookup of one word in a sorted vocabulary of place-name words.

Whole words: a symmetric-deletion index (as SymSpell) proposes the vocabulary words that
share a deletion with the query word, and an optimal-string-alignment distance confirms them
(one edit allowed from 4 letters, two from 8; a swap of neighbours is one edit). Partial
words (the last word being typed): the vocabulary's prefixes of the same length are compared
letter by letter over a byte matrix, vectorised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
I32 = npt.NDArray[np.int32]
MAX_WORD = 24
CACHE_SIZE = 8192


def max_edits(length: int) -> int:
    """Edits tolerated in a word of `length` letters: none below 4, one below 8, else two."""
    if length < 4:
        return 0
    return 1 if length < 8 else 2


def deletions(word: str, edits: int) -> set[str]:
    """Every string made by deleting at most `edits` letters of `word` (itself included)."""
    found = {word}
    for k in range(1, min(edits, len(word) - 1) + 1):
        for drop in combinations(range(len(word)), k):
            found.add("".join(c for i, c in enumerate(word) if i not in drop))
    return found


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of `a` and `b`, or ``limit + 1`` once it exceeds it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass(frozen=True, eq=False)
class FuzzyVocabulary:
    """The deletion index and the byte matrix of one vocabulary (sorted, unique words)."""

    words: tuple[str, ...]
    by_deletion: dict[str, tuple[int, ...]]
    letters: U8
    lengths: I32
    # Query words repeat (autocomplete sends every prefix): remember recent answers.
    _similar: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, words: Sequence[str]) -> FuzzyVocabulary:
        """Index `words` (the position of a word is its id)."""
        table: defaultdict[str, list[int]] = defaultdict(list)
        for number, word in enumerate(words):
            for deleted in deletions(word, max_edits(len(word))):
                table[deleted].append(number)
        letters = np.zeros((len(words), MAX_WORD), dtype=np.uint8)
        for number, word in enumerate(words):
            raw = word.encode("ascii", "replace")[:MAX_WORD]
            letters[number, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        lengths = np.array([len(w) for w in words], dtype=np.int32)
        return cls(tuple(words), {k: tuple(v) for k, v in table.items()}, letters, lengths)

    def similar(self, word: str) -> tuple[tuple[int, int], ...]:
        """(word id, edits) of the vocabulary words within `max_edits` of `word`, not itself."""
        found = self._similar.get(word)
        if found is None:
            if len(self._similar) >= CACHE_SIZE:
                self._similar.clear()
            found = self._similar[word] = self._find_similar(word)
        return found

    def _find_similar(self, word: str) -> tuple[tuple[int, int], ...]:
        limit = max_edits(len(word))
        if limit == 0:
            return ()
        candidates: set[int] = set()
        for deleted in deletions(word, limit):
            candidates.update(self.by_deletion.get(deleted, ()))
        found = []
        for number in candidates:
            edits = osa_distance(word, self.words[number], limit)
            if 0 < edits <= limit:
                found.append((number, edits))
        return tuple(sorted(found))

    def similar_prefixes(self, prefix: str) -> tuple[I32, I32]:
        """(word ids, letters changed) of words whose start differs from `prefix` in a few letters.

        Only substitutions are looked for, within `max_edits` of the prefix's length;
        exact prefixes are left out (the sorted vocabulary finds those).
        """
        limit = max_edits(len(prefix))
        if limit == 0 or len(prefix) > MAX_WORD:
            return np.empty(0, np.int32), np.empty(0, np.int32)
        query = np.frombuffer(prefix.encode("ascii", "replace"), dtype=np.uint8)
        changed = (self.letters[:, : query.size] != query).sum(axis=1)
        hit = (changed > 0) & (changed <= limit) & (self.lengths >= query.size)
        ids = np.flatnonzero(hit).astype(np.int32)
        return ids, changed[ids].astype(np.int32)
