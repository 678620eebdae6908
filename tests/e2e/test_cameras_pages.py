"""/cameras and /cameras/owner in real Chromium through the local stack, every function under
its deployed IAM: a resident registers with a mobile number at 375 px (no contact and a wrong
code refused at their fields, the real code read from /dev/phone's outbox), places a camera
on the grid map (a place outside the city refused at the map), opens the owner page from the
link the last step gives, changes the camera's policy, pauses sharing, deletes everything
after typing the confirmation word; a forged link offers a new one. A business confirms an
email and a phone in Spanish; the owner page confirms a contact left unconfirmed and lists the
access receipts. The Spanish page renders from the es catalog; axe finds no WCAG violation on
either page at phone width and on a desk, in English and Spanish."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations
from tests.integration.alerts.test_alerts_signup_api import texts_to

pytestmark = pytest.mark.e2e

#: Inside the city the local stack serves (the demo city's outline, rtcc/alerts/demo_city.geojson),
#: in its south-east corner: 2 km from the centre other tests and the demo put their cameras on.
INSIDE = {"latitude": 47.592, "longitude": -122.313}
CODE = re.compile(r"\b(\d{4,8})\b")


def _number() -> str:
    # A valid US number (phonenumbers refuses the 555 area code /dev/phone invents).
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def texted_code(local_stack: Any, number: str, timeout: float = 90) -> str:
    """The one-time code texted to `number` (camera-verify sends it from its queue)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(texts_to(local_stack, number)):
            found = CODE.search(message["body"])
            if found:
                return found.group(1)
        time.sleep(0.3)
    raise AssertionError(f"no code texted to {number} within {timeout} s")


def mailed_code(local_stack: Any, address: str, timeout: float = 90) -> str:
    """The one-time code emailed to `address` (the emulator's SES, read at /dev/mail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = requests.get(local_stack.base_url + "/dev/mail", params={"to": address}, timeout=10)
        r.raise_for_status()
        for message in reversed(r.json()["messages"]):
            found = CODE.search(message["text"] or "")
            if found:
                return found.group(1)
        time.sleep(0.3)
    raise AssertionError(f"no code emailed to {address} within {timeout} s")


def registered_owner(local_stack: Any) -> tuple[str, str]:
    """An owner registered and verified through the public API: (owner id, portal token)."""
    base = local_stack.base_url + "/api/public/cameras"
    number = _number()
    r = requests.post(
        f"{base}/owners", json={"kind": "resident", "phone": number, "language": "en"}, timeout=30
    )
    assert r.status_code == 201, r.text
    owner_id = r.json()["owner_id"]
    body = {"channel": "phone", "code": texted_code(local_stack, number)}
    r = requests.post(f"{base}/owners/{owner_id}/verify", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return owner_id, r.json()["portal_token"]


def add_camera(local_stack: Any, token: str, name: str) -> dict:
    body = {"name": name, "type": "fixed", "lat": INSIDE["latitude"], "lon": INSIDE["longitude"]}
    body |= {"bearing_deg": 90, "level": "register", "policy": "request"}
    url = local_stack.base_url + "/api/public/cameras/portal/cameras"
    r = requests.post(url, json=body, headers={"X-Owner-Link": token}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def forget(local_stack: Any, token: str) -> None:
    """Delete the owner and their cameras: no other test's nearest cameras find ours."""
    url = local_stack.base_url + "/api/public/cameras/portal"
    assert requests.delete(url, headers={"X-Owner-Link": token}, timeout=30).status_code == 200


def _axe_clean(page: Any) -> None:
    if AXE.exists():
        assert violations(page) == []


