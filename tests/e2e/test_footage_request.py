"""/cameras/request in real Chromium through the local stack, every function under its deployed
IAM: an owner opens the link a footage request texted them at 375 px, reads the request (case,
time, place, reason), approves it and uploads a two-part clip: the browser PUTs each part to its
presigned S3 URL (the evidence bucket's CORS rule exposes the ETags) and the API completes the
upload; evidence-intake records it with the SHA-256 of the file the browser sent. axe finds no
WCAG violation before and after; a broken link gets the link message, in Spanish too."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations
from tests.integration.cameras.footage_helpers import footage_settings as footage_settings
from tests.integration.cameras.footage_helpers import wait_for
from tests.integration.cameras.test_footage_requests import sent_request

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("footage_settings")]

MIB = 1024 * 1024


def _axe_clean(page: Any) -> None:
    if AXE.exists():
        assert violations(page) == []


def test_an_owner_approves_and_uploads_a_clip_from_a_phone(local_stack: Any, api: Any, new_page: Any) -> None:
    request_id, token, _, body = sent_request(local_stack, api)
    page = new_page(viewport=PHONE)
    page.goto(f"{local_stack.base_url}/cameras/request#t={token}&r={request_id}")
    expect(page.locator("dl")).to_contain_text(body["case_number"])
    expect(page.locator("q")).to_have_text(body["reason"])
    assert "#" not in page.url  # the token left the address bar
    assert horizontal_overflow(page) == 0
    _axe_clean(page)
    page.click("#approve")
    expect(page.locator("#clip-form")).to_be_visible()
    clip = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(5 * MIB + 4096)
    page.set_input_files("#clip-file", files=[{"name": "porch.mp4", "mimeType": "video/mp4", "buffer": clip}])
    page.click("#clip-send")
    expect(page.locator(".message-ok")).to_contain_text("Uploaded", timeout=60_000)
    assert horizontal_overflow(page) == 0
    _axe_clean(page)

    def received() -> dict | None:
        detail = api.as_role("officer").get(f"/api/footage/{request_id}").json()
        return next((e for e in detail["evidence"] if e["status"] == "received"), None)

    item = wait_for(received, what="intake")
    assert item["sha256"] == hashlib.sha256(clip).hexdigest() and item["size"] == len(clip)


def test_a_broken_link_says_so_in_spanish(local_stack: Any, new_page: Any) -> None:
    page = new_page(viewport=PHONE, locale="es-MX")
    page.goto(
        f"{local_stack.base_url}/cameras/request#t=own-0000000000000000.1.AAAAAAAAAAAAAAAAAAAA&r=fr-20260101-000000000000"
    )
    expect(page.locator(".message-error")).to_contain_text("enlace no es válido")
    _axe_clean(page)


def test_the_console_sends_a_request_and_shows_its_evidence(
    local_stack: Any, api: Any, new_page: Any, sign_in: Any
) -> None:
    """#/footage at 375 px: a request too wide is refused at its field, a good one opens its
    page; the request an owner answered shows the clip's SHA-256 (axe clean on both)."""
    from tests.integration.cameras.test_footage_evidence import approved, upload

    request_id, session, _ = approved(local_stack, api)
    clip = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(2048)
    upload(local_stack, session, request_id, clip)
    page = new_page(viewport=PHONE)
    sign_in(page, "officer", path="/#/footage")
    expect(page.locator("#footage-form")).to_be_visible()
    page.fill("#fr-lat", "44.05")
    page.fill("#fr-lon", "-123.09")
    page.fill("#fr-radius", "5000")
    # Yesterday: within the lookback (RTCC_CAMERAS_REQUEST_LOOKBACK_DAYS) and in the past.
    day = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    page.fill("#fr-start", f"{day}T10:00")
    page.fill("#fr-end", f"{day}T11:00")
    page.fill("#fr-case", "26-000777")
    page.fill("#fr-reason", "A test of the form")
    page.click("#fr-send")
    expect(page.locator("#footage-form .message-error")).to_contain_text("radius_m")
    expect(page.locator("#fr-radius")).to_have_attribute("aria-invalid", "true")
    assert horizontal_overflow(page) == 0
    _axe_clean(page)
    page.fill("#fr-radius", "200")
    page.click("#fr-send")
    expect(page.locator("#fr-case-title")).to_contain_text("Case 26-000777")
    page.goto(f"{local_stack.base_url}/#/footage/{request_id}")
    digest = hashlib.sha256(clip).hexdigest()
    expect(page.locator("code.sha").first).to_have_text(digest, timeout=60_000)
    assert horizontal_overflow(page) == 0
    _axe_clean(page)
