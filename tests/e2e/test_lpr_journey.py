"""Issue 11's journey in real Chromium through the local stack, every function under its
deployed IAM: an administrator creates a source and its reader in the console, a supervisor
uploads a small AutoVu-layout hotlist and watches the progress bar finish, the source posts a
read whose plate is an OCR look-alike of a listed one (bearer token), the hit appears on an
officer's console without a reload and the officer rejects it with a reason; a search
without a purpose is refused in the console; a read from an unknown source is refused (401).

The test drives the console as people would and posts the read as a vendor's system would;
how the stack stores, matches and publishes is not its business."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations

pytestmark = pytest.mark.e2e


def _plates() -> tuple[str, str]:
    """A listed plate and the camera's reading of it with B read as 8 (an OCR look-alike),
    unique per run so earlier runs' lists and hits cannot answer for this one."""
    digits = "".join(random.choice(string.digits) for _ in range(4))
    return f"JB{digits}", f"J8{digits}"


def _hotlist_file(listed: str) -> bytes:
    """An AutoVu-layout list: header, three plates, and one row the importer must refuse."""
    rows = [
        "PlateNumber;PlateState;Category;CaseNumber",
        f"{listed};OR;Stolen;C-2026-{listed}",
        "KXM4412;OR;Stolen;C-2026-2",
        "TRQ7781;WA;Stolen;C-2026-3",
        "NOT A PLATE!;OR;Stolen;C-2026-4",
    ]
    return ("\r\n".join(rows) + "\r\n").encode()


def _create_source_and_reader(page: Any, sign_in: Any, camera: str) -> tuple[str, str]:
    """The administrator's part: the source (bearer) and its fixed reader; (source id, token)."""
    sign_in(page, "admin")
    page.evaluate("location.hash = '#/lpr/sources'")
    page.fill("#lpr-source-name", f"Journey cameras {camera}")
    page.select_option("#lpr-source-vendor", "generic")
    page.select_option("#lpr-source-auth", "bearer")
    page.click("#lpr-create-source button[type=submit]")
    secret = page.locator("#lpr-secret")
    expect(secret).not_to_have_value("", timeout=30_000)
    token = secret.input_value()
    assert token.startswith("rtcc_lpr."), "a bearer token names its source"
    source_id = token.split(".")[1]
    page.click("#lpr-secret-done")
    expect(page.locator("#lpr-secret")).to_have_count(0)
    card = page.locator(f"article[data-source='{source_id}']")
    card.locator("summary").click()
    card.locator("input[id$=-camera]").fill(camera)
    card.locator("input[id$=-name]").fill("Journey St eastbound")
    card.locator("input[id$=-lat]").fill("44.0521")
    card.locator("input[id$=-lon]").fill("-123.0868")
    card.locator("form button[type=submit]").click()
    expect(page.locator(f"article[data-source='{source_id}'] li[data-camera='{camera}']")).to_be_visible()
    assert horizontal_overflow(page) == 0
    _axe_clean(page)
    return source_id, token


