"""The gateway hands handlers the exact REST proxy event and turns proxy responses back
into HTTP. Driven through a gateway for a test topology (werkzeug's test client, no
socket), sharing the session stack's user pool."""

from __future__ import annotations

import base64
import json
import re

import pytest
from pydantic import BaseModel, ConfigDict, Field
from rtcc.api.app import build_app
from rtcc.api.security import require
from rtcc.auth import Role
from rtcc.topology import FunctionSpec, HttpRoute, Topology
from werkzeug.test import Client

pytestmark = pytest.mark.integration

TOPOLOGY = Topology(
    functions=(
        FunctionSpec("capture", "tests.integration.capture", "test"),
        FunctionSpec("echo", "tests.integration.echo", "test"),
        FunctionSpec("broken", "tests.integration.broken", "test"),
    ),
    routes=(
        HttpRoute("/webhooks/capture", "capture", public=True, methods=("POST",)),
        HttpRoute("/api/capture/{proxy+}", "capture"),
        HttpRoute("/api/echo", "echo", methods=("POST",)),
        HttpRoute("/api/broken", "broken", public=True),
    ),
)


class Captured:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.contexts: list[object] = []

    def __call__(self, event: dict, context: object) -> dict:
        self.events.append(event)
        self.contexts.append(context)
        return {
            "statusCode": 201,
            "headers": {"Content-Type": "image/png", "X-Single": "one"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x89PNG\r\n").decode(),
            "isBase64Encoded": True,
        }


class EchoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=20)
    count: int


@pytest.fixture(scope="module")
def captured() -> Captured:
    return Captured()


@pytest.fixture(scope="module")
def client(local_stack, captured) -> Client:
    echo_app = build_app()

    @echo_app.post("/api/echo", middlewares=[require(Role.OFFICER)])
    def echo(body: EchoIn) -> EchoIn:
        return body

    def broken(event: dict, context: object) -> dict:
        raise RuntimeError("boom")

    app = local_stack.gateway_app(TOPOLOGY, {"capture": captured, "echo": echo_app.resolve, "broken": broken})
    return Client(app)


def test_form_post_arrives_base64_with_all_request_parts(client, captured) -> None:
    form = b"Body=hello+there&From=%2B15550001111&MediaUrl0=x&MediaUrl0=y"
    response = client.post(
        "/webhooks/capture?a=1&a=2&b=",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "sig"},
    )
    assert response.status_code == 201
    event = captured.events[-1]
    assert event["resource"] == "/webhooks/capture"
    assert event["path"] == "/webhooks/capture"
    assert event["httpMethod"] == "POST"
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == form
    assert event["headers"]["X-Twilio-Signature"] == "sig"
    assert event["multiValueHeaders"]["X-Twilio-Signature"] == ["sig"]
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["pathParameters"] is None
    context = event["requestContext"]
    assert context["stage"] == "local"
    assert context["resourcePath"] == "/webhooks/capture"
    assert context["identity"]["sourceIp"]
    assert len(context["requestId"]) == 36
    assert "authorizer" not in context  # a public route has no authorizer
    lambda_context = captured.contexts[-1]
    assert lambda_context.function_name == "capture"
    assert 0 < lambda_context.get_remaining_time_in_millis() <= 15000


def test_json_body_stays_text_and_no_query_is_null(client, captured, token) -> None:
    client.get(
        "/api/capture/tips/T-4F7K",
        headers={"Authorization": f"Bearer {token('supervisor')}"},
    )
    event = captured.events[-1]
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    client.post(
        "/api/capture/x",
        data=b'{"a": 1}',
        headers={"Authorization": token("supervisor"), "Content-Type": "application/json"},
    )
    event = captured.events[-1]
    assert event["body"] == '{"a": 1}' and event["isBase64Encoded"] is False


def test_authorized_route_gets_claims_rendered_as_strings(client, captured, token) -> None:
    client.get("/api/capture/tips/T-4F7K", headers={"Authorization": f"Bearer {token('supervisor')}"})
    event = captured.events[-1]
    assert event["resource"] == "/api/capture/{proxy+}"
    assert event["pathParameters"] == {"proxy": "tips/T-4F7K"}
    claims = event["requestContext"]["authorizer"]["claims"]
    assert all(isinstance(v, str) for v in claims.values())
    assert claims["cognito:groups"] == "supervisor"
    assert claims["cognito:username"] == "supervisor"
    assert claims["token_use"] == "id"
    # Times as the REST authorizer writes them, e.g. "Fri Nov 27 06:38:31 UTC 2026".
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}", claims["exp"])


