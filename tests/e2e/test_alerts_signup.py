"""/signup and /alerts/manage in a phone's browser: a resident signs up in Spanish at 375 px
(a foreign number refused in Spanish first), the confirmation reaches /dev/phone's outbox in
Spanish, and the texted manage link opens the subscription, changes it and deletes it; axe
finds no WCAG violation on either page in English or Spanish."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations
from tests.integration.alerts.test_alerts_signup_api import (
    age_last_texts,
    handled,
    text_alerts_line,
    texts_to,
)

pytestmark = pytest.mark.e2e


def _number() -> str:
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def test_a_resident_signs_up_in_spanish_on_a_phone(new_page, local_stack: Any, screenshot) -> None:
    number = _number()
    page = new_page(PHONE, locale="es-MX")
    page.goto(local_stack.base_url + "/signup")
    expect(page.locator("#signup-send")).to_have_text("Suscribirme")
    assert page.evaluate("document.documentElement.lang") == "es"
    expect(page.locator("#signup-disclosure")).to_contain_text("Pueden aplicarse tarifas de mensajes y datos")
    expect(page.locator("#signup-text-language")).to_have_value("es")

    # A foreign number: refused, said in Spanish, nothing sent.
    page.fill("#signup-phone", "+44 20 7946 0958")
    page.check("input[name='zones'][value='downtown']")
    page.click("#signup-send")
    expect(page.locator("#signup-form .message-error")).to_have_text(
        "Solo los números de teléfono móvil locales pueden suscribirse a estas alertas."
    )
    assert page.evaluate("document.activeElement.id") == "signup-phone"

    # By ZIP code and a pin on the grid map, advisories only.
    page.fill("#signup-phone", number[2:])
    page.fill("#signup-zip", "98104")
    page.click("#signup-location-open")
    expect(page.locator("#signup-map .tip-grid-tile").first).to_be_visible(timeout=10_000)
    page.click("#signup-map", position={"x": 160, "y": 120})
    expect(page.locator("#signup-location-status")).to_contain_text("Marcador en")
    page.uncheck("#tier-community")
    expect(page.locator("label[for='category-traffic']")).to_have_text("Tráfico y calles")
    page.check("#category-traffic")
    assert horizontal_overflow(page) == 0
    screenshot(page, "signup-es-phone")
    page.click("#signup-send")
    done = page.locator("#signup-done")
    expect(done).to_be_visible()
    expect(done.locator("h2")).to_have_text("Revise su teléfono")
    assert page.evaluate("document.activeElement.id") == "signup-done"

    handled(local_stack)  # the page's answer comes first; alert-confirm texts from the queue
    [text] = texts_to(local_stack, number)
    assert text["body"].startswith("City Alerts: responda YES") or "responda YES" in text["body"]
    assert text_alerts_line(local_stack, number, "YES").status_code == 200


def test_the_texted_link_manages_and_deletes_the_subscription(new_page, local_stack: Any) -> None:
    number = _number()
    api = local_stack.base_url + "/api/public/alerts/signup"
    body = {"phone": number, "zones": ["harbor"], "language": "en"}
    assert requests.post(api, json=body, timeout=30).status_code == 202
    handled(local_stack)  # texted from the confirmations queue (alert-confirm)
    assert text_alerts_line(local_stack, number, "YES").status_code == 200
    age_last_texts(local_stack, 11 * 60)  # a signup texts a number at most once per 10 minutes
    assert requests.post(api, json=body, timeout=30).status_code == 202
    handled(local_stack)
    [link] = [m["body"] for m in texts_to(local_stack, number) if "#t=" in m["body"]]
    url = re.search(r"\S+/alerts/manage#t=\S+", link).group(0)

    page = new_page(PHONE)
    page.goto(url)
    expect(page.locator("#manage-status")).to_have_text("You are getting alerts for the areas below.")
    assert "#" not in page.url  # the token is out of the address bar (and never sent in a URL)
    expect(page.locator("input[name='zones'][value='harbor']")).to_be_checked()
    page.check("input[name='zones'][value='old-town']")
    page.click("#manage-save")
    expect(page.locator("#manage-form .message-ok")).to_contain_text("Saved")
    page.click("#manage-delete")
    page.click("#manage-delete-confirm")
    expect(page.locator("#manage-deleted h2")).to_have_text("Your signup is deleted")
    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
@pytest.mark.parametrize("path", ["/signup", "/alerts/manage"])
def test_alerts_pages_have_no_wcag_violations(new_page, local_stack: Any, path: str, locale: str) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    page = new_page(PHONE, locale=locale)
    page.goto(local_stack.base_url + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == locale[:2]
    if path == "/signup":
        page.click("#signup-location-open")  # the open map counts too
        page.click("#signup-send")  # and an error shown
    assert violations(page) == []