def _upload_hotlist(page: Any, sign_in: Any, list_id: str, content: bytes) -> None:
    """The supervisor's part: a new list, the file uploaded, the progress bar to the end."""
    sign_in(page, "supervisor")
    page.evaluate("location.hash = '#/lpr/hotlists'")
    page.click("text=New hotlist")
    page.fill("#lpr-list-id", list_id)
    page.fill("#lpr-list-name", f"Journey stolen {list_id}")
    page.fill("#lpr-list-priority", "1")
    page.click("#lpr-create-list button[type=submit]")
    expect(page.locator(f"#lpr-lists tr[data-list='{list_id}']")).to_be_visible()
    page.select_option("#lpr-import-list", list_id)
    page.select_option("#lpr-import-format", "autovu")
    page.set_input_files(
        "#lpr-import-file", {"name": "journey.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.click("#lpr-import-send")
    expect(page.locator("#lpr-progress-wrap")).to_be_visible()
    summary = page.locator("#lpr-import-summary")
    expect(summary).to_be_visible(timeout=120_000)  # a queued import on the local stack
    expect(page.locator("#lpr-progress")).to_have_attribute("value", "100")
    expect(summary.locator("dd").first).to_have_text("3")  # added: the three good rows
    rejected = page.locator("#lpr-rejected tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.first.locator("td").first).to_have_text("5")  # the file's 5th line
    expect(page.locator(f"#lpr-lists tr[data-list='{list_id}']")).to_contain_text("3")
    assert horizontal_overflow(page) == 0
    _axe_clean(page)


def _axe_clean(page: Any) -> None:
    """The page as it stands, with the stack's real data in it: no WCAG 2 A/AA violations."""
    if AXE.exists():  # tests/e2e/test_accessibility.py says when axe-core is not installed
        assert violations(page) == []


def _post_read(base: str, token: str, body: dict) -> requests.Response:
    return requests.post(
        f"{base}/ingest/lpr/reads", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def test_a_source_a_hotlist_a_look_alike_read_a_live_hit_rejected_and_refusals(
    new_page, sign_in, local_stack, api, screenshot
) -> None:
    base = local_stack.base_url
    stamp = f"{datetime.now(UTC):%H%M%S}{random.randint(100, 999)}"
    camera = f"cam-{stamp}"
    listed, misread = _plates()
    list_id = f"journey-{stamp}"

    admin = new_page(PHONE)
    source_id, token = _create_source_and_reader(admin, sign_in, camera)
    screenshot(admin, "lpr-journey-sources")

    supervisor = new_page(PHONE)
    _upload_hotlist(supervisor, sign_in, list_id, _hotlist_file(listed))
    screenshot(supervisor, "lpr-journey-import")

    officer = new_page(PHONE)
    sign_in(officer, "officer")
    officer.evaluate("location.hash = '#/lpr'")
    officer.wait_for_selector("#lpr-hits", state="attached")
    officer.wait_for_timeout(1500)  # the feed's first poll: the hit is news, not the first page

    read = {
        "read_id": f"journey-{stamp}",
        "plate": misread,
        "state": "OR",
        "confidence": 88.5,
        "camera_id": camera,
        "time": datetime.now(UTC).isoformat(),
    }
    answer = _post_read(base, token, read)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1, answer.json()

    # The hit reaches the officer's open console without a reload, its list and reader named.
    card = officer.locator("article[data-hit]").filter(has_text=misread)
    expect(card).to_have_count(1, timeout=30_000)
    expect(card).to_contain_text(f"Journey stolen {list_id}")
    expect(card).to_contain_text("OCR look-alike")
    expect(card).to_contain_text(listed)
    expect(card).to_contain_text("Journey St eastbound")
    hit_id = card.get_attribute("data-hit")
    card.locator("select").select_option("misread")
    card.locator(".lpr-reject").click()
    decided = officer.locator(f"article[data-hit='{hit_id}'] .lpr-verdict")
    expect(decided).to_contain_text("Rejected: Misread")
    assert horizontal_overflow(officer) == 0
    screenshot(officer, "lpr-journey-hit-rejected")
    _axe_clean(officer)
    saved = api.as_role("officer").get(f"/api/lpr/hits/{hit_id}").json()["hit"]
    assert saved["verification"]["verdict"] == "rejected" and saved["verification"]["reason"] == "misread"
    # The hit's own page (the watch desk's texts link there) shows the same verdict.
    card.get_by_role("link", name="Open this hit").click()
    expect(officer.locator(f"#lpr-hit article[data-hit='{hit_id}'] .lpr-verdict")).to_contain_text("Misread")

    # A search without a purpose is refused in the console, at the purpose.
    officer.evaluate("location.hash = '#/lpr/search'")
    officer.fill("#lpr-search-case", f"C-{stamp}")
    officer.fill("#lpr-search-plate", misread)
    officer.click("#lpr-search-send")
    expect(officer.locator("#lpr-search .message-error")).to_contain_text("purpose")
    expect(officer.locator("#lpr-search-purpose")).to_have_attribute("aria-invalid", "true")
    expect(officer.locator("#lpr-search-results")).to_have_count(0)

    # A read from an unknown source is refused.
    unknown = f"rtcc_lpr.nosuch{stamp}." + "A" * 43
    refused = _post_read(base, unknown, {**read, "read_id": f"unknown-{stamp}"})
    assert refused.status_code == 401, refused.text
    assert misread not in refused.text
