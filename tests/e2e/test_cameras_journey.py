"""Issue 12's journey in real Chromium through the local stack, every function under its
deployed IAM: a resident registers a camera on /cameras at 375 px (code from the outbox,
footage on request, facing south); an officer's operations map is open when the city's CAD
posts a signed incident 40 m south of it; the incident appears without a reload and lists the
resident's camera among the nearest with its policy; the officer asks for footage from the
incident's panel; the owner gets the text, opens its link, shares and uploads a real MP4
(H.264 written by PyAV); the officer's request page shows the clip with the SHA-256 of the
file the test uploaded; the owner's portal (the link the registration gave) shows the
receipt with the case number. axe-clean and no sideways scrolling at 375 px on every page.

The test drives the pages as people would and posts as CAD would (rtcc.cameras.cad's
signature); how the stack stores, notifies and hashes is not its business."""

from __future__ import annotations

import hashlib
import io
import random
import re
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, TIMEZONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations
from tests.e2e.test_cameras_pages import forget, texted_code
from tests.integration.alerts.test_alerts_signup_api import texts_to
from tests.integration.cameras.footage_helpers import footage_settings as footage_settings
from tests.integration.cameras.incident_helpers import cad_message, post_cad

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("footage_settings")]

#: The demo city's Harbor district (rtcc/alerts/demo_city.geojson), ~1.6 km north-west of the
#: centre the demo and the registry tests use and 3 km from the camera pages' south-east
#: corner; jittered per run so an earlier run's camera is never the one found.
HARBOR = (47.6165, -122.3465)
NORTH_40_M = 0.00036  # degrees of latitude


