"""The console keeps an officer signed in across the 5-minute ID token lifetime (what
bounds a disabled officer's access, rtcc.staff): it refreshes the token in the background
before it expires, and a request after the first token's expiry carries the new one.

The browser's clock (Playwright) and the local issuer's and gateway's clock
(`LocalStack.token_time_travel`) move forward together, so nothing waits five minutes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rtcc.resources import CONSOLE_TOKEN_VALIDITY_MINUTES

from tests.e2e.browser import DESKTOP

pytestmark = pytest.mark.e2e

SESSION_KEY = "rtcc.session"
LIFETIME_S = CONSOLE_TOKEN_VALIDITY_MINUTES * 60


def _stored(page: Any) -> dict:
    return json.loads(page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')") or "null") or {}


def test_console_refreshes_a_token_before_it_expires(new_page, sign_in, local_stack, api) -> None:
    page = new_page(DESKTOP)
    page.clock.install()
    sign_in(page, "officer")
    first = _stored(page)["idToken"]
    refreshes: list[str] = []
    page.on(
        "request",
        lambda r: refreshes.append(r.url) if "REFRESH_TOKEN_AUTH" in (r.post_data or "") else None,
    )

    # Two-thirds through the lifetime: the refresh timer (2 minutes before expiry) fires.
    ahead = LIFETIME_S - 100
    with local_stack.token_time_travel(ahead):
        with page.expect_response(lambda r: "REFRESH_TOKEN_AUTH" in (r.request.post_data or "")) as refreshed:
            page.clock.fast_forward(ahead * 1000)
        assert refreshed.value.status == 200
        second = refreshed.value.json()["AuthenticationResult"]["IdToken"]
        page.wait_for_timeout(200)  # the console stores it once the response is read
    assert len(refreshes) == 1
    assert _stored(page)["idToken"] == second != first

    # Past the first token's expiry: the gateway refuses it, the console's request still works.
    with local_stack.token_time_travel(LIFETIME_S + 10):
        page.clock.fast_forward(110 * 1000)
        expired = api.get("/api/me", headers={"Authorization": f"Bearer {first}"})
        assert expired.status_code == 401, "the first token must have expired by now"
        with page.expect_response(lambda r: "/api/tips" in r.url) as answer:
            page.evaluate("location.hash = '#/tips'")
        assert answer.value.status == 200
        assert answer.value.request.headers["authorization"] == f"Bearer {second}"
        assert page.is_hidden("#login-username") and page.inner_text("#who-name") == "officer"
