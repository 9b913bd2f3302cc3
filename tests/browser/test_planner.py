from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HubThread, shot

pytestmark = pytest.mark.browser


def pick(page: Any, field: str, text: str, *, keyboard: bool) -> str:
    """Type into a place field and choose the first suggestion; returns its name."""
    box = page.locator(f"#{field}")
    box.click()
    box.press_sequentially(text, delay=20)
    first = page.locator(f"#{field}-list [role=option]").first
    expect(first).to_be_visible()
    name: str = first.locator(".hub-option__name").inner_text()
    if keyboard:
        box.press("ArrowDown")
        expect(box).to_have_attribute("aria-activedescendant", f"{field}-list-option-0")
        box.press("Enter")
    else:
        first.click()
    expect(page.locator(f"#{field}-list")).to_be_hidden()
    expect(box).to_have_value(name)
    return name


def test_plan_a_trip_see_cards_and_the_map_line(page: Any, hub: HubThread) -> None:
    page.goto(f"{hub.url}/?lang=en")
    expect(page.locator("#when")).to_have_value("2019-05-14T14:00")  # the demo clock
    origin = pick(page, "from", "mercado", keyboard=True)
    # Accents and case forgiven by the places API: ESTACAO FARRAPOS, the Trensurb station.
    destination = pick(page, "to", "Estação Farrapos", keyboard=False)
    assert "MERCADO" in origin.upper() and destination.upper() == "ESTACAO FARRAPOS"
    page.get_by_role("button", name="Search").click()

    cards = page.locator("#itineraries .hub-card")
    expect(cards.first).to_be_visible()
    expect(page.locator("#status")).to_have_text(re.compile(r"\d+ itinerar(y|ies) found"))
    expect(page.locator(".leaflet-overlay-pane path.hub-line").first).to_be_attached()
    # A train or bus ride among the cards, its badge in the feed's colours.
    expect(page.locator("#itineraries .hub-card .hub-badge").first).to_be_visible()
    first = cards.first
    expect(first.locator(".hub-card__times")).to_have_text(re.compile(r"^\d\d:\d\d – \d\d:\d\d$"))
    first.locator("summary", has_text="Details").click()
    expect(first.locator(".hub-leg").first).to_be_visible()
    shot(page, "planner-results")

    # The URL now holds the search: loading it again runs it again.
    assert "from=" in page.url and "to=" in page.url and "depart=2019-05-14T14%3A00" in page.url
    page.goto(page.url)
    expect(page.locator("#itineraries .hub-card").first).to_be_visible()
    expect(page.locator("#from")).to_have_value(origin)
    assert page.errors == []


def test_phone_layout_in_french(browser: Any, hub: HubThread) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(f"{hub.url}/")
        expect(page.locator("h1")).to_have_text("Préparer un trajet")
        expect(page.get_by_role("combobox", name="Départ")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "nothing wider than the phone's screen"
        # Keyboard users land on the skip link first, then the origin field.
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
        shot(page, "planner-phone-fr")
    finally:
        context.close()
