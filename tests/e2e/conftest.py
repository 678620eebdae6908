"""Browser fixtures: one headless Debian Chromium per session (never a downloaded
browser), a fresh context per test, and helpers to drive the console.

Set RTCC_E2E_SCREENSHOTS=/some/dir to keep phone and desktop screenshots of each screen
the tests visit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, LOCALE, TIMEZONE

NO_CHROMIUM = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set RTCC_CHROMIUM)"
#: Browser tests that skipped for want of Chromium: the session ends saying so, in one line.
_NOT_RUN: list[str] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture: a browser test without a browser starts no local stack.
    if "browser" in getattr(item, "fixturenames", ()) and not Path(CHROMIUM).exists():
        _NOT_RUN.append(item.nodeid)
        pytest.skip(NO_CHROMIUM)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any) -> Iterator[None]:
    # The outermost wrapper, written after the yield: below the coverage table and the short
    # test summary, right above the final counts, where someone reading `make test` looks.
    result = yield
    if _NOT_RUN:
        tests = "1 browser test" if len(_NOT_RUN) == 1 else f"{len(_NOT_RUN)} browser tests"
        terminalreporter.write_line(f"{tests} did not run: {NO_CHROMIUM}", yellow=True)
    return result


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: Any, local_stack: Any) -> Iterator[Callable[..., Any]]:
    """new_page(viewport=PHONE, locale="es-MX") -> a page in a fresh context (its own
    sessionStorage; the browser's language is `locale`, en-US by default).
    Uncaught page errors fail the test, and so does any request to the stack outside its
    stage path (an absolute "/api/..." or "/vendor/..." that would get a 403 deployed)."""
    contexts: list[Any] = []
    errors: list[str] = []
    stack = urlsplit(local_stack.base_url)
    outside: list[str] = []

    def check(request: Any) -> None:
        url = urlsplit(request.url)
        if url.netloc == stack.netloc and not (url.path + "/").startswith(stack.path + "/"):
            outside.append(f"{request.method} {url.path}")

    def make(viewport: dict[str, int] = DESKTOP, locale: str = LOCALE) -> Any:
        context = browser.new_context(
            viewport=viewport, locale=locale, timezone_id=TIMEZONE, reduced_motion="reduce"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", check)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not outside, f"requests outside the stage path {stack.path}: {outside}"


@pytest.fixture
def sign_in(local_stack: Any) -> Callable[..., None]:
    """sign_in(page, role) opens the console and signs in as that role's demo user."""

    def go(page: Any, role: str, password: str | None = None, path: str = "/") -> None:
        page.goto(local_stack.base_url + path)
        page.fill("#login-username", local_stack.users[role])
        page.fill("#login-password", password or local_stack.demo_password)
        page.click("form button[type=submit]")
        page.wait_for_selector("#who-name")

    return go


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    directory = os.environ.get("RTCC_E2E_SCREENSHOTS")

    def take(page: Any, name: str) -> None:
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            file = Path(directory) / f"{re.sub(r'[^a-z0-9-]+', '-', name)}.png"
            page.screenshot(path=str(file), full_page=True)

    return take
