"""functions/lpr_ingest.py, the thin handler: the body's exact bytes to the service (base64
decoded when API Gateway encoded it), an over-long body refused on its encoded length before
decoding, refusals as JSON naming the field, POST only."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import pytest
from rtcc.lpr.ingest import IngestResult, NothingStored
from rtcc.lpr.reads import Refusal
from rtcc.lpr.sources import Unauthenticated

from functions import lpr_ingest

CONTEXT = SimpleNamespace(
    function_name="lpr-ingest",
    memory_limit_in_mb=1024,
    invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:lpr-ingest",
    aws_request_id="req-1",
)


@pytest.fixture(autouse=True)
def counted(monkeypatch: pytest.MonkeyPatch) -> list:
    """The door's refusal counter (a DynamoDB UpdateItem) recorded here instead."""
    seen: list = []
    monkeypatch.setattr("rtcc.refusals.count_refusal", lambda door, reason: seen.append((door, reason)))
    return seen


class FakeIngest:
    def __init__(self, answer=None) -> None:
        self.rules = SimpleNamespace(max_bytes=1024)
        self.seen: list = []
        self.answer = answer

    def receive(self, headers, body):
        self.seen.append((headers, body))
        if isinstance(self.answer, Exception):
            raise self.answer
        return IngestResult(accepted=1)


def call(event: dict, ingest: FakeIngest) -> dict:
    out = lpr_ingest.handler(
        {"httpMethod": "POST", "requestContext": {"requestId": "r"}} | event, CONTEXT, ingest
    )
    return out | {"json": json.loads(out["body"])}


def test_the_raw_bytes_reach_the_service_decoded_from_base64() -> None:
    raw = b'\xef\xbb\xbf{"plate": "ABC"}'
    ingest = FakeIngest()
    out = call(
        {"body": base64.b64encode(raw).decode(), "isBase64Encoded": True, "headers": {"A": "b"}}, ingest
    )
    assert out["statusCode"] == 200 and out["json"]["accepted"] == 1
    assert ingest.seen == [({"A": "b"}, raw)]


def test_an_over_long_body_is_413_before_decoding_or_the_service(counted: list) -> None:
    ingest = FakeIngest()
    for event in ({"body": "x" * 1025}, {"body": "A" * 1500, "isBase64Encoded": True}):
        out = call(event, ingest)
        assert out["statusCode"] == 413 and out["json"]["field"] == "body"
    assert ingest.seen == [] and counted == [("lpr-ingest", "too_large")] * 2


def test_refusals_answer_json_naming_the_field_and_listing_items() -> None:
    out = call({"body": "{}"}, FakeIngest(Unauthenticated("send credentials", field="Authorization")))
    assert out["statusCode"] == 401 and out["json"]["field"] == "Authorization"
    out = call({"body": "{}"}, FakeIngest(NothingStored([Refusal(0, "camera_id", "not registered")])))
    assert out["statusCode"] == 400 and out["json"]["refused"] == [
        {"index": 0, "field": "camera_id", "reason": "not registered"}
    ]
    assert call({"httpMethod": "GET"}, FakeIngest())["statusCode"] == 405
    bad = call({"body": "!!!", "isBase64Encoded": True}, FakeIngest())
    assert bad["statusCode"] == 400 and bad["json"]["field"] == "body"


def test_a_failure_midway_is_a_503_to_retry_naming_nothing() -> None:
    out = call({"body": "{}"}, FakeIngest(RuntimeError("plate ABC123 in a message")))
    assert out["statusCode"] == 503 and "ABC123" not in out["body"]