def _number() -> str:
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def _clip() -> bytes:
    """A real MP4 (H.264, 64x48, 12 frames) as a phone's app would export it."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(12):
            pixels = np.full((48, 64, 3), i * 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def _fits(page: Any) -> None:
    """No sideways scrolling at 375 px, and no WCAG 2 A/AA violation as the page stands."""
    assert horizontal_overflow(page) == 0
    if AXE.exists():  # tests/e2e/test_accessibility.py says when axe-core is not installed
        assert violations(page) == []


def _register(page: Any, local_stack: Any, number: str, camera: tuple[float, float], name: str) -> str:
    """The resident's part on /cameras; the owner page's link the last step gives."""
    page.context.grant_permissions(["geolocation"])
    page.goto(local_stack.base_url + "/cameras")
    page.fill("#owner-phone", number[2:])  # as a resident types it: no country code
    page.click("#owner-send")
    expect(page.locator("#code-title")).to_have_text("Enter the code we sent")
    _fits(page)
    page.fill("#code-phone", texted_code(local_stack, number))
    page.click("#code-phone-confirm")
    expect(page.locator("#code-phone-done")).to_have_text("Your phone is confirmed.")
    page.click("#code-continue")
    expect(page.locator("#cameras-title")).to_have_text("Your cameras")
    page.fill("#camera-name", name)
    page.select_option("#camera-type", "doorbell")
    page.click("#camera-location-open")
    page.context.set_geolocation({"latitude": camera[0], "longitude": camera[1]})
    page.click("#camera-use-location")
    expect(page.locator("#camera-location-status")).to_contain_text(f"Pin placed at {camera[0]:.5f}")
    page.select_option("#camera-facing", "s")  # towards the street, where the incident will be
    page.check("#camera-level-register")
    page.check("#camera-policy-request")
    page.click("#camera-add")
    expect(page.locator("#camera-form .message-ok")).to_contain_text(f"“{name}” is on the map")
    _fits(page)
    page.click("#cameras-finish")
    expect(page.locator("#cameras-done h2")).to_have_text("You are registered")
    _fits(page)
    link = page.locator("#cameras-portal-link").get_attribute("href")
    return page.evaluate("(href) => new URL(href, location.href).href", link)


def _officer_map(page: Any, sign_in: Any, lat: float, lon: float) -> None:
    sign_in(page, "officer")
    page.evaluate(f"location.hash = '#/map/@{lat:.6f},{lon:.6f},17'")
    page.wait_for_selector("#ops-map.leaflet-container")
    page.wait_for_timeout(1500)  # the feed's first poll: the incident is news, not the first page


def _window_inputs() -> tuple[str, str]:
    """The last two hours as the officer types them (datetime-local, the browser's zone)."""
    end = datetime.now(ZoneInfo(TIMEZONE)).replace(second=0, microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(hours=2)
    return f"{start:%Y-%m-%dT%H:%M}", f"{end:%Y-%m-%dT%H:%M}"


def _request_link(local_stack: Any, number: str, timeout: float = 90) -> str:
    """The footage request's link in the text footage-notify sends the owner."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(texts_to(local_stack, number)):
            found = re.search(r"\S+/cameras/request#\S+", message["body"])
            if found:
                return found.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no footage request texted to {number} within {timeout} s")


def _evidence_digest(page: Any, url: str, timeout: float = 90) -> str:
    """The request's page, reloaded (as the officer would) until evidence-intake has hashed the clip."""
    page.goto(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.reload()
        page.wait_for_selector("#fr-evidence")
        shown = page.locator("code.sha").all_inner_texts()
        if any(re.fullmatch(r"[0-9a-f]{64}", s) for s in shown):
            return next(s for s in shown if re.fullmatch(r"[0-9a-f]{64}", s))
        time.sleep(1)
    raise AssertionError(f"no hashed evidence on {url} within {timeout} s")


def test_a_camera_an_incident_a_request_a_clip_its_hash_and_the_receipt(
    new_page, sign_in, local_stack, screenshot
) -> None:
    stamp = f"{datetime.now().strftime('%H%M%S')}{random.randint(100, 999)}"
    camera = (HARBOR[0] + random.uniform(-0.001, 0.001), HARBOR[1] + random.uniform(-0.0015, 0.0015))
    incident_at = (camera[0] - NORTH_40_M, camera[1])
    number, name, case = _number(), f"Porch {stamp}", f"26-J{stamp}"

    resident = new_page(PHONE)
    portal_link = _register(resident, local_stack, number, camera, name)
    token = unquote(portal_link.split("#t=", 1)[1])
    try:
        officer = new_page(PHONE)
        _officer_map(officer, sign_in, *incident_at)
        message = cad_message(type="Law:Burglary")
        message["location"] |= {"lat": incident_at[0], "lon": incident_at[1]}
        answer = post_cad(local_stack, message)
        assert answer.status_code == 200, answer.text
        incident_id = answer.json()["incident_id"]

        # On the open map without a reload; its panel lists the resident's camera.
        item = officer.locator(f"#ops-incident-list li[data-incident='{incident_id}'] button")
        expect(item).to_have_count(1, timeout=30_000)
        item.click()
        nearest = officer.locator("#ops-nearest li").filter(has_text=name)
        expect(nearest).to_have_count(1)
        expect(nearest).to_contain_text("Footage on request")
        expect(nearest).to_contain_text("faces it")
        _fits(officer)
        screenshot(officer, "cameras-journey-incident")

        # The request, from the incident's panel: the form knows the incident.
        officer.get_by_role("link", name="Request footage").click()
        expect(officer.locator("#fr-incident")).to_have_value(incident_id)
        start, end = _window_inputs()
        officer.fill("#fr-start", start)
        officer.fill("#fr-end", end)
        officer.fill("#fr-case", case)
        officer.fill("#fr-reason", "A break-in on this block; your camera may show who came by.")
        _fits(officer)
        officer.click("#fr-send")
        expect(officer.locator("#fr-case-title")).to_have_text(f"Case {case}", timeout=30_000)
        request_url = officer.url
        _fits(officer)

        # The owner's text, its link, the clip shared.
        link = _request_link(local_stack, number)
        assert link.startswith(local_stack.base_url + "/cameras/request#")
        owner = new_page(PHONE)
        owner.goto(link)
        expect(owner.locator("dl")).to_contain_text(case)
        _fits(owner)
        owner.click("#approve")
        expect(owner.locator("#clip-form")).to_be_visible()
        clip = _clip()
        owner.set_input_files(
            "#clip-file", files=[{"name": "porch.mp4", "mimeType": "video/mp4", "buffer": clip}]
        )
        owner.click("#clip-send")
        expect(owner.locator(".message-ok")).to_contain_text("Uploaded", timeout=60_000)
        _fits(owner)
        screenshot(owner, "cameras-journey-uploaded")

        # The officer sees the clip with the hash of the very file the owner sent.
        assert _evidence_digest(officer, request_url) == hashlib.sha256(clip).hexdigest()
        _fits(officer)

        # The owner's portal shows the request among the receipts.
        resident.goto(portal_link)
        this_case = resident.locator("#portal-receipts tbody tr").filter(has_text=case)
        expect(this_case.filter(has_text="Asked for footage")).to_have_count(1)
        expect(this_case.filter(has_text="You shared footage")).to_have_count(1)
        expect(this_case.filter(has_text=name).first).to_be_visible()  # the camera, by the owner's name
        _fits(resident)
        screenshot(resident, "cameras-journey-receipts")
    finally:
        forget(local_stack, token)
