"""The composer sends one `Idempotency-Key` per composed alert (review finding 5): Send pressed
again after a failed answer repeats the key (the server answers the first send's alert
instead of sending twice); an edited draft is another alert, with a new key."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import PHONE
from tests.e2e.test_alerts_composer import StubAlertsApi

pytestmark = pytest.mark.e2e


class FlakySendApi(StubAlertsApi):
    """The first POST /api/alerts answers 503 (as when the queue refused pages); keys recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str | None] = []

    def handle(self, route: Any) -> None:
        request = route.request
        if request.method == "POST" and re.search(r"/api/alerts$", request.url.split("?")[0]):
            self.keys.append(request.headers.get("idempotency-key"))
            if len(self.keys) == 1:
                message = {
                    "message": "the fan-out queue refused the pages of 2 recipient(s); "
                    "send the same alert again"
                }
                route.fulfill(status=503, content_type="application/json", body=json.dumps(message))
                return
        super().handle(route)


def test_send_again_after_a_failure_repeats_the_key_and_an_edit_changes_it(new_page, sign_in) -> None:
    stub = FlakySendApi()
    page = new_page(PHONE)
    page.route(re.compile(r".*/api/(alerts|public/alerts/zones)(/.*)?(\?.*)?$"), stub.handle)
    sign_in(page, "supervisor")
    page.click("#nav a[data-view=alerts]")
    page.wait_for_selector("#alerts-composer")
    page.check("#alert-zones-0")
    page.fill("#alert-text-en", "Main St closed until 6pm.")
    page.click("#alert-send")
    expect(page.locator(".message-error")).to_contain_text("send the same alert again")
    page.fill("#alert-text-en", "Main St closed until 7pm.")  # edited: another alert
    page.fill("#alert-text-en", "Main St closed until 6pm.")  # and back: still a new composition
    first_key = stub.keys[0]
    page.click("#alert-send")
    page.wait_for_url(re.compile(r"#/alerts/a-20261201-x1$"))
    assert first_key and re.fullmatch(r"[0-9a-f-]{36}", first_key)
    assert len(stub.keys) == 2 and stub.keys[1] != first_key


def test_a_retried_send_of_the_same_draft_repeats_the_key(new_page, sign_in) -> None:
    stub = FlakySendApi()
    page = new_page(PHONE)
    page.route(re.compile(r".*/api/(alerts|public/alerts/zones)(/.*)?(\?.*)?$"), stub.handle)
    sign_in(page, "supervisor")
    page.click("#nav a[data-view=alerts]")
    page.wait_for_selector("#alerts-composer")
    page.check("#alert-zones-0")
    page.fill("#alert-text-en", "Main St closed until 6pm.")
    page.click("#alert-send")
    expect(page.locator(".message-error")).to_contain_text("send the same alert again")
    page.click("#alert-send")
    page.wait_for_url(re.compile(r"#/alerts/a-20261201-x1$"))
    assert len(stub.keys) == 2 and stub.keys[0] == stub.keys[1] and stub.keys[0]
