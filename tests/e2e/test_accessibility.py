"""WCAG 2 A/AA under axe-core (from npm, web/node_modules/axe-core) on every public page
and the console's views, at phone width and on a desk: zero violations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP, LOCALE, PHONE, TIMEZONE

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page: Any) -> list[dict]:
    # axe is evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(AXE.read_text())
    result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(TAGS)}}}}})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.fixture
def page_at(browser: Any, local_stack: Any):
    contexts: list[Any] = []

    def make(viewport: dict[str, int], locale: str = LOCALE) -> Any:
        context = browser.new_context(viewport=viewport, locale=locale, timezone_id=TIMEZONE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desk"])
@pytest.mark.parametrize("path", ["/", "/tip", "/tip/follow-up", "/cameras", "/cameras/owner"])
def test_public_pages_have_no_wcag_violations(page_at, local_stack: Any, path: str, viewport) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    page = page_at(viewport)
    page.goto(local_stack.base_url + path)
    page.wait_for_load_state("networkidle")
    assert violations(page) == []


@pytest.mark.parametrize("path", ["/tip", "/tip/follow-up"])
def test_public_pages_in_spanish_have_no_wcag_violations(page_at, local_stack: Any, path: str) -> None:
    """The Spanish catalog at phone width, as a Spanish browser gets it (<html lang="es">),
    and after switching to English with the page's own switch."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    page = page_at(PHONE, "es-MX")
    page.goto(local_stack.base_url + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert violations(page) == []
    page.select_option("#language-switch", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert violations(page) == []


@pytest.mark.parametrize("view", ["#/", "#/tips", "#/audit"])
def test_console_views_have_no_wcag_violations(page_at, local_stack: Any, view: str) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make install runs npm ci in web/)")
    page = page_at(PHONE)
    page.goto(local_stack.base_url + "/")
    page.fill("#login-username", local_stack.users["admin"])
    page.fill("#login-password", local_stack.demo_password)
    page.click("form button[type=submit]")
    page.wait_for_selector("#who-name")
    page.goto(local_stack.base_url + "/" + view)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the view renders after its first API answer
    assert violations(page) == []


def test_the_check_finds_a_violation(page_at) -> None:
    """The check can fail: a page with an unlabeled form field and an image without text."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}")
    page = page_at(PHONE)
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input></main></html>')
    found = {v["id"] for v in violations(page)}
    assert {"image-alt", "label"} <= found
