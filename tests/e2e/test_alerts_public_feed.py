"""The public /alerts page and feeds through the local stack (stage path /prod): the list,
one alert by its address (the link the feeds and CAP documents carry), English and Spanish,
and axe at 375 px. The sent alerts come from an in-memory `SentAlerts` put in place of the
alerts table's adapter (rtcc.alerts.feed.use_feed_sources): the routes, page and catalogs
are the real ones."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from rtcc.alerts import feed
from rtcc.alerts.cap import ATOM_NS, CapPublisher
from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.zones import ZoneMap

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations

pytestmark = pytest.mark.e2e

SENT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def _alert(alert_id: str, sent_at: datetime | None, tier: Tier, en: str, es: str) -> Alert:
    return Alert(
        alert_id=alert_id,
        tier=tier,
        headline={"en": en, "es": es},
        texts={"en": f"{en}. Avoid the area.", "es": f"{es}. Evite la zona."},
        zones=("downtown", "zip:01013"),
        categories=("traffic",),
        sent_at=sent_at,
        expires_at=None,
        sender="sgt.never-public",
    )


@pytest.fixture
def published(local_stack: Any):
    store = feed.InMemorySentAlerts(
        [
            _alert("evt-road", SENT, Tier.ADVISORY, "Main St closed", "Calle Main cerrada"),
            _alert(
                "evt-fire", SENT + timedelta(minutes=1), Tier.EMERGENCY, "Fire on Elm St", "Incendio en Elm"
            ),
            _alert("evt-draft", None, Tier.EMERGENCY, "Not approved yet", "Sin aprobar"),
        ]
    )
    publisher = CapPublisher("alerts@springfield.example", "Springfield Police", local_stack.base_url)
    before = feed._factory
    feed.use_feed_sources(lambda: feed.FeedSources(store, ZoneMap.demo(), publisher))
    yield store
    feed.use_feed_sources(before)


def test_the_list_and_one_alert_in_english_at_375(new_page, local_stack, published, screenshot) -> None:
    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/alerts")
    items = page.locator("#alerts-list li")
    expect(items).to_have_count(2)  # the unapproved one is not public
    expect(items.first).to_contain_text("Fire on Elm St")
    expect(items.first).to_contain_text("Emergency")
    assert horizontal_overflow(page) == 0
    screenshot(page, "alerts-public-list-phone")
    items.nth(1).locator("a").click()
    expect(page.locator("#alert-headline")).to_have_text("Main St closed")
    expect(page.locator("#alert-detail .alert-text")).to_have_text("Main St closed. Avoid the area.")
    expect(page.locator("#alert-detail .alert-areas")).to_contain_text("Downtown, ZIP 01013")
    assert "sgt.never-public" not in page.content()
    cap = page.locator("#alert-detail a[type='application/cap+xml']").get_attribute("href")
    assert cap == f"{local_stack.base_url}/api/public/alerts/sent/evt-road.cap.xml"
    assert page.request.get(cap).status == 200
    page.click("#alerts-all")
    expect(items).to_have_count(2)


def test_a_spanish_reader_opens_the_feed_link_and_switches(new_page, local_stack, published) -> None:
    atom = page_request_text(new_page, local_stack.base_url + "/api/public/alerts/feed.atom")
    links = [
        link.get("href")
        for link in ET.fromstring(atom).iter(f"{{{ATOM_NS}}}link")
        if link.get("hreflang") == "es"
    ]
    assert links[0] == f"{local_stack.base_url}/alerts?lang=es#evt-fire"
    page = new_page(PHONE, locale="es-MX")
    page.goto(links[0])
    expect(page.locator("#alert-headline")).to_have_text("Incendio en Elm")
    expect(page.locator("#alert-detail .alert-tier")).to_have_text("Emergencia")
    expect(page.locator("h1")).to_have_text("Alertas comunitarias")
    page.select_option("#language-switch", "en")
    expect(page.locator("#alert-headline")).to_have_text("Fire on Elm St")  # re-read in English
    page.goto(local_stack.base_url + "/alerts#nope")
    expect(page.locator(".message-error")).to_contain_text("no published alert")


def page_request_text(new_page, url: str) -> str:
    page = new_page(PHONE)
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"].startswith("application/atom+xml")
    return response.text()


@pytest.mark.parametrize("where", ["", "#evt-fire"])
def test_public_alerts_page_has_no_wcag_violations_at_375(new_page, local_stack, published, where) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    for locale in ("en-US", "es-MX"):
        page = new_page(PHONE, locale=locale)
        page.goto(local_stack.base_url + "/alerts" + where)
        page.wait_for_selector("#alerts-list, #alert-detail")
        assert violations(page) == []
