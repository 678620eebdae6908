"""tip-outbound never starts a send it may not finish before Lambda's timeout."""

from __future__ import annotations

import pytest
from rtcc.tips.jobs import ReplyJob

from functions import tip_outbound
from tests.sqs import sqs_record


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def get_remaining_time_in_millis(self) -> int:
        return self.ms


class Sender:
    def __init__(self) -> None:
        self.jobs: list[ReplyJob] = []

    def handle(self, job: ReplyJob, receive_count: int) -> str:
        self.jobs.append(job)
        return "sent"


def record() -> tip_outbound.OutboundJobRecord:
    job = ReplyJob(code="T-4F7K", message_key="k")
    return tip_outbound.OutboundJobRecord.model_validate(
        sqs_record("m1", job.model_dump_json(), "tip-outbound")
    )


def test_a_send_starts_only_with_its_whole_budget_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tip_outbound, "count", lambda *a, **k: None)
    sender = Sender()
    short = Clock(tip_outbound.SEND_BUDGET_MS - 1)
    with pytest.raises(tip_outbound.OutOfTime):
        tip_outbound.record_handler(record(), lambda_context=short, sender=sender)  # type: ignore[arg-type]
    assert sender.jobs == []  # untouched: SQS hands it out again
    plenty = Clock(tip_outbound.SEND_BUDGET_MS + 1)
    assert tip_outbound.record_handler(record(), lambda_context=plenty, sender=sender) == "sent"  # type: ignore[arg-type]
    assert len(sender.jobs) == 1
    assert tip_outbound.SEND_BUDGET_MS > tip_outbound.TWILIO_TIMEOUT_S * 1000