def _contact_step(page: Any, local_stack: Any, number: str) -> None:
    page.goto(local_stack.base_url + "/cameras")
    # No contact: refused at the phone field, nothing sent.
    page.click("#owner-send")
    expect(page.locator("#owner-phone-error")).to_have_text(
        "Give a mobile number, an email address, or both."
    )
    expect(page.locator("#owner-phone")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.activeElement.id") == "owner-phone"
    _axe_clean(page)
    page.fill("#owner-phone", number[2:])  # as a resident types it: no country code
    page.click("#owner-send")
    expect(page.locator("#code-title")).to_have_text("Enter the code we sent")


def _code_step(page: Any, local_stack: Any, number: str) -> None:
    code = texted_code(local_stack, number)
    page.fill("#code-phone", "000000" if code != "000000" else "111111")  # wrong: refused at its field
    page.click("#code-phone-confirm")
    expect(page.locator("#code-phone-error")).to_be_visible()
    expect(page.locator("#code-phone")).to_have_attribute("aria-invalid", "true")
    _axe_clean(page)
    page.fill("#code-phone", code)
    page.click("#code-phone-confirm")
    expect(page.locator("#code-phone-done")).to_have_text("Your phone is confirmed.")
    page.click("#code-continue")
    expect(page.locator("#cameras-title")).to_have_text("Your cameras")


def _place(page: Any, where: dict) -> None:
    page.context.set_geolocation(where)
    page.click("#camera-use-location")
    expect(page.locator("#camera-location-status")).to_contain_text(f"Pin placed at {where['latitude']:.5f}")


def _camera_step(page: Any, screenshot: Any) -> None:
    page.fill("#camera-name", "Front porch")
    page.select_option("#camera-type", "doorbell")
    page.click("#camera-location-open")
    # No tile server configured: the picker's own grid, and the map still takes a place.
    expect(page.locator("#camera-map .tip-grid-tile").first).to_be_visible(timeout=10_000)
    page.select_option("#camera-facing", "s")
    page.check("#camera-level-register")
    page.check("#camera-policy-request")
    # A tap where the map opens: the deployment's map_center (Eugene in the tests), outside the
    # demo city the boundary comes from; refused at the map, nothing lost.
    page.click("#camera-map", position={"x": 160, "y": 120})
    expect(page.locator("#camera-location-status")).to_contain_text("Pin placed at 44.")
    page.click("#camera-add")
    expect(page.locator("#camera-location-error")).to_contain_text("outside the city")
    assert page.evaluate("document.activeElement.id") == "camera-location-open"
    _place(page, INSIDE)
    # 400 degrees: the API's 422 names bearing_deg, shown under "Which way it faces".
    page.select_option("#camera-facing", "exact")
    page.fill("#camera-facing-degrees", "400")
    page.click("#camera-add")
    expect(page.locator("#camera-facing-error")).to_contain_text("bearing_deg")
    expect(page.locator("#camera-facing")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#camera-location-error")).to_be_hidden()
    page.select_option("#camera-facing", "s")
    page.click("#camera-add")
    expect(page.locator("#camera-form .message-ok")).to_contain_text("“Front porch” is on the map")
    expect(page.locator("#cameras-added li")).to_have_count(1)
    assert horizontal_overflow(page) == 0
    _axe_clean(page)
    screenshot(page, "cameras-camera-step-phone")
    page.click("#cameras-finish")
    expect(page.locator("#cameras-done h2")).to_have_text("You are registered")


def _add_and_remove_in_the_portal(page: Any) -> None:
    """A second camera added from the owner page (placed by location), then removed."""
    page.click("#new-camera-open")
    page.fill("#new-camera-name", "Garage")
    page.click("#new-camera-location-open")
    page.click("#new-camera-use-location")
    expect(page.locator("#new-camera-location-status")).to_contain_text(
        f"Pin placed at {INSIDE['latitude']:.5f}"
    )
    page.click("#new-camera-save")
    expect(page.locator("#portal-app > .message-ok")).to_have_text("“Garage” is on the map.")
    cards = page.locator("#portal-cameras li.camera-card")
    expect(cards).to_have_count(2)
    garage = cards.filter(has_text="Garage")
    garage.locator("button[id^='delete-']").click()
    expect(garage).to_contain_text("Remove “Garage” from the map? This cannot be undone.")
    garage.locator("button[id$='-confirm']").click()
    expect(page.locator("#portal-app > .message-ok")).to_have_text("“Garage” is removed.")
    expect(cards).to_have_count(1)


def test_a_resident_registers_a_camera_and_manages_it_on_a_phone(
    new_page, local_stack: Any, screenshot
) -> None:
    number = _number()
    page = new_page(PHONE)
    page.context.grant_permissions(["geolocation"])
    _contact_step(page, local_stack, number)
    _code_step(page, local_stack, number)
    _camera_step(page, screenshot)
    screenshot(page, "cameras-registered-phone")

    page.click("#cameras-portal-link")
    cards = page.locator("#portal-cameras li.camera-card")
    expect(cards).to_have_count(1)
    assert "#" not in page.url  # the token is out of the address bar
    card = cards.first
    expect(card.locator("h3")).to_have_text("Front porch")
    expect(card).to_contain_text("Footage on request only")
    expect(card).to_contain_text("South")
    expect(page.locator("#portal-no-receipts")).to_be_visible()
    assert horizontal_overflow(page) == 0
    _axe_clean(page)

    # The policy changed: live view during incidents.
    card.locator("button[id^='edit-']").click()
    card.locator("input[value='incident']").check()
    card.locator("button[id$='-save']").click()
    expect(page.locator("#portal-app > .message-ok")).to_contain_text("is saved")
    expect(page.locator("#portal-cameras li.camera-card").first).to_contain_text(
        "Live view during active incidents nearby"
    )

    _add_and_remove_in_the_portal(page)

    page.click("#portal-pause")
    expect(page.locator("#portal-sharing-status")).to_contain_text("Sharing is paused")
    expect(page.locator("#portal-pause")).to_have_text("Resume sharing")
    expect(page.locator("#portal-cameras li.camera-card").first).to_contain_text("Paused")
    _axe_clean(page)
    screenshot(page, "cameras-portal-phone")
    page.click("#portal-pause")
    expect(page.locator("#portal-sharing-status")).to_contain_text("Sharing is on")
    page.click("#portal-pause")
    expect(page.locator("#portal-pause")).to_have_text("Resume sharing")

    page.fill("#delete-all-word", "delete it")  # not the word: refused at the field
    page.click("#delete-all")
    expect(page.locator("#delete-all-word-error")).to_have_text("Type DELETE to confirm.")
    page.fill("#delete-all-word", "delete")
    page.click("#delete-all")
    expect(page.locator("#portal-deleted h2")).to_have_text("Everything is deleted")


def test_a_new_link_asked_for_on_the_page_opens_the_owner_page(new_page, local_stack: Any) -> None:
    """An owner without a link asks for one on the page; the texted link opens their cameras."""
    number, token = _number(), None
    base = local_stack.base_url + "/api/public/cameras"
    r = requests.post(
        f"{base}/owners", json={"kind": "resident", "phone": number, "language": "en"}, timeout=30
    )
    assert r.status_code == 201, r.text
    verify = {"channel": "phone", "code": texted_code(local_stack, number)}
    r = requests.post(f"{base}/owners/{r.json()['owner_id']}/verify", json=verify, timeout=30)
    token = r.json()["portal_token"]
    add_camera(local_stack, token, "Back alley")
    try:
        page = new_page(PHONE)
        page.goto(local_stack.base_url + "/cameras/owner")
        expect(page.locator("#portal-app .message-error")).to_contain_text("Open this page from the link")
        page.fill("#link-contact", number[2:])
        page.click("#link-send")
        expect(page.locator("#link-form .message-ok")).to_contain_text("a new link is on its way")
        deadline, link = time.monotonic() + 90, None
        while link is None and time.monotonic() < deadline:
            bodies = [m["body"] for m in texts_to(local_stack, number)]
            link = next((m.group(0) for b in bodies if (m := re.search(r"\S+/cameras/owner#t=\S+", b))), None)
            time.sleep(0.3)
        assert link and link.startswith(local_stack.base_url + "/cameras/owner#t="), (
            link
        )  # the stage path kept
        page.goto(link)
        expect(page.locator("#portal-cameras li.camera-card h3")).to_have_text(["Back alley"])
    finally:
        forget(local_stack, token)


def test_an_old_or_forged_link_offers_a_new_one(new_page, local_stack: Any) -> None:
    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/cameras/owner#t=forged.token")
    expect(page.locator("#portal-app .message-error")).to_contain_text("not valid")
    assert "#" not in page.url
    page.click("#link-send")  # nothing typed: refused at the field
    expect(page.locator("#link-contact-error")).to_be_visible()
    page.fill("#link-contact", _number())
    page.click("#link-send")
    expect(page.locator("#link-form .message-ok")).to_contain_text("a new link is on its way")
    _axe_clean(page)


def test_the_spanish_page_comes_from_the_es_catalog(new_page, local_stack: Any) -> None:
    page = new_page(PHONE, locale="es-MX")
    page.goto(local_stack.base_url + "/cameras")
    expect(page.locator("h1")).to_have_text("Ponga su cámara en el mapa de la ciudad")
    assert page.evaluate("document.documentElement.lang") == "es"
    expect(page).to_have_title("Ponga su cámara en el mapa de la ciudad")
    expect(page.locator("#owner-send")).to_have_text("Enviar mi código")
    expect(page.locator("#owner-language")).to_have_value("es")
    page.click("#owner-send")
    expect(page.locator("#owner-phone-error")).to_have_text(
        "Indique un número de celular, un correo electrónico o ambos."
    )
    # A business without its name: refused at that field, in Spanish.
    page.check("#owner-kind-business")
    page.fill("#owner-email", "tienda@example.com")
    page.click("#owner-send")
    expect(page.locator("#owner-business-error")).to_have_text("Indique el nombre del negocio.")
    assert horizontal_overflow(page) == 0
    _axe_clean(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desk"])
@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_both_pages_have_no_wcag_violations(new_page, local_stack: Any, viewport, locale: str) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    page = new_page(viewport, locale=locale)
    page.goto(local_stack.base_url + "/cameras")
    page.wait_for_load_state("networkidle")
    page.check("#owner-kind-business")
    page.click("#owner-send")  # an error shown counts too
    assert violations(page) == []

    _, token = registered_owner(local_stack)
    add_camera(local_stack, token, "Loading dock")
    try:
        page.goto(f"{local_stack.base_url}/cameras/owner#t={token}")
        expect(page.locator("#portal-cameras li.camera-card")).to_have_count(1)
        page.click("#new-camera-open")  # the add form with its map open
        page.click("#new-camera-location-open")
        page.locator("#portal-cameras button[id^='edit-']").first.click()  # and an edit form
        assert violations(page) == []
        assert horizontal_overflow(page) == 0
    finally:
        forget(local_stack, token)


def test_a_business_confirms_a_phone_and_an_email_in_spanish(new_page, local_stack: Any) -> None:
    """One code per channel, each confirmed on its own; the texts and the page in Spanish."""
    number, address = _number(), f"tienda-{random.randrange(10**9)}@example.com"
    page = new_page(PHONE, locale="es-MX")
    page.goto(local_stack.base_url + "/cameras")
    page.check("#owner-kind-business")
    page.fill("#owner-business", "Panadería La Esquina")
    page.fill("#owner-phone", number[2:])
    page.fill("#owner-email", address)
    page.click("#owner-send")
    expect(page.locator("#code-title")).to_have_text("Escriba el código que le enviamos")
    expect(page.locator("label[for='code-email']")).to_have_text("Código enviado a su correo")
    page.fill("#code-email", mailed_code(local_stack, address))
    page.click("#code-email-confirm")
    expect(page.locator("#code-email-done")).to_have_text("Su correo está confirmado.")
    expect(page.locator("#code-continue")).to_be_visible()  # one channel is enough to go on
    page.fill("#code-phone", texted_code(local_stack, number))
    page.click("#code-phone-confirm")
    expect(page.locator("#code-phone-done")).to_have_text("Su teléfono está confirmado.")
    page.click("#code-continue")
    expect(page.locator("#cameras-title")).to_have_text("Sus cámaras")
    expect(page.locator("label[for='camera-policy-incident']")).to_have_text(
        "Vista en vivo durante incidentes activos cercanos"
    )
    assert horizontal_overflow(page) == 0
    _axe_clean(page)


def test_the_owner_page_confirms_a_contact_left_unconfirmed(new_page, local_stack: Any) -> None:
    """An owner who confirmed only the phone: the page says the email gets no requests until
    its code is entered, takes a wrong code at its field, then the right one."""
    base = local_stack.base_url + "/api/public/cameras"
    number, address = _number(), f"owner-{random.randrange(10**9)}@example.com"
    body = {"kind": "resident", "phone": number, "email": address, "language": "en"}
    r = requests.post(f"{base}/owners", json=body, timeout=30)
    assert r.status_code == 201, r.text
    owner_id = r.json()["owner_id"]
    verify = {"channel": "phone", "code": texted_code(local_stack, number)}
    r = requests.post(f"{base}/owners/{owner_id}/verify", json=verify, timeout=30)
    assert r.status_code == 200, r.text
    token = r.json()["portal_token"]

    page = new_page(PHONE)
    page.goto(f"{local_stack.base_url}/cameras/owner#t={token}")
    expect(page.locator("#portal-channel-phone")).to_have_text("Mobile number: confirmed.")
    expect(page.locator("#portal-channel-email")).to_contain_text("Footage requests do not reach it")
    code = mailed_code(local_stack, address)
    page.fill("#code-email", "000000" if code != "000000" else "111111")
    page.click("#code-email-confirm")
    expect(page.locator("#code-email-error")).to_be_visible()
    page.fill("#code-email", code)
    page.click("#code-email-confirm")
    expect(page.locator("#portal-app > .message-ok")).to_have_text("Your email is confirmed.")
    expect(page.locator("#portal-channel-email")).to_have_text("Email: confirmed.")
    assert horizontal_overflow(page) == 0
    _axe_clean(page)
    forget(local_stack, token)


def test_the_owner_page_lists_the_access_receipts(new_page, local_stack: Any) -> None:
    """Receipts as the footage part records them (rtcc.cameras.receipts_dynamodb), newest
    first: agency, what, which camera (by the owner's name for it), case, local time."""
    from rtcc.cameras.receipts import Receipt
    from rtcc.cameras.receipts_dynamodb import receipt_book

    owner_id, token = registered_owner(local_stack)
    camera = add_camera(local_stack, token, "Side gate")["camera"]
    book = receipt_book()
    book.record(
        Receipt(
            owner_id,
            camera["camera_id"],
            "requested",
            "Springfield PD",
            "2026-0042",
            "fr-1",
            "2026-11-30T18:05:00+00:00",
        )
    )
    book.record(Receipt(owner_id, None, "viewed", "County Sheriff", None, None, "2026-12-01T02:10:00+00:00"))
    try:
        page = new_page(PHONE)
        page.goto(f"{local_stack.base_url}/cameras/owner#t={token}")
        rows = page.locator("#portal-receipts tbody tr")
        expect(rows).to_have_count(2)
        # Newest first; times in the browser's zone (the tests' Asia/Tokyo, UTC+9).
        expect(rows.nth(0)).to_contain_text("County Sheriff")
        expect(rows.nth(0)).to_contain_text("Viewed live")
        expect(rows.nth(0)).to_contain_text("All cameras")
        expect(rows.nth(1).locator("td")).to_have_text(
            [
                re.compile(r"Dec 1, 2026.*3:05:00"),
                "Springfield PD",
                "Asked for footage",
                "Side gate",
                "2026-0042",
            ]
        )
        assert horizontal_overflow(page) == 0  # the table scrolls inside its own box
        _axe_clean(page)
    finally:
        forget(local_stack, token)
