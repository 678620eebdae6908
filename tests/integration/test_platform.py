"""The local stack answers like the deployed one: health, OpenAPI, console, config, static
files, all under the stage path (/prod) as on the execute-api URL."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from rtcc.topology import TOPOLOGY

pytestmark = pytest.mark.integration


def test_health_is_public_and_reports_local(api) -> None:
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "environment": "local"}
    assert response.headers["Content-Type"].startswith("application/json")


def test_openapi_lists_the_routes_and_the_bearer_scheme(api) -> None:
    schema = api.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/health", "/api/audit", "/api/audit/verify", "/api/me", "/config.json"} <= set(
        schema["paths"]
    )
    assert "cognito" in schema["components"]["securitySchemes"]


def test_swagger_ui_page_and_its_assets_come_from_our_origin(api) -> None:
    page = api.get("/api/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    assets = re.findall(r"(?:href|src)='([^']*/vendor/swagger-ui/[^']+)'", page.text)
    assert len(assets) == 2, page.text
    for asset in assets:
        # Resolved as the browser does, against the page under /prod: it must stay there.
        url = urljoin(page.url, asset)
        assert urlsplit(url).path.startswith(urlsplit(api.base_url).path + "/vendor/"), url
        assert requests.get(url, timeout=10).status_code == 200, url


def test_the_gateway_answers_only_under_the_stage_path(local_stack) -> None:
    base = urlsplit(local_stack.base_url)
    assert base.path == "/prod"
    origin = f"{base.scheme}://{base.netloc}"
    for outside in (
        "/api/health",
        "/config.json",
        "/",
        "/vendor/swagger-ui/swagger-ui.min.css",
        "/prodx/api/health",
    ):
        response = requests.get(origin + outside, timeout=10)
        assert response.status_code == 403, outside
        # API Gateway's answer for a path no stage serves.
        assert response.json() == {"message": "Missing Authentication Token"}, outside
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert requests.get(origin + "/prod/api/health", timeout=10).json()["status"] == "ok"
    # The stage itself is the root resource, as on the execute-api URL.
    assert requests.get(origin + "/prod", timeout=10).headers["Content-Type"].startswith("text/html")


def test_the_console_config_and_openapi_point_under_the_stage_path(api) -> None:
    # Relative to config.json: a console loaded from /prod/ calls /prod/api/..., never /api/...
    assert api.get("/config.json").json()["apiBase"] == "api"
    # A client of the spec calls the stage, not the host root.
    assert api.get("/api/openapi.json").json()["servers"] == [{"url": "/prod"}]


def test_root_serves_the_console(api, local_stack) -> None:
    index = local_stack.web_root / TOPOLOGY.pages["/"]
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    # The page as stored, with connect-src filled in for this environment (the emulator's
    # origin here; deployed, Cognito and the media bucket: rtcc.web_security).
    # The operations map's img-src likewise names the configured tile server (none here).
    from rtcc.settings import get_settings
    from rtcc.web_security import (
        CONNECT_PLACEHOLDER,
        IMAGE_PLACEHOLDER,
        VIDEO_PLACEHOLDER,
        local_connect_sources,
        local_video_sources,
        tile_image_sources,
        with_connect_sources,
        with_image_sources,
        with_video_sources,
    )

    stored = index.read_text()
    assert CONNECT_PLACEHOLDER in stored
    expected = with_connect_sources(stored, local_connect_sources(local_stack.aws_endpoint_url))
    # ...and live video's origin: the KVS stand-in (rtcc.local.kvs_media).
    expected = with_video_sources(expected, local_video_sources(local_stack.kvs_media.url))
    expected = with_image_sources(expected, tile_image_sources(get_settings().map_tiles))
    assert response.text == expected and CONNECT_PLACEHOLDER not in response.text
    assert IMAGE_PLACEHOLDER not in response.text and VIDEO_PLACEHOLDER not in response.text


def test_static_assets_get_their_content_types(api, local_stack) -> None:
    scripts = sorted((local_stack.web_root / "assets").glob("*.js"))
    assert scripts, "the console ships its scripts under web/public/assets"
    response = api.get("/assets/" + scripts[0].name)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    head = api.head("/assets/" + scripts[0].name)
    assert head.status_code == 200 and head.content == b""


def test_no_path_escapes_the_web_root(local_stack) -> None:
    # requests would normalise "..", so send the raw request line.
    import socket

    base = urlsplit(local_stack.base_url)
    with socket.create_connection((base.hostname, base.port), timeout=10) as conn:
        request = f"GET {base.path}/../../pyproject.toml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        conn.sendall(request.encode())
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404")
    assert b"[project]" not in reply


def test_unknown_path_is_a_json_404(api) -> None:
    response = api.get("/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "no route for GET /no/such/page"}


def test_config_points_the_browser_at_a_cognito_endpoint_it_can_use(api, local_stack) -> None:
    config = api.get("/config.json").json()
    assert config["userPoolId"] == local_stack.user_pool_id
    assert config["userPoolClientId"] == local_stack.client_id
    base = urlsplit(local_stack.base_url)
    origin = f"{base.scheme}://{base.netloc}"  # what a browser sends: no path
    target = "AWSCognitoIdentityProviderService.InitiateAuth"
    # What the browser sends first: a CORS preflight for the custom header.
    preflight = requests.options(
        config["cognitoEndpoint"],
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in (origin, "*")
    assert "x-amz-target" in preflight.headers["Access-Control-Allow-Headers"].lower()
    signed_in = requests.post(
        config["cognitoEndpoint"],
        headers={"Origin": origin, "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        json={
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": config["userPoolClientId"],
            "AuthParameters": {"USERNAME": "officer", "PASSWORD": local_stack.demo_password},
        },
        timeout=10,
    )
    assert signed_in.status_code == 200
    assert signed_in.headers["Access-Control-Allow-Origin"] in (origin, "*")
    id_token = signed_in.json()["AuthenticationResult"]["IdToken"]
    me = api.get("/api/me", headers={"Authorization": f"Bearer {id_token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "officer"
    assert me.json()["email"] == "officer@example.invalid"


def test_outbox_shows_what_was_sent_and_can_be_emptied(api) -> None:
    from rtcc.sms.gateway import local_outbox

    assert api.delete("/dev/outbox").status_code == 204
    local_outbox().send("+15550001111", "+15550100100", "first")
    local_outbox().send("+15550002222", "+15550100100", "second", ("http://example.invalid/a.jpg",))
    everything = api.get("/dev/outbox").json()
    assert everything["count"] == 2
    assert [m["body"] for m in everything["messages"]] == ["first", "second"]
    assert everything["messages"][1]["from"] == "+15550100100"
    assert everything["messages"][1]["media_urls"] == ["http://example.invalid/a.jpg"]
    one = api.get("/dev/outbox", params={"to": "+15550002222"}).json()
    assert [m["body"] for m in one["messages"]] == ["second"]
    assert api.post("/dev/outbox").status_code == 405
    assert api.delete("/dev/outbox").status_code == 204
    assert api.get("/dev/outbox").json()["count"] == 0
