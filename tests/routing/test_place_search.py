"""Place search on small inline gazetteers: normalisation, typos, ranking, reverse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.gazetteer import KINDS, Gazetteer
from routing.place_fuzzy import FuzzyVocabulary, deletions, max_edits, osa_distance
from routing.place_search import nearest, place_index, search
from routing.place_text import name_tokens, normalize, tokens


def gazetteer(*rows: tuple[str, str, float, float]) -> Gazetteer:
    """(name, kind, lat, lon) rows as a gazetteer, one point each, no lines."""
    n = len(rows)
    return Gazetteer(
        network_version="test",
        names=tuple(r[0] for r in rows),
        refs=tuple(f"t:{i}" for i in range(n)),
        kind=np.array([KINDS.index(r[1]) for r in rows], dtype=np.int8),
        lat=np.array([r[2] for r in rows]),
        lon=np.array([r[3] for r in rows]),
        importance=np.zeros(n, dtype=np.float32),
        point_ptr=np.arange(n + 1, dtype=np.int32),
        point_lat=np.array([r[2] for r in rows]),
        point_lon=np.array([r[3] for r in rows]),
        line_ptr=np.zeros(n + 1, dtype=np.int32),
        line_route=np.empty(0, np.int32),
    )


def names(gaz: Gazetteer, query: str) -> list[str]:
    return [gaz.names[m.entry] for m in search(place_index(gaz), query)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Estação São-Pedro!", "estacao sao pedro"),
        ("ESTACAO SAO PEDRO", "estacao sao pedro"),
        ("Hôtel de Ville", "hotel de ville"),
        ("Straße  Œuvre/Ærø", "strasse oeuvre aero"),
        ("  ...  ", ""),
    ],
)
def test_normalize_drops_accents_case_and_punctuation(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_abbreviations_add_the_full_word() -> None:
    assert name_tokens("PROF OSCAR PEREIRA") == ("prof", "oscar", "pereira", "professor")
    assert tokens("Av. Ipiranga, 1200") == ("av", "ipiranga", "1200")


def test_accents_and_case_are_ignored_both_ways() -> None:
    gaz = gazetteer(
        ("ESTACAO SAO PEDRO", "stop", -30.0, -51.2),
        ("Hôtel de Ville", "place", 50.63, 3.06),
        ("Rua São Pedro", "street", -30.1, -51.2),
    )
    assert names(gaz, "estação são pedro")[0] == "ESTACAO SAO PEDRO"
    assert names(gaz, "hotel de ville") == ["Hôtel de Ville"]
    assert names(gaz, "HÔTEL-DE-VILLE") == ["Hôtel de Ville"]


def test_typos_prefixes_and_ranking_by_match_quality() -> None:
    gaz = gazetteer(
        ("ESTACAO RODOVIARIA", "stop", -30.02, -51.21),
        ("Rua Rodolfo Teixeira", "street", -30.05, -51.20),
        ("Mercado Público", "place", -30.027, -51.227),
    )
    assert names(gaz, "rodovaria") == ["ESTACAO RODOVIARIA"]  # one letter missing
    assert names(gaz, "rodoivaria") == ["ESTACAO RODOVIARIA"]  # two letters swapped
    assert names(gaz, "mercdao publico") == ["Mercado Público"]
    # Typing: "rod" is a prefix of both; the exact "estacao" ranks the station first.
    assert set(names(gaz, "rod")) == {"ESTACAO RODOVIARIA", "Rua Rodolfo Teixeira"}
    assert names(gaz, "estacao rod") == ["ESTACAO RODOVIARIA"]
    assert names(gaz, "rodokf") == ["Rua Rodolfo Teixeira"]  # a typo in the word being typed
    assert names(gaz, "zzzz") == []
    assert names(gaz, "!!") == []


def test_proximity_orders_equal_matches_and_close_duplicates_are_shown_once() -> None:
    gaz = gazetteer(
        ("JUCA BATISTA", "stop", -30.20, -51.20),
        ("JUCA BATISTA", "stop", -30.2001, -51.2001),  # 15 m away: the same place
        ("JUCA BATISTA", "stop", -30.10, -51.20),  # 11 km north
    )
    far_south = search(place_index(gaz), "juca batista", near=(-30.25, -51.2))
    assert [m.entry for m in far_south][1] == 2 and len(far_south) == 2
    north = search(place_index(gaz), "juca batista", near=(-30.09, -51.2))
    assert north[0].entry == 2 and north[0].distance_m == pytest.approx(1112, rel=0.01)
    assert north[0].score > north[1].score


def test_stopwords_may_be_left_out_or_added() -> None:
    gaz = gazetteer(("Rua dos Andradas", "street", -30.03, -51.23))
    assert names(gaz, "rua andradas") == ["Rua dos Andradas"]
    assert names(gaz, "rua de andradas") == ["Rua dos Andradas"]


def test_nearest_lists_places_by_distance() -> None:
    gaz = gazetteer(
        ("A", "stop", -30.0, -51.0),
        ("B", "street", -30.001, -51.0),
        ("C", "place", -30.1, -51.0),
    )
    found = nearest(place_index(gaz), -30.0002, -51.0, limit=5, max_distance_m=1000)
    assert [gaz.names[m.entry] for m in found] == ["A", "B"]
    first, second = found[0].distance_m, found[1].distance_m
    assert first is not None and second is not None and first < second
    assert nearest(place_index(gaz), 0.0, 0.0) == []


def _reference_osa(a: str, b: str) -> int:
    """Textbook optimal string alignment distance (full table), the oracle."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = int(a[i - 1] != b[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


words = st.text(alphabet="abcde", min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(st.lists(words, min_size=1, max_size=25, unique=True), words)
def test_similar_finds_exactly_the_words_within_the_edit_budget(
    vocabulary: list[str], query: str
) -> None:
    vocab = FuzzyVocabulary.build(sorted(vocabulary))
    limit = max_edits(len(query))
    expected = {
        (i, _reference_osa(query, w))
        for i, w in enumerate(vocab.words)
        if 0 < _reference_osa(query, w) <= limit
    }
    assert set(vocab.similar(query)) == expected


@given(words, words)
def test_osa_distance_matches_the_reference_up_to_its_limit(a: str, b: str) -> None:
    reference = _reference_osa(a, b)
    assert osa_distance(a, b, 2) == min(reference, 3)


def test_deletions_include_the_word_and_each_shorter_form() -> None:
    assert deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert deletions("ab", 2) == {"ab", "a", "b"}
