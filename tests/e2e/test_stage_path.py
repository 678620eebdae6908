"""The console under a stage path, as on the default execute-api URL
(https://<id>.execute-api.<region>.amazonaws.com/prod/): the session stack serves under
/prod like API Gateway, so a page that calls "/api/..." instead of "/prod/api/..." gets
the 403 it would get deployed. (new_page also fails any test whose page requests a path
outside the stage.)"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP

pytestmark = pytest.mark.e2e


def test_console_signs_in_and_loads_data_under_the_stage_path(new_page, sign_in, local_stack) -> None:
    base = urlsplit(local_stack.base_url)
    assert base.path == "/prod", "the session stack must serve under a stage path"
    created = requests.post(
        local_stack.base_url + "/api/public/tips",
        json={"text": "Stage path check: bikes stolen at 4 Elm"},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    code = created.json()["code"]

    page = new_page(DESKTOP)
    answers: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            answers.append((urlsplit(r.url).path, r.status))
            if urlsplit(r.url).netloc == base.netloc
            else None
        ),
    )
    sign_in(page, "supervisor")  # needs config.json and /api/me
    page.evaluate("location.hash = '#/tips'")
    expect(page.locator(f".tip-item[data-code='{code}']")).to_contain_text("bikes stolen")

    paths = {path for path, _ in answers}
    assert {"/prod/", "/prod/config.json", "/prod/api/me", "/prod/api/tips"} <= paths, sorted(paths)
    refused = [(path, status) for path, status in answers if status >= 400]
    assert refused == [], refused


def test_the_console_links_to_the_api_docs_under_the_stage_path(new_page, sign_in, local_stack) -> None:
    page = new_page(DESKTOP)
    sign_in(page, "officer")
    page.locator("a", has_text="API documentation").click()
    page.wait_for_url(local_stack.base_url + "/api/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "rtcc API" in page.locator(".swagger-ui .info .title").inner_text()
