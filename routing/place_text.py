"""Place names reduced to search tokens: accents, case and punctuation removed, both ways.

The same function reads the index's names and the user's query, so "estação são pedro"
and ``ESTACAO SAO PEDRO`` (or "hotel de ville" and "Hôtel de Ville") give the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters NFKD does not split into a base letter and a mark.
_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

# Abbreviations of street and title words in Portuguese and French place names: an indexed
# name holding one also gets the full word, so "professor oscar" finds ``PROF OSCAR PEREIRA``.
ABBREVIATIONS: dict[str, str] = {
    "av": "avenida", "r": "rua", "prof": "professor", "profa": "professora",
    "dr": "doutor", "dra": "doutora", "ten": "tenente", "gen": "general", "cel": "coronel",
    "cap": "capitao", "maj": "major", "mal": "marechal", "sgt": "sargento",
    "eng": "engenheiro", "pres": "presidente", "des": "desembargador", "dep": "deputado",
    "ver": "vereador", "sen": "senador", "pe": "padre", "sta": "santa", "sto": "santo",
    "n": "nossa", "sra": "senhora", "esc": "escola", "estr": "estrada", "tv": "travessa",
    "pca": "praca", "lgo": "largo", "vl": "vila", "jd": "jardim",
    "st": "saint", "ste": "sainte", "bd": "boulevard", "bld": "boulevard", "pl": "place",
    "ch": "chemin", "rte": "route", "imp": "impasse", "fg": "faubourg",
}  # fmt: skip

# Words a query may hold that a name need not: ignored when nothing matches them.
STOPWORDS: frozenset[str] = frozenset(
    {"de", "da", "do", "das", "dos", "e", "a", "o", "la", "le", "les", "du", "des", "d", "l",
     "et", "en", "the", "of", "and", "y", "del"}
)  # fmt: skip


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lower-case ASCII words of `text` separated by single spaces ("São-Pedro!" -> "sao pedro")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", stripped.translate(_LETTERS)).strip()


def tokens(text: str) -> tuple[str, ...]:
    """The words of `text` after `normalize`, in order."""
    return tuple(normalize(text).split())


def name_tokens(text: str) -> tuple[str, ...]:
    """The words an indexed name is found by: its own, then the expansions of abbreviations."""
    words = tokens(text)
    extra = tuple(ABBREVIATIONS[w] for w in words if w in ABBREVIATIONS)
    return words + tuple(w for w in dict.fromkeys(extra) if w not in words)
