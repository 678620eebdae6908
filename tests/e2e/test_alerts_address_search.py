"""/signup's address search in a phone's browser, through the local stack (the api function
asks `rtcc dev`'s SearchPlaceIndexForText stand-in under its deployed IAM): a resident types
part of an address in Spanish, picks it with the keyboard, and the areas it is in are
checked as a pin there would check them; Enter picks, it never submits the form; 375 px
without horizontal scrolling; axe finds no WCAG violation with the list open or after the
pick."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations

pytestmark = pytest.mark.e2e


def test_a_resident_finds_an_address_and_its_areas_are_checked(
    new_page, local_stack: Any, screenshot
) -> None:
    page = new_page(PHONE, locale="es-MX")
    page.goto(local_stack.base_url + "/signup")
    search = page.locator("#signup-address")
    expect(page.locator("#signup-address-label")).to_have_text("Buscar una dirección (opcional)")
    expect(search).to_have_attribute("role", "combobox")
    expect(search).to_have_attribute("aria-expanded", "false")

    search.press_sequentially("cobble", delay=30)
    options = page.locator("#signup-places [role='option']")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("15 Cobblestone Street")
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#signup-address-status")).to_contain_text("Direcciones encontradas: 1")
    assert horizontal_overflow(page) == 0
    screenshot(page, "signup-address-search-es-phone")
    if AXE.exists():
        assert violations(page) == []  # the open listbox counts

    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", "signup-place-0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(search).to_have_value("15 Cobblestone Street, Demo City, WA 98104, USA")
    for zone in ("old-town", "ward-1", "zip:98104"):
        expect(page.locator(f"input[name='zones'][value='{zone}']")).to_be_checked()
    expect(page.locator("input[name='zones'][value='downtown']")).not_to_be_checked()
    expect(page.locator("#signup-address-status")).to_contain_text("se marcó Old Town, Ward 1, 98104")
    # Enter picked; the form was not sent (no answer, no refusal shown).
    expect(page.locator("#signup-done")).to_have_count(0)
    expect(page.locator("#signup-form .message-error")).to_have_count(0)

    search.fill("")
    search.press_sequentially("calle que no existe", delay=10)
    expect(page.locator("#signup-address-status")).to_contain_text("No se encontró la dirección")
    assert horizontal_overflow(page) == 0
    if AXE.exists():
        assert violations(page) == []


def test_in_english_a_click_picks_an_address(new_page, local_stack: Any) -> None:
    page = new_page(PHONE, locale="en-US")
    page.goto(local_stack.base_url + "/signup")
    page.locator("#signup-address").press_sequentially("harbor way", delay=20)
    expect(page.locator("#signup-address-status")).to_contain_text("Addresses found: 2")
    page.locator("#signup-places [role='option']", has_text="300 Harbor Way").click()
    expect(page.locator("input[name='zones'][value='harbor']")).to_be_checked()
    expect(page.locator("input[name='zones'][value='ward-1']")).to_be_checked()
    expect(page.locator("#signup-address-status")).to_contain_text("checked Harbor, Ward 1")
