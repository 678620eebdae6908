"""followFeed (web/public/assets/feed.js) in the console, through the tips inbox: it polls
GET /api/feed/tips, not while the tab is hidden (and at once when it shows again), backs
off when the API fails, and stops when the officer leaves the view."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.test_tips import open_inbox

pytestmark = pytest.mark.e2e

FEED = "**/api/feed/tips*"


def set_visibility(page: Any, state: str) -> None:
    """What the browser does when the tab is hidden or shown again (headless tabs never are)."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_the_feed_is_polled_only_while_visible_backs_off_and_stops(new_page, sign_in) -> None:
    page = new_page()
    polls: list[tuple[float, str]] = []

    def seen(request: Any) -> None:
        if "/api/feed/tips" in request.url:
            polls.append((time.monotonic(), request.url))

    page.on("request", seen)
    open_inbox(page, sign_in)
    page.wait_for_timeout(3_500)
    assert polls, "the inbox follows the tips channel"
    assert all("/prod/api/feed/tips?after=" in url for _, url in polls), polls  # relative to the stage

    set_visibility(page, "hidden")
    page.wait_for_timeout(300)  # a poll already on its way may land
    hidden = len(polls)
    page.wait_for_timeout(4_000)
    assert len(polls) == hidden, "no polls while the tab is hidden"
    set_visibility(page, "visible")
    page.wait_for_timeout(1_000)
    assert len(polls) > hidden, "one poll as soon as the tab shows again"

    # The API fails: the wait between polls doubles (3 s -> 6 s) instead of hammering it.
    failed: list[float] = []

    def fail(route: Any) -> None:
        failed.append(time.monotonic())
        route.fulfill(status=503, content_type="application/json", body='{"statusCode":503,"message":"down"}')

    page.route(FEED, fail)
    deadline = time.monotonic() + 15
    while len(failed) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert len(failed) == 2, failed
    assert failed[1] - failed[0] > 5, f"no back-off: {failed[1] - failed[0]:.1f} s between failed polls"
    page.unroute(FEED)

    page.evaluate("location.hash = '#/home'")
    page.wait_for_timeout(500)
    left = len(polls)
    page.wait_for_timeout(7_000)  # longer than the backed-off wait
    assert len(polls) == left, "the feed stops when the view is left"
