"""The public /transparency page in real Chromium against the local stack: phone-first, in
English and in Spanish from the catalogs (a Spanish browser gets Spanish; the switch turns
month names and numbers too), this month's counts shown, nothing identifying on it, and
axe-clean (WCAG 2.1 A/AA) at phone and desk widths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP, PHONE
from tests.e2e.test_accessibility import AXE, violations
from tests.integration.lpr.test_lpr_hit_record import hit, make_list, make_reader, record

pytestmark = pytest.mark.e2e


@pytest.fixture
def counted(local_stack: Any) -> None:
    """A hit this month (and its read counted), so the month has a card."""
    from rtcc.local.iam.identity import acting_as
    from rtcc.lpr.counts_dynamodb import DynamoCounts

    made = hit(make_list(), make_reader(), datetime.now(UTC) - timedelta(seconds=30), plate="PGE5150")
    record([made])
    with acting_as("lpr-ingest"):
        DynamoCounts().reads([made.read])


def open_page(new_page: Any, local_stack: Any, viewport: dict, locale: str) -> Any:
    page = new_page(viewport=viewport, locale=locale)
    page.goto(local_stack.base_url + "/transparency")
    page.wait_for_selector(".transparency-month")
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desk"])
def test_the_page_in_english(new_page: Any, local_stack: Any, counted: None, viewport: dict) -> None:
    page = open_page(new_page, local_stack, viewport, "en-US")
    assert page.title() == "Plate reader transparency"
    assert "deleted 30 days after" in page.inner_text("#transparency-app")
    month = datetime.now(UTC).strftime("%B %Y")
    card = page.locator(".transparency-month", has=page.locator(f"h2:text-is('{month}')"))
    assert card.locator("dt:text-is('Hotlist hits') + dd").inner_text() != "0"
    assert "PGE5150" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    if AXE.exists():
        assert violations(page) == []


def test_the_page_in_spanish_and_the_switch(new_page: Any, local_stack: Any, counted: None) -> None:
    page = open_page(new_page, local_stack, PHONE, "es-MX")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.inner_text("h1") == "Transparencia de los lectores de placas"
    assert "Coincidencias con listas" in page.inner_text("#transparency-app")
    if AXE.exists():
        assert violations(page) == []
    page.select_option("#language-switch", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    month = datetime.now(UTC).strftime("%B %Y")
    page.wait_for_selector(f".transparency-month h2:text-is('{month}')")
    assert page.inner_text("h1") == "Plate reader transparency"
    if AXE.exists():
        assert violations(page) == []
