"""The officer console in headless Chromium against the local stack: sign-in (and its
errors), role-based navigation, the audit log, token refresh, sign-out, phone layout."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, TIMEZONE, horizontal_overflow, nav_labels

pytestmark = pytest.mark.e2e

SESSION_KEY = "rtcc.session"


def stored_session(page: Any) -> dict | None:
    raw = page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')")
    return json.loads(raw) if raw else None


def expected_local(iso: str) -> str:
    """What Intl (en-US, dateStyle/timeStyle medium) shows for `iso` in the test timezone."""
    local = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(TIMEZONE))
    hour = local.hour % 12 or 12
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M:%S} {'AM' if local.hour < 12 else 'PM'}"


def normalise(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_officer_signs_in_and_sees_the_console(new_page, sign_in, local_stack, screenshot) -> None:
    page = new_page(DESKTOP)
    sign_in(page, "officer")

    assert page.inner_text("#who-name") == "officer"
    assert page.inner_text("#who-role") == "Officer"
    assert nav_labels(page) == [
        "Home",
        "Tips",
        "Operations map",
        "Footage requests",
        "Live video",
        "Plate reads",
    ], "an officer must not see the audit log"
    assert page.inner_text("#view-title") == "Home"
    assert page.inner_text("#home-username") == "officer"
    assert page.inner_text("#home-role") == "Officer"
    assert page.url.endswith("#/home")
    docs = page.locator("a", has_text="API documentation")
    assert docs.evaluate("a => a.href") == local_stack.base_url + "/api/docs"

    tokens = stored_session(page)
    assert tokens and tokens["idToken"] and tokens["refreshToken"], "tokens belong in sessionStorage"
    assert not page.evaluate("Object.keys(localStorage).some(k => k.includes('session'))")
    screenshot(page, "officer-home-desktop")


def test_officer_deep_link_to_audit_is_refused_without_calling_the_api(new_page, local_stack) -> None:
    page = new_page(DESKTOP)
    audit_calls: list[str] = []
    page.on("request", lambda r: audit_calls.append(r.url) if "/api/audit" in r.url else None)
    page.goto(local_stack.base_url + "/#/audit")
    page.fill("#login-username", "officer")
    page.fill("#login-password", local_stack.demo_password)
    page.click("form button[type=submit]")

    alert = page.locator("main [role=alert]")
    alert.wait_for()
    assert "needs one of the roles: Auditor, Administrator" in alert.inner_text()
    assert audit_calls == []


def test_wrong_password_shows_cognitos_message_and_keeps_no_tokens(new_page, local_stack) -> None:
    page = new_page(DESKTOP)
    page.goto(local_stack.base_url + "/")
    page.fill("#login-username", "officer")
    page.fill("#login-password", "not-the-password")
    page.click("form button[type=submit]")

    alert = page.locator(".login [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == "Incorrect username or password."
    assert page.is_visible("#login-password")
    assert page.evaluate("document.activeElement.id") == "login-password"
    assert stored_session(page) is None
    assert page.is_hidden("#topbar")

    page.fill("#login-username", "nobody-here")
    page.fill("#login-password", "Whatever-1234!")
    page.click("form button[type=submit]")
    expect(alert).to_have_text("User does not exist.")


def test_sign_in_with_the_keyboard_only(new_page, local_stack) -> None:
    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/")
    page.wait_for_selector("#login-username")
    assert page.evaluate("document.activeElement.id") == "login-username"
    page.keyboard.type(local_stack.users["supervisor"])
    page.keyboard.press("Tab")
    page.keyboard.type(local_stack.demo_password)
    page.keyboard.press("Enter")
    page.wait_for_selector("#who-name")
    assert page.inner_text("#who-role") == "Supervisor"


def test_auditor_reads_filters_pages_and_verifies_the_audit_log(new_page, sign_in, api, screenshot) -> None:
    # 30 verifications: each is an audit entry, enough for two pages of 25.
    auditor_api = api.as_role("auditor")
    for _ in range(30):
        assert auditor_api.get("/api/audit/verify").status_code == 200

    page = new_page(DESKTOP)
    sign_in(page, "auditor")
    assert page.inner_text("#who-role") == "Auditor"
    assert nav_labels(page) == ["Home", "Audit log"]
    page.click("#nav a[data-view=audit]")
    page.wait_for_selector("#audit-entries tr.entry")
    assert page.evaluate("document.activeElement.id") == "view-title", "focus moves to the new page"

    # Times are shown in the browser's local time, the UTC value kept in datetime.
    first_time = page.locator("#audit-entries tr.entry time").first
    assert normalise(first_time.inner_text()) == expected_local(first_time.get_attribute("datetime"))

    page.fill("#audit-actor", "auditor")
    page.fill("#audit-action", "audit.verify")
    page.select_option("#audit-limit", "25")
    page.click("text=Apply filters")
    rows = page.locator("#audit-entries tr.entry")
    expect(rows).to_have_count(25)
    expect(rows.locator("td[data-label=Action]").first).to_have_text("audit.verify")
    page.click("text=Load more")
    expect(rows.nth(29)).to_be_visible()

    seqs = [int(s) for s in rows.evaluate_all("rows => rows.map(r => r.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs), "newest first, no repeats"
    actions = rows.locator("td[data-label=Action]").all_inner_texts()
    assert set(actions) == {"audit.verify"}
    assert set(rows.locator("td[data-label=Actor]").all_inner_texts()) == {"auditor"}

    # The detail row shows the hash link of the entry.
    page.locator("#audit-entries tr.entry .btn-link").first.click()
    detail = page.locator("#audit-entries tr.entry-detail").first
    assert detail.is_visible()
    assert "Entry hash" in detail.inner_text()

    page.click("#audit-verify")
    page.wait_for_selector(".message-ok")
    assert page.inner_text(".message-ok").startswith("Chain OK:")
    screenshot(page, "auditor-audit-desktop")


def test_expired_or_rejected_id_token_is_refreshed(new_page, sign_in, local_stack) -> None:
    page = new_page(DESKTOP)
    sign_in(page, "admin")
    before = stored_session(page)

    # A token the gateway rejects (bad signature): the console refreshes once and retries.
    refreshes: list[str] = []

    def on_request(request: Any) -> None:
        if request.method == "POST" and "REFRESH_TOKEN_AUTH" in (request.post_data or ""):
            refreshes.append(request.url)

    page.on("request", on_request)
    tampered = {**before, "idToken": before["idToken"][:-6] + "AAAAAA"}
    page.evaluate(f"sessionStorage.setItem('{SESSION_KEY}', {json.dumps(json.dumps(tampered))})")
    page.reload()
    page.wait_for_selector("#who-name")
    assert page.inner_text("#who-role") == "Administrator"
    assert len(refreshes) == 1
    assert stored_session(page)["idToken"] != tampered["idToken"]

    # A token about to expire is refreshed before the request leaves.
    soon = {**stored_session(page), "expiresAt": int(page.evaluate("Date.now()")) + 30_000}
    page.evaluate(f"sessionStorage.setItem('{SESSION_KEY}', {json.dumps(json.dumps(soon))})")
    page.reload()
    page.wait_for_selector("#who-name")
    assert len(refreshes) == 2
    assert stored_session(page)["expiresAt"] > soon["expiresAt"]


def test_sign_out_returns_to_the_login_form_and_clears_tokens(new_page, sign_in) -> None:
    page = new_page(PHONE)
    sign_in(page, "officer")
    page.click("text=Sign out")
    page.wait_for_selector("#login-username")
    assert page.inner_text(".login [role=status]") == "You have signed out."
    assert stored_session(page) is None
    assert page.is_hidden("#topbar") and page.is_hidden("#nav")
    page.reload()
    page.wait_for_selector("#login-username")
    assert page.is_hidden("#topbar")


def test_phone_layout_has_no_horizontal_overflow(new_page, sign_in, local_stack, screenshot) -> None:
    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/")
    page.wait_for_selector("#login-username")
    assert horizontal_overflow(page) == 0
    screenshot(page, "login-phone")

    sign_in(page, "officer")
    assert horizontal_overflow(page) == 0
    screenshot(page, "officer-home-phone")

    auditor = new_page(PHONE)
    sign_in(auditor, "auditor", path="/#/audit")
    auditor.wait_for_selector("#audit-entries tr.entry")
    auditor.locator("#audit-entries tr.entry .btn-link").first.click()  # long hashes inside
    auditor.click(".filters > summary")
    assert auditor.evaluate("document.documentElement.scrollWidth") <= 375
    # Touch targets: every button and nav link is at least 44 px tall.
    heights = auditor.locator("button:visible, #nav a").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    screenshot(auditor, "auditor-audit-phone")


def test_audit_view_shows_a_broken_chain_and_api_error_messages(new_page, sign_in) -> None:
    """Breaking the real chain would break it for every later test of the session, so the
    API's answers are substituted here: what is under test is how the console shows them."""
    page = new_page(DESKTOP)
    sign_in(page, "admin", path="/#/audit")
    page.wait_for_selector("#audit-entries tr.entry")

    broken = {"ok": False, "checked": 41, "first_broken_seq": 17, "reason": "entry_hash does not match"}
    page.route("**/api/audit/verify", lambda route: route.fulfill(json=broken))
    page.click("#audit-verify")
    alert = page.locator("[role=alert]", has_text="BROKEN")
    expect(alert).to_contain_text("Chain BROKEN at entry #17: entry_hash does not match (41 entries checked)")

    failure = {"statusCode": 422, "message": "since: Input should be a valid datetime", "detail": []}
    page.route("**/api/audit?*", lambda route: route.fulfill(status=422, json=failure))
    page.click("text=Apply filters")
    expect(page.locator("[role=alert]", has_text="since:")).to_have_text(failure["message"])
