"""The REST resolver end to end in-process: auth, error bodies, validation, OpenAPI."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field
from rtcc.api.app import build_app
from rtcc.api.security import require
from rtcc.auth import Role


class _Ctx:
    function_name = "api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:api"
    aws_request_id = "unit"


class _Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=20)
    count: int


CLAIMS = {
    role: {"sub": f"sub-{role}", "cognito:username": role, "cognito:groups": role}
    for role in ("officer", "supervisor", "admin", "auditor")
}


@pytest.fixture(scope="module")
def app(moto_endpoint: str):
    app = build_app()

    @app.post("/api/echo", middlewares=[require(Role.OFFICER)])
    def echo(body: _Echo) -> _Echo:
        return body

    return app


def call(
    app,
    method: str,
    path: str,
    *,
    body: Any = None,
    role: str | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, dict]:
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "body": raw,
        "isBase64Encoded": False,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "test",
            "path": path,
            "httpMethod": method,
            "resourcePath": path,
        },
    }
    if role:
        event["requestContext"]["authorizer"] = {"claims": CLAIMS[role]}
    response = app.resolve(event, _Ctx())
    text = response["body"]
    return response["statusCode"], (json.loads(text) if text and text.startswith("{") else {"raw": text})


def test_health_is_public(app) -> None:
    status, body = call(app, "GET", "/api/health")
    assert status == 200 and body["status"] == "ok"


def test_audit_needs_a_token_then_the_right_role(app) -> None:
    assert call(app, "GET", "/api/audit")[0] == 401
    status, body = call(app, "GET", "/api/audit", role="officer")
    assert status == 403 and "auditor" in body["message"]
    assert call(app, "GET", "/api/audit", role="auditor")[0] == 200
    assert call(app, "GET", "/api/audit", role="admin")[0] == 200


def test_reading_the_audit_log_is_itself_audited(app) -> None:
    call(app, "GET", "/api/audit", role="auditor")
    _, body = call(app, "GET", "/api/audit", role="auditor", query={"newest_first": "true", "limit": "1"})
    (latest,) = body["entries"]
    assert (latest["actor"], latest["action"], latest["role"]) == ("auditor", "audit.read", "auditor")
    assert latest["request_id"]


def test_audit_filters(app) -> None:
    call(app, "GET", "/api/audit/verify", role="admin")
    _, body = call(
        app, "GET", "/api/audit", role="auditor", query={"action": "audit.verify", "actor": "admin"}
    )
    assert body["entries"] and all(e["action"] == "audit.verify" for e in body["entries"])
    _, body = call(app, "GET", "/api/audit", role="auditor", query={"target": "audit-*", "limit": "1"})
    assert len(body["entries"]) == 1 and body["next_after_seq"] is not None


def test_verify_reports_an_intact_chain(app) -> None:
    status, body = call(app, "GET", "/api/audit/verify", role="auditor")
    assert status == 200 and body["ok"] is True and body["checked"] >= 1


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": "many"}, "limit"), ({"limit": "0"}, "limit"), ({"after_seq": "-1"}, "after_seq")],
)
def test_wrong_query_types_name_the_field(app, query, field) -> None:
    status, body = call(app, "GET", "/api/audit", role="auditor", query=query)
    assert status == 422
    assert body["message"].startswith(f"{field}:")
    assert body["detail"][0]["field"] == field


def test_malformed_json_is_400(app) -> None:
    status, body = call(app, "POST", "/api/echo", role="officer", body='{"name": "x", ')
    assert status == 400 and "malformed JSON" in body["message"]


def test_unknown_fields_and_wrong_types_are_422(app) -> None:
    status, body = call(
        app, "POST", "/api/echo", role="officer", body={"name": "x", "count": 1, "admin": True}
    )
    assert status == 422 and body["detail"][0]["field"] == "admin"
    status, body = call(app, "POST", "/api/echo", role="officer", body={"name": "x", "count": "lots"})
    assert status == 422 and body["detail"][0]["field"] == "count"
    assert call(app, "POST", "/api/echo", role="officer", body={"name": "x", "count": 2})[0] == 200


def test_oversized_body_is_413_before_any_work(app) -> None:
    status, body = call(app, "POST", "/api/echo", role="officer", body={"name": "x" * 300_000, "count": 1})
    assert status == 413 and "limit" in body["message"]


def test_unknown_route_is_404_json(app) -> None:
    status, body = call(app, "GET", "/api/nowhere", role="officer")
    assert status == 404 and body["message"] == "no route for GET /api/nowhere"


def test_unexpected_errors_are_500_without_internals(app) -> None:
    @app.get("/api/boom", middlewares=[require(Role.OFFICER)])
    def boom() -> dict:
        raise RuntimeError("secret internals")

    status, body = call(app, "GET", "/api/boom", role="officer")
    assert status == 500 and "secret" not in json.dumps(body) and "Traceback" not in json.dumps(body)


def test_openapi_lists_the_routes(app) -> None:
    status, spec = call(app, "GET", "/api/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    assert {"/api/health", "/api/audit", "/api/audit/verify", "/api/me", "/config.json"} <= set(spec["paths"])
    assert "cognito" in spec["components"]["securitySchemes"]


def test_swagger_ui_is_served_from_our_origin(app) -> None:
    status, body = call(app, "GET", "/api/docs")
    assert status == 200
    assert "/vendor/swagger-ui/" in body["raw"] and "cdn" not in body["raw"].lower()


def test_console_config_carries_no_secret(app) -> None:
    status, body = call(app, "GET", "/config.json")
    assert status == 200
    assert set(body) >= {"userPoolId", "userPoolClientId", "cognitoEndpoint", "apiBase", "capabilities"}
    assert "twilio" not in json.dumps(body).lower()


def test_console_config_names_the_map_tile_server_only_when_one_is_set(app, monkeypatch) -> None:
    """No tile server by default (`make dev`): the /tip map is a plain grid, no picture requested."""
    from rtcc.settings import reload_settings

    monkeypatch.delenv("RTCC_MAP_TILES", raising=False)
    monkeypatch.setenv("RTCC_MAP_TILES_ATTRIBUTION", "ignored without tiles")
    reload_settings()
    try:
        body = call(app, "GET", "/config.json")[1]
        assert body["mapTiles"] is None and body["mapTilesAttribution"] is None
        monkeypatch.setenv("RTCC_MAP_TILES", "https://tiles.city.example/{z}/{x}/{y}.png")
        monkeypatch.setenv("RTCC_MAP_TILES_ATTRIBUTION", "© City GIS")
        reload_settings()
        body = call(app, "GET", "/config.json")[1]
        assert body["mapTiles"] == "https://tiles.city.example/{z}/{x}/{y}.png"
        assert body["mapTilesAttribution"] == "© City GIS"
    finally:
        monkeypatch.undo()
        reload_settings()


def test_console_config_names_where_public_maps_open(app, monkeypatch) -> None:
    from rtcc.settings import reload_settings

    monkeypatch.delenv("RTCC_MAP_CENTER", raising=False)
    reload_settings()
    assert call(app, "GET", "/config.json")[1]["mapCenter"] is None  # unset: the page's default view
    monkeypatch.setenv("RTCC_MAP_CENTER", "[44.0521, -123.0868]")
    monkeypatch.setenv("RTCC_MAP_ZOOM", "12")
    reload_settings()
    try:
        body = call(app, "GET", "/config.json")[1]
        assert body["mapCenter"] == [44.0521, -123.0868] and body["mapZoom"] == 12
    finally:
        monkeypatch.undo()
        reload_settings()


def test_me_reports_groups_and_implied_roles(app) -> None:
    status, body = call(app, "GET", "/api/me", role="supervisor")
    assert status == 200 and body["groups"] == ["supervisor"] and body["roles"] == ["officer", "supervisor"]


def test_the_docs_get_the_consoles_security_headers(app, moto_endpoint: str) -> None:
    """/api/docs is a page a browser renders: nosniff, no framing, no referrer, and a CSP
    that allows our origin and exactly the page's own inline start-up script."""
    import base64
    import hashlib
    import re

    event = {
        "resource": "/api/docs",
        "path": "/api/docs",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": "test", "path": "/api/docs"},
    }
    response = app.resolve(event, _Ctx())
    headers = {k: v[-1] for k, v in response["multiValueHeaders"].items()} | (response.get("headers") or {})
    assert response["statusCode"] == 200
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer" and "max-age" in headers["Strict-Transport-Security"]
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "*" not in csp
    (script,) = re.findall(r"<script>(.*?)</script>", response["body"], re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
