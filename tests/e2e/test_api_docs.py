"""Swagger UI at /api/docs works from our own origin: the vendored swagger-ui-dist files
(web/public/vendor/swagger-ui, copied by `npm ci --prefix web`), no CDN, and under the
stage path of the execute-api URL (/prod/api/docs loads /prod/vendor/...)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import DESKTOP

pytestmark = pytest.mark.e2e

VENDORED = Path(__file__).resolve().parents[2] / "web" / "public" / "vendor" / "swagger-ui"


def test_api_docs_load_swagger_ui_from_our_origin_only(new_page, local_stack, screenshot) -> None:
    if not (VENDORED / "swagger-ui-bundle.min.js").is_file():
        pytest.fail("web/public/vendor/swagger-ui is missing: run `npm ci --prefix web` (or `make install`)")
    page = new_page(DESKTOP)
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    responses: dict[str, int] = {}
    page.on("response", lambda response: responses.__setitem__(response.url, response.status))

    page.goto(local_stack.base_url + "/api/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "rtcc API" in title.inner_text()
    # The operations of the spec are rendered (one per route, e.g. GET /api/me).
    page.locator(".opblock-summary-path[data-path='/api/me']").first.wait_for()

    ours = urlsplit(local_stack.base_url)
    assert ours.path == "/prod", "the session stack serves under a stage path"
    web = [urlsplit(url) for url in requested if urlsplit(url).scheme in ("http", "https")]
    others = [url.geturl() for url in web if url.netloc != ours.netloc]
    assert others == [], f"requests to another origin: {others}"
    outside = [url.path for url in web if not url.path.startswith(ours.path + "/")]
    assert outside == [], f"requests outside {ours.path}/: {outside}"
    vendored = [url for url in requested if "/vendor/swagger-ui/" in url]
    assert {urlsplit(u).path for u in vendored} >= {
        "/prod/vendor/swagger-ui/swagger-ui-bundle.min.js",
        "/prod/vendor/swagger-ui/swagger-ui.min.css",
    }
    assert all(responses.get(url) == 200 for url in vendored), responses
    assert failed == []
    # "Try it out" calls the API where the page is: under the stage, not at the host root.
    servers = page.locator(".servers select option").all_inner_texts()
    assert servers == ["/prod"], servers
    screenshot(page, "api-docs-desktop")
