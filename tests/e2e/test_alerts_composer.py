"""The supervisors' alert composer and delivery view at 375 px: live segment counts, the
10-segment refusal, reach preview, send, the per-zone counts updating, cancel; axe clean.

Most tests stub the alerts API (/api/alerts... and the zones) with Playwright route
interception, following its contract (preview -> {reach, segments}, POST -> an alert,
GET /api/alerts/<id> -> {alert, counts per zone}), so they can set exact counts and states;
the last one sends through the local stack's real API to a resident subscribed by text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations

pytestmark = pytest.mark.e2e


def _square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


ZONES = {
    "program": "City Alerts",
    "zones": [
        {
            "id": "downtown",
            "name": "Downtown",
            "kind": "neighborhood",
            "outline": _square(-72.60, 42.10, 0.01),
        },
        {"id": "zip:01013", "name": "01013", "kind": "zip", "outline": None},
        {"id": "ward-1", "name": "Ward 1", "kind": "ward", "outline": _square(-72.62, 42.08, 0.05)},
    ],
    "categories": [],
    "tiers": ["emergency", "advisory", "community"],
}


def _alert(status: str = "sending") -> dict:
    return {
        "alert_id": "a-20261201-x1",
        "status": status,
        "tier": "advisory",
        "headline": {"en": "Road closed"},
        "texts": {"en": "Main St closed."},
        "zones": ["downtown"],
        "categories": ["traffic"],
        "sender": "supervisor",
        "created_at": "2026-12-01T20:15:00Z",
        "sent_at": "2026-12-01T20:15:00Z",
        "expires_at": None,
        "recipients": 3,
        "approved_by": None,
        "cancelled_by": None,
    }


def _counts(delivered: int) -> dict:
    row = {"queued": 3 - delivered, "sent": delivered, "delivered": delivered}
    return {"downtown": {**dict.fromkeys(("undelivered", "failed", "cancelled", "unknown"), 0), **row}}


class StubAlertsApi:
    """/api/alerts... as the contract says; records what the page sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.polls = 0
        self.cancelled = False
        self.unqueued = 0  # recipients whose pages the queue refused

    def handle(self, route: Any) -> None:
        request = route.request
        path = re.sub(r"^.*?/api/", "/api/", request.url.split("?")[0])
        body = json.loads(request.post_data) if request.post_data else None
        self.requests.append((request.method, path, body))
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps(self.answer(request.method, path))
        )

    def answer(self, method: str, path: str) -> dict:
        if path == "/api/public/alerts/zones":
            return ZONES
        if path == "/api/alerts/preview":
            return {"reach": 3, "segments": {"en": 1}}
        if path == "/api/alerts" and method == "POST":
            return _alert()
        if path == "/api/alerts":
            return {"alerts": []}
        if path.endswith("/cancel"):
            self.cancelled = True
            return _alert("cancelled")
        self.polls += 1
        status = "cancelled" if self.cancelled else "sending"
        counts = _counts(min(self.polls - 1, 3))
        settled = status == "sending" and not self.unqueued and counts["downtown"]["queued"] == 0
        alert = {**_alert(status), "unqueued": self.unqueued}
        return {"alert": alert, "counts": counts, "settled": settled}


@pytest.fixture
def composer(new_page, sign_in) -> tuple[Any, StubAlertsApi]:
    stub = StubAlertsApi()
    page = new_page(PHONE)
    page.route(re.compile(r".*/api/(alerts|public/alerts/zones)(/.*)?(\?.*)?$"), stub.handle)
    sign_in(page, "supervisor")
    page.click("#nav a[data-view=alerts]")
    page.wait_for_selector("#alerts-composer")
    return page, stub


