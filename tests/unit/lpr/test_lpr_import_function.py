"""functions/lpr_import.py: one import per message; a refused file is an outcome, a busy
list is retried by the queue, and an import whose last delivery fails is recorded failed."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from rtcc.lpr.hotlist_import import ImportFailed
from rtcc.lpr.hotlist_store_dynamodb import ImportBusy

from functions import lpr_import


def message(receives: int) -> SQSRecord:
    return SQSRecord(
        {
            "messageId": "m1",
            "body": json.dumps({"import_id": "imp-1"}),
            "attributes": {"ApproximateReceiveCount": str(receives)},
        }
    )


@pytest.fixture
def gave_up(monkeypatch: pytest.MonkeyPatch) -> list:
    seen: list = []
    monkeypatch.setattr("rtcc.lpr.hotlist_runner.give_up", lambda i, reason, clock: seen.append((i, reason)))
    monkeypatch.setattr(lpr_import, "count", lambda name, outcome: None)
    return seen


def runs(monkeypatch: pytest.MonkeyPatch, outcome: object) -> None:
    def run(import_id, clock):
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr("rtcc.lpr.hotlist_runner.run_queued", run)


def test_done_and_refused_files_are_outcomes(monkeypatch: pytest.MonkeyPatch, gave_up: list) -> None:
    runs(monkeypatch, "done")
    assert lpr_import.record_handler(message(1)) == "done"
    runs(monkeypatch, ImportFailed("binary"))
    assert lpr_import.record_handler(message(1)) == "failed" and gave_up == []


def test_a_busy_list_is_retried_by_the_queue(monkeypatch: pytest.MonkeyPatch, gave_up: list) -> None:
    runs(monkeypatch, ImportBusy("l"))
    with pytest.raises(ImportBusy):
        lpr_import.record_handler(message(3))
    assert gave_up == []


def test_the_last_failed_delivery_records_the_import_failed(
    monkeypatch: pytest.MonkeyPatch, gave_up: list
) -> None:
    runs(monkeypatch, RuntimeError("throttled ABC123"))
    with pytest.raises(RuntimeError):
        lpr_import.record_handler(message(2))
    assert gave_up == []
    with pytest.raises(RuntimeError):
        lpr_import.record_handler(message(3))
    assert gave_up == [("imp-1", "failed 3 times (RuntimeError)")]  # the kind, never the message
