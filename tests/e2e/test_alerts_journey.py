"""Issue 10's journey in real Chromium through the local stack, every function under its
deployed IAM: a resident signs up on /signup in Spanish, confirms YES from /dev/phone on the
alerts line, a supervisor sends an alert to that zone from the console (texts in English and
Spanish), the phone gets the Spanish text and the delivery view counts it delivered; after
STOP the next alert to the zone does not reach the phone, and a tip texted afterwards to the
tip line is still answered.

The test only watches what arrives at /dev/phone (polled with a timeout): how the stack sends
a text (from the API, a queue, a sender function) is not its business."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.integration.alerts.test_alert_sending import subscribe
from tests.integration.alerts.test_alerts_signup_api import texts_to

pytestmark = pytest.mark.e2e

ZONE = "riverside"
#: A tip's code in the tip line's acknowledgement, whatever the language it is said in.
TIP_CODE = re.compile(r"\bT-[2-9A-HJKMNP-Z]{4,8}\b")


def _number() -> str:
    # A valid US number (phonenumbers refuses the 555 area code /dev/phone invents).
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def _alerts_texts(phone: Any) -> Any:
    """What the alerts line sent to the phone, as /dev/phone shows it from the outbox."""
    return phone.locator("#thread li[data-source='outbox'][data-line='alerts']")


def _sign_up_in_spanish(new_page: Any, base: str, number: str) -> None:
    page = new_page(PHONE, locale="es-MX")
    page.goto(base + "/signup")
    expect(page.locator("#signup-send")).to_have_text("Suscribirme")
    page.fill("#signup-phone", number[2:])  # as a resident types it: no country code
    page.check(f"input[name='zones'][value='{ZONE}']")
    expect(page.locator("#signup-text-language")).to_have_value("es")
    assert horizontal_overflow(page) == 0
    page.click("#signup-send")
    expect(page.locator("#signup-done h2")).to_have_text("Revise su teléfono")


def _text_from_phone(phone: Any, line: str, body: str, answer: str | re.Pattern[str]) -> None:
    """Send `body` to `line` from /dev/phone and wait for the answer to show on the phone,
    as the webhook's TwiML reply or as a text sent later: the test does not care which."""
    phone.select_option("#line", line)
    phone.fill("#body", body)
    phone.click("#send")
    expect(phone.locator("#thread li.me").filter(has_text=body).last).to_be_visible()
    expect(phone.locator("#thread li.them").filter(has_text=answer)).not_to_have_count(0, timeout=60_000)


def _compose_and_send(console: Any, headline: str, en: str, es: str) -> str:
    """The supervisor's composer: Advisory to ZONE in English and Spanish; the alert's id."""
    console.evaluate("location.hash = '#/alerts'")
    console.wait_for_selector("#alerts-composer")
    console.check("#alert-tier-1")  # Advisory
    console.check(f"input[name=alert-zones][value='{ZONE}']")
    console.fill("#alert-headline-en", headline)
    console.fill("#alert-text-en", en)
    console.fill("#alert-text-es", es)
    console.click("#alert-preview")
    expect(console.locator("#alert-reach")).to_contain_text("Reaches")
    console.click("#alert-send")
    console.wait_for_url(re.compile(r"#/alerts/[A-Za-z0-9_-]+$"))
    return console.url.rsplit("/", 1)[-1]


def _cells_on_one_line(console: Any) -> list[str]:
    """The delivery table's cells whose text the browser broke over several lines (at 375 px
    a squeezed column breaks "delivered" letter by letter): should be none."""
    return console.evaluate(
        """() => [...document.querySelectorAll('#alert-counts th, #alert-counts td')].filter((cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
        }).map((cell) => cell.textContent)"""
    )


def _settled(console: Any) -> None:
    """Wait until the delivery view has nothing queued or merely sent for the alert."""
    total = console.locator("#alert-counts tfoot")
    expect(total.locator("td[data-status=queued]")).to_have_text("0", timeout=90_000)
    expect(total.locator("td[data-status=delivered]")).not_to_have_text("0", timeout=60_000)

    def in_flight() -> int:
        sent = int(total.locator("td[data-status=sent]").inner_text())
        settled = sum(
            int(total.locator(f"td[data-status={s}]").inner_text()) for s in ("delivered", "undelivered")
        )
        return sent - settled

    deadline = time.monotonic() + 60
    while in_flight() > 0:  # sent counts every accepted text; its callbacks settle it
        assert time.monotonic() < deadline, "the delivery view never settled every sent text"
        console.wait_for_timeout(1000)


def test_a_resident_signs_up_gets_the_spanish_alert_stops_and_can_still_tip(
    new_page, sign_in, local_stack, screenshot
) -> None:
    base = local_stack.base_url
    number = _number()
    _sign_up_in_spanish(new_page, base, number)

    # The confirmation arrives on the phone, from the alerts line, in Spanish.
    phone = new_page(PHONE)
    phone.goto(f"{base}/dev/phone?from={number.replace('+', '%2B')}")
    expect(phone.locator("#line option[value='alerts']")).to_have_count(1)
    texts = _alerts_texts(phone)
    expect(texts.first).to_contain_text("responda YES para recibir alertas", timeout=60_000)
    expect(texts.first).to_contain_text("Pueden aplicarse tarifas de mensajes y datos")
    # Delivered, as Twilio would have it, however it was sent (no one need ask for callbacks).
    expect(texts.first.locator("small")).to_contain_text("Alerts line · delivered", timeout=15_000)
    _text_from_phone(phone, "alerts", "YES", "su suscripción a las alertas de Riverside está activa")
    screenshot(phone, "journey-phone-confirmed")

    console = new_page(PHONE)  # a supervisor sends from a phone
    sign_in(console, "supervisor")
    stamp = f"{time.time():.0f}"
    spanish = f"Inundación en Riverside: evite la calle del río ({stamp})."
    _compose_and_send(console, "Flooding", f"Flooding in Riverside: avoid River St ({stamp}).", spanish)
    alert = texts.filter(has_text=spanish)
    expect(alert).to_have_count(1, timeout=90_000)
    assert texts.filter(has_text=f"Flooding in Riverside: avoid River St ({stamp})").count() == 0
    expect(alert.locator("small")).to_contain_text("delivered", timeout=30_000)
    _settled(console)
    reach = re.search(r"· (\d+) (recipients?) ·", console.inner_text("#alert-delivery-head"))
    assert reach and (reach.group(1) == "1") == (reach.group(2) == "recipient"), reach
    assert horizontal_overflow(console) == 0  # the table scrolls in its own region
    assert _cells_on_one_line(console) == []
    screenshot(console, "journey-delivery-view")

    _text_from_phone(phone, "alerts", "STOP", "ya no recibirá alertas")
    received = texts.count()

    # A neighbour still subscribed: the second alert does go out, and settles, without the phone.
    neighbour = subscribe(base, ZONE.upper())
    second = f"Riverside: el agua ha bajado ({stamp})."
    _compose_and_send(console, "All clear", f"Riverside: the water is down ({stamp}).", second)
    _settled(console)
    assert [m["body"] for m in texts_to(local_stack, neighbour) if stamp in m["body"]] == [
        f"Riverside: the water is down ({stamp})."
    ]
    phone.wait_for_timeout(3000)  # two polls of /dev/phone's outbox
    assert texts.count() == received, f"a text reached {number} after STOP"
    assert not [m for m in texts_to(local_stack, number) if "el agua ha bajado" in m["body"]]

    _text_from_phone(phone, "tips", "A car is blocking the hydrant on River St", TIP_CODE)
    screenshot(phone, "journey-phone-tip")