def test_the_counter_follows_the_text_and_refuses_eleven_segments(composer) -> None:
    page, stub = composer
    count = page.locator("#alert-count-en")
    page.fill("#alert-text-en", "a" * 160)
    expect(count).to_contain_text("1 segment · GSM-7 · 160")
    page.fill("#alert-text-en", "a" * 161)
    expect(count).to_contain_text("2 segments · GSM-7")
    page.fill("#alert-text-en", "Calle cerrada 🚧")  # an emoji: the whole text is UCS-2
    expect(count).to_contain_text("1 segment · UCS-2")
    page.locator("#alert-text-en").press_sequentially("x")  # typed, not pasted: live per key
    expect(count).to_contain_text("UCS-2 · 17 characters")  # the emoji counts 2 UTF-16 units

    page.check("#alert-zones-0")
    page.fill("#alert-text-en", "a" * (153 * 10 + 1))  # 11 GSM-7 segments
    expect(count).to_contain_text("Too long: 11 segments")
    expect(page.locator("#alert-text-en")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#alert-send")).to_be_disabled()
    page.click("#alert-preview")
    expect(page.locator(".message-error")).to_contain_text("over 10 segments")
    assert [r for r in stub.requests if r[1].startswith("/api/alerts/preview") or r[0] == "POST"] == []
    page.fill("#alert-text-en", "a" * (153 * 10))  # exactly 10: allowed
    expect(count).to_contain_text("10 segments")
    expect(page.locator("#alert-send")).to_be_enabled()


def test_a_supervisor_previews_sends_watches_and_cancels(composer, screenshot) -> None:
    page, stub = composer
    assert horizontal_overflow(page) == 0
    page.check("#alert-tier-1")  # Advisory
    page.check("#alert-zones-0")
    page.check("#alert-categories-1")  # traffic
    page.fill("#alert-headline-en", "Road closed")
    page.fill("#alert-text-en", "Main St closed until 6pm.")
    page.fill("#alert-text-es", "Calle Main cerrada hasta las 6pm.")
    page.click("#alert-preview")
    expect(page.locator("#alert-reach")).to_have_text("Reaches 3 residents now.")
    screenshot(page, "alerts-composer-phone")
    page.click("#alert-send")
    page.wait_for_url(re.compile(r"#/alerts/a-20261201-x1$"))
    sent = next(body for method, path, body in stub.requests if (method, path) == ("POST", "/api/alerts"))
    assert sent == {
        "tier": "advisory",
        "zones": ["downtown"],
        "categories": ["traffic"],
        "texts": {"en": "Main St closed until 6pm.", "es": "Calle Main cerrada hasta las 6pm."},
        "headline": {"en": "Road closed"},
    }
    delivered = page.locator("#alert-counts tbody tr").first.locator("td[data-status=delivered]")
    expect(delivered).to_have_text("2", timeout=12_000)  # polled every 2.5 s: counts move on
    expect(page.locator("#alert-counts tfoot td[data-status=queued]")).to_have_text("1")
    assert horizontal_overflow(page) == 0
    screenshot(page, "alerts-delivery-phone")
    page.click("#alert-cancel")
    expect(page.locator("#alert-status")).to_have_text("cancelled")
    assert ("POST", "/api/alerts/a-20261201-x1/cancel", None) in stub.requests
    expect(page.locator("#alert-cancel")).to_have_count(0)


def test_a_settled_alert_reads_sent_and_refused_pages_are_named(composer) -> None:
    page, stub = composer
    stub.polls = 10  # every recipient settled
    page.evaluate("location.hash = '#/alerts/a-20261201-x1'")
    expect(page.locator("#alert-status")).to_have_text("sent")
    expect(page.locator("#alert-cancel")).to_have_text("Withdraw alert (publish a cancellation)")
    expect(page.locator("#alert-unqueued")).to_have_count(0)
    stub.unqueued = 2  # the queue refused two recipients' page: not done, and said so
    expect(page.locator("#alert-unqueued")).to_have_text(
        "2 recipients not queued: send the same alert again to queue them.", timeout=6_000
    )
    expect(page.locator("#alert-status")).to_have_text("sending")
    expect(page.locator("#alert-cancel")).to_have_text("Cancel remaining sends")


def test_zones_are_picked_on_the_drawing_or_in_the_list(composer) -> None:
    page, _ = composer
    expect(page.locator("#alert-zone-map path")).to_have_count(2)  # the ZIP has no shape
    page.click("#alert-zone-map path[data-zone=downtown]")  # drawn over the ward that holds it
    expect(page.locator("#alert-zones-0")).to_be_checked()
    expect(page.locator("#alert-zones-2")).not_to_be_checked()
    expect(page.locator("#alert-zone-map path[data-zone=downtown]")).to_have_class("selected")
    page.uncheck("#alert-zones-0")  # the list and the drawing stay in step
    expect(page.locator("#alert-zone-map path[data-zone=downtown]")).not_to_have_class("selected")


def test_composer_and_delivery_view_have_no_wcag_violations_at_375(composer) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    page, _ = composer
    page.fill("#alert-text-en", "a" * 1600)  # the over-long state too
    assert violations(page) == []
    page.evaluate("location.hash = '#/alerts/a-20261201-x1'")
    page.wait_for_selector("#alert-counts")
    assert violations(page) == []


def test_a_supervisor_sends_through_the_real_api_and_sees_it_delivered(
    new_page, sign_in, local_stack
) -> None:
    """No stub: the zones, preview, send and delivery view of the local stack's alerts API,
    with a resident subscribed by text; the outbox's status callbacks count it delivered."""
    from tests.integration.alerts.test_alert_sending import subscribe

    subscribe(local_stack.base_url, "98101")
    page = new_page(PHONE)
    sign_in(page, "supervisor")
    page.click("#nav a[data-view=alerts]")
    page.check("input[name=alert-zones][value='zip:98101']")
    page.fill("#alert-text-en", "Test of the alert composer: Pine St closed.")
    page.click("#alert-preview")
    expect(page.locator("#alert-reach")).to_contain_text("Reaches")
    assert "Reaches 0 " not in page.inner_text("#alert-reach")
    page.click("#alert-send")
    page.wait_for_url(re.compile(r"#/alerts/[A-Za-z0-9_-]+$"))
    total = page.locator("#alert-counts tfoot td[data-status=delivered]")
    expect(total).not_to_have_text("0", timeout=45_000)
    # One recipient, settled: the alert is done, and cancelling it now only withdraws it.
    expect(page.locator("#alert-status")).to_have_text("sent", timeout=15_000)
    expect(page.locator("#alert-cancel")).to_have_text("Withdraw alert (publish a cancellation)")
