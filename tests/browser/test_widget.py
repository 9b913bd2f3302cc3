from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HubThread, PageServer, shot

pytestmark = pytest.mark.browser

# The employer's own page, with CSS that would wreck any widget it could reach.
CAREERS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Careers</title>
<style>* {{ color: #ff00ff !important; font-size: 40px !important; }}
input, button {{ display: none !important; }}</style></head>
<body><h1>Join our team</h1>
{snippet}
</body></html>
"""


@pytest.fixture(scope="module")
def careers_page(hub: HubThread, page_server: PageServer) -> str:
    with urllib.request.urlopen(f"{hub.url}/widget/snippet?employer=hospital&site=main") as answer:
        snippet = json.load(answer)
    (page_server.root / "careers.html").write_text(
        CAREERS.format(snippet=snippet["script"] + "\n" + snippet["iframe"]), encoding="utf-8"
    )
    return "careers.html"


def test_widget_plans_the_commute_on_the_employers_page(
    page: Any, hub: HubThread, page_server: PageServer, careers_page: str
) -> None:
    page.goto(f"{page_server.origin}/{careers_page}")
    widget = page.locator("hub-planner")
    title = "Your commute to Hospital do Teste, main entrance"
    expect(widget.get_by_role("heading", name=title)).to_be_visible()
    origin = widget.get_by_role("combobox")
    expect(origin).to_be_visible()  # the page's `input {display: none}` cannot reach it
    expect(widget.locator("input[type=datetime-local]")).to_have_value("2019-05-14T15:00")
    origin.press_sequentially("farrapos", delay=20)
    widget.locator("[role=option]").first.click()
    widget.get_by_role("button", name="Search").click()
    card = widget.locator(".hub-card").first
    expect(card).to_be_visible()
    arrival = card.locator(".hub-card__times").inner_text()[-5:]
    assert re.fullmatch(r"\d\d:\d\d", arrival) and arrival <= "15:00"  # in time for the shift
    # The same widget in an iframe, for pages that cannot run scripts.
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name=title)).to_be_visible()
    shot(page, "widget-allowed")
    assert page.errors == []


def test_widget_is_refused_on_another_origin(
    page: Any, hub: HubThread, page_server: PageServer, careers_page: str
) -> None:
    page.goto(f"{page_server.other_origin}/{careers_page}")
    refusal = page.locator("hub-planner [role=alert]")
    expect(refusal).to_contain_text("This journey planner is not enabled on this website.")
    expect(refusal).to_contain_text(page_server.other_origin)
    assert page.locator("hub-planner").get_by_role("combobox").count() == 0
    shot(page, "widget-refused")


def test_builder_updates_the_snippet_and_the_live_preview(page: Any, hub: HubThread) -> None:
    page.goto(f"{hub.url}/widget/builder?lang=en")
    preview = page.locator("#preview hub-planner")
    heading = "Your commute to Hospital do Teste, main entrance"
    expect(preview.get_by_role("heading", name=heading)).to_be_visible()
    page.get_by_label("Site").select_option("farrapos")
    other = "Your commute to Hospital do Teste, Farrapos clinic"
    expect(preview.get_by_role("heading", name=other)).to_be_visible()
    expect(page.locator("#script-snippet")).to_have_value(re.compile('destination="trensurb:FR"'))
    expect(preview.locator("input[type=datetime-local]")).to_have_value("2019-05-14T16:00")
    assert "site=farrapos" in page.url
    shot(page, "builder")
