"""Bad requests get a precise 4xx JSON body and write nothing."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def _audit_count(api) -> int:
    page = api.as_role("admin").get("/api/audit", params={"newest_first": "true", "limit": 1}).json()
    return page["entries"][0]["seq"] if page["entries"] else 0


def test_wrong_query_type_names_the_field(api) -> None:
    response = api.as_role("auditor").get("/api/audit", params={"limit": "lots"})
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("limit:")
    assert body["detail"][0]["field"] == "limit"


def test_out_of_range_query_names_the_field(api) -> None:
    response = api.as_role("auditor").get("/api/audit", params={"limit": "0"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "limit"


def test_a_refused_request_writes_nothing(api) -> None:
    before = _audit_count(api)
    assert api.as_role("auditor").get("/api/audit", params={"limit": "lots"}).status_code == 422
    assert api.as_role("officer").get("/api/audit").status_code == 403
    # Reading the count appends one audit.read of its own, and nothing else was added.
    assert _audit_count(api) == before + 1


def test_unknown_api_route_is_404_json_for_a_signed_in_caller(api) -> None:
    response = api.as_role("admin").get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["message"] == "no route for GET /api/no-such-thing"


def test_unknown_api_route_is_401_without_a_token(api) -> None:
    # As in API Gateway: the {proxy+} resource's authorizer answers before any routing.
    assert api.get("/api/no-such-thing").status_code == 401


def test_method_not_declared_for_a_route_is_405(api) -> None:
    response = api.post("/api/health", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert "not allowed" in response.json()["message"]


def test_body_over_the_api_limit_is_413(api, local_stack) -> None:
    limit = local_stack.settings.max_body_bytes
    body = json.dumps({"pad": "x" * (limit + 10)})
    response = api.as_role("admin").post(
        "/api/audit", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert f"{limit} bytes" in response.json()["message"]


def test_body_over_the_gateway_limit_is_413_before_auth(api) -> None:
    response = api.post(
        "/api/audit", data=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 413
    assert "API Gateway limit" in response.json()["message"]