def test_proxy_response_headers_and_binary_body_come_back(client, token) -> None:
    response = client.post("/webhooks/capture", data=b"x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 201
    assert response.data == b"\x89PNG\r\n"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Single"] == "one"
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_malformed_json_is_400_naming_the_body(client, token) -> None:
    response = client.post(
        "/api/echo",
        data=b'{"name": "x",',
        headers={"Authorization": token("officer"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["message"] == "body: malformed JSON"


def test_wrong_body_types_are_422_naming_the_field(client, token) -> None:
    headers = {"Authorization": token("officer"), "Content-Type": "application/json"}
    response = client.post("/api/echo", data=json.dumps({"name": "x", "count": "many"}), headers=headers)
    assert response.status_code == 422
    assert response.json["detail"][0]["field"] == "count"
    response = client.post("/api/echo", data=json.dumps({"name": "x" * 50, "count": 1}), headers=headers)
    assert response.status_code == 422
    assert response.json["detail"][0]["field"] == "name"
    response = client.post(
        "/api/echo", data=json.dumps({"name": "x", "count": 1, "extra": 1}), headers=headers
    )
    assert response.status_code == 422
    assert response.json["detail"][0]["field"] == "extra"
    ok = client.post("/api/echo", data=json.dumps({"name": "x", "count": 1}), headers=headers)
    assert ok.status_code == 200 and ok.json == {"name": "x", "count": 1}


def test_a_function_that_throws_is_a_502_without_internals(client) -> None:
    response = client.get("/api/broken")
    assert response.status_code == 502
    assert response.json == {"statusCode": 502, "message": "Internal server error"}
    assert "boom" not in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def staged(local_stack, captured) -> Client:
    """The same gateway under a stage path, as the execute-api URL serves under /prod."""
    return Client(local_stack.gateway_app(TOPOLOGY, {"capture": captured}, base_path="/prod"))


def test_under_a_stage_path_the_event_path_has_no_stage_and_the_context_has_it(
    staged, captured, token
) -> None:
    response = staged.get("/prod/api/capture/tips/T-4F7K?x=1", headers={"Authorization": token("officer")})
    assert response.status_code == 201
    event = captured.events[-1]
    # As API Gateway sends it: routes match the resource path; the stage is in the context.
    assert event["path"] == "/api/capture/tips/T-4F7K"
    assert event["resource"] == "/api/capture/{proxy+}"
    assert event["pathParameters"] == {"proxy": "tips/T-4F7K"}
    assert event["requestContext"]["path"] == "/prod/api/capture/tips/T-4F7K"
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["resourcePath"] == "/api/capture/{proxy+}"


def test_outside_the_stage_path_is_api_gateways_403(staged, captured) -> None:
    before = len(captured.events)
    for path in ("/webhooks/capture", "/", "/prodigy/webhooks/capture", "/api/capture/x"):
        response = staged.post(path, data=b"x")
        assert response.status_code == 403, path
        assert response.json == {"message": "Missing Authentication Token"}
    assert len(captured.events) == before, "nothing outside the stage reaches a function"
    assert staged.post("/prod/webhooks/capture", data=b"x").status_code == 201


def test_at_the_root_the_context_path_is_the_request_path(client, captured) -> None:
    client.post("/webhooks/capture", data=b"x")
    event = captured.events[-1]
    # As on a custom domain: no stage in the URL, so none in requestContext.path either.
    assert event["path"] == event["requestContext"]["path"] == "/webhooks/capture"


def test_a_base_path_is_one_stage_like_segment() -> None:
    from rtcc.local.gateway import normalize_base_path

    assert normalize_base_path("prod") == normalize_base_path("/prod/") == "/prod"
    assert normalize_base_path("") == normalize_base_path("/") == ""
    for bad in ("/a/b", "/pr od", "/../x"):
        with pytest.raises(ValueError):
            normalize_base_path(bad)
