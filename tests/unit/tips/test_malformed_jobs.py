"""A queue message that is not a job fails as that record only, with the reason logged
and never the body (rtcc.consumers, functions/tip_outbound.py, functions/tip_media.py)."""

from __future__ import annotations

import functools
import json
import traceback

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from rtcc.tips.jobs import AlertJob, MediaJob, ReplyJob

from functions import tip_media, tip_outbound
from tests.sqs import sqs_record as _sqs_record

#: Second deliveries: the logged receive count must be the record's, not a default.
sqs_record = functools.partial(_sqs_record, receive_count=2)

#: Stands for whatever a garbled message might carry: it must not reach a log line.
SECRET = "+15557654321"


class Sender:
    def __init__(self) -> None:
        self.jobs: list[ReplyJob | AlertJob] = []

    def handle(self, job: ReplyJob | AlertJob, receive_count: int) -> str:
        self.jobs.append(job)
        return "sent"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr("rtcc.consumers.count", lambda name, outcome: seen.append((name, outcome)))
    monkeypatch.setattr(tip_outbound, "count", lambda name, outcome: seen.append((name, outcome)))
    return seen


def warnings_in(caplog: pytest.LogCaptureFixture) -> dict[str, dict]:
    """The consumer's warnings about malformed messages, by message id."""
    return {r.message_id: vars(r) for r in caplog.records if getattr(r, "job", None)}


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() + " " + json.dumps(vars(r), default=str) for r in caplog.records)


def test_each_malformed_outbound_message_fails_alone_with_its_reason(caplog, counted) -> None:
    good = ReplyJob(code="T-4F7K", message_key="2026-01-01T00:00:00Z#m1")
    alert = AlertJob(code="T-4F7K", keywords=("gun",))
    event = {
        "Records": [
            sqs_record("good", good.model_dump_json(), "tip-outbound"),
            sqs_record(
                "missing", json.dumps({"kind": "reply", "code": "T-4F7K", "note": SECRET}), "tip-outbound"
            ),
            sqs_record("kind", json.dumps({"kind": SECRET, "code": "T-4F7K"}), "tip-outbound"),
            sqs_record("not-json", f"call me on {SECRET}", "tip-outbound"),
            sqs_record("alert", alert.model_dump_json(), "tip-outbound"),
        ]
    }
    sender = Sender()
    result = process_partial_response(
        event=event,
        record_handler=functools.partial(tip_outbound.record_handler, sender=sender),
        processor=tip_outbound.processor,
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": i} for i in ("missing", "kind", "not-json")]}
    assert sender.jobs == [good, alert]  # the good ones went through, typed
    warned = warnings_in(caplog)
    assert {i: w["reason"] for i, w in warned.items()} == {
        "missing": "body.reply.message_key: missing",
        "kind": "body: union_tag_invalid",
        "not-json": "body: json_invalid",
    }
    assert all(w["job"] == "OutboundJobRecord" and w["receive_count"] == "2" for w in warned.values())
    logged = everything_logged(caplog)
    assert SECRET not in logged and SECRET[2:] not in logged
    assert counted.count(("TipOutbound", "malformed")) == 3
    assert counted.count(("TipOutbound", "sent")) == 2


def test_a_batch_of_malformed_media_jobs_fails_whole_without_the_bodies(caplog, counted) -> None:
    event = {
        "Records": [
            sqs_record("1", json.dumps({"code": "T-4F7K"}), "tip-media"),
            sqs_record("2", json.dumps({"code": SECRET, "media_id": "MM1-0"}), "tip-media"),
            sqs_record("3", SECRET, "tip-media"),
        ]
    }
    # Every record fails: Powertools raises, Lambda logs the error with each record's
    # exception and SQS delivers them all again (to the dead-letter queue in the end).
    with pytest.raises(BatchProcessingError) as raised:
        process_partial_response(
            event=event, record_handler=tip_media.record_handler, processor=tip_media.processor
        )
    text = str(raised.value) + "".join(traceback.format_exception(raised.value))
    assert "MediaJobRecord: body.media_id: missing" in text
    assert "MediaJobRecord: body.code: string_pattern_mismatch" in text
    assert {i: w["reason"] for i, w in warnings_in(caplog).items()} == {
        "1": "body.media_id: missing",
        "2": "body.code: string_pattern_mismatch",
        "3": "body: json_invalid",
    }
    for where in (text, everything_logged(caplog)):
        assert SECRET not in where and SECRET[2:] not in where
    assert counted.count(("TipMedia", "malformed")) == 3


def test_producers_and_consumers_agree_on_the_jobs() -> None:
    # What SqsTipQueues sends is what the consumer's record model parses back.
    media = MediaJob(code="T-4F7K", media_id="W0123456789abcdef")
    parsed = tip_media.MediaJobRecord.model_validate(sqs_record("m", media.model_dump_json(), "tip-media"))
    assert parsed.body == media
    for job in (ReplyJob(code="T-4F7K", message_key="k"), AlertJob(code="T-4F7K", keywords=("gun",))):
        record = sqs_record("o", job.model_dump_json(), "tip-outbound")
        assert tip_outbound.OutboundJobRecord.model_validate(record).body == job


def test_a_failing_batch_error_never_quotes_a_body(caplog) -> None:
    # pydantic's own message for an unknown kind quotes it ("Input tag '...' found").
    event = {"Records": [sqs_record("k", json.dumps({"kind": SECRET, "code": "T-4F7K"}), "tip-outbound")]}
    with pytest.raises(BatchProcessingError) as raised:
        process_partial_response(
            event=event, record_handler=tip_outbound.record_handler, processor=tip_outbound.processor
        )
    text = str(raised.value) + "".join(traceback.format_exception(raised.value))
    assert SECRET not in text + everything_logged(caplog)
    assert "OutboundJobRecord: body: union_tag_invalid" in text
