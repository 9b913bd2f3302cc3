from __future__ import annotations

import re

import pytest

from hub.web.i18n import TEXTS, choose_lang, find_lang, negotiate
from hub.web.render import TEMPLATES
from hub.web.state import WEB_ROOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_language_has_every_text_with_the_same_placeholders() -> None:
    english, french = TEXTS["en"], TEXTS["fr"]
    assert set(english) == set(french)
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(french[key])), key
        assert text.strip() and french[key].strip(), key


def test_every_text_the_scripts_and_templates_use_exists() -> None:
    used: set[str] = set()
    for script in (WEB_ROOT / "src").glob("*.js"):
        source = script.read_text(encoding="utf-8")
        used.update(re.findall(r"\bt\('([a-z0-9_]+)'", source))
        used.update(f"{key}_n" for key in re.findall(r"\bt\.count\('([a-z0-9_]+)'", source))
    for template in TEMPLATES.glob("*.html"):
        used.update(re.findall(r"\{\{\s*t\.([a-z0-9_]+)\s*\}\}", template.read_text("utf-8")))
    assert len(used) > 30
    assert used <= set(TEXTS["en"]), used - set(TEXTS["en"])
    # Keys built at run time: every mode, tag, no-result reason and place kind of the API.
    for prefix, names in {
        "mode_": ("walk", "bike", "transit", "bus", "subway", "rail", "tram", "ferry"),
        "tag_": ("fastest", "fewest_transfers", "least_walking", "walk_only", "wheelchair"),
        "reason_": ("outside_network", "no_service_that_day", "nothing_within_limits"),
        "kind_": ("station", "stop", "place", "street", "address"),
    }.items():
        for name in names:
            assert f"{prefix}{name}" in TEXTS["en"]


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-CA,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("pt-BR,pt;q=0.9,fr;q=0.7,en;q=0.6", "fr"),
        ("en;q=0.5,fr;q=0.5", "en"),  # equal weights: the first listed
        ("fr;q=0,en;q=0.1", "en"),  # q=0 means "not this one"
        ("fr;q=abc", "en"),
        ("de,*;q=0.1", "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_query_language_wins_over_the_browser() -> None:
    assert find_lang("FR_fr") == "fr" and find_lang("pt") is None
    assert choose_lang("en", "fr", "fr") == "en"
    assert choose_lang("pt", "de", "fr") == "fr"
