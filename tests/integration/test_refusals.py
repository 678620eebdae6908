"""The every-minute refusal-summary function against the local stack, under its deployed
IAM: one entry per door-minute, never twice, and a minute whose append failed is retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.audit import AuditLog
from rtcc.local.iam.identity import acting_as
from rtcc.local.runtime import LambdaContext
from rtcc.local.schedules import scheduled_event
from rtcc.refusals import ACTION, DOORS, count_refusal, minute_of, summarise
from rtcc.topology import TOPOLOGY

pytestmark = pytest.mark.integration

DOOR = "/webhooks/twilio/tips"
#: A minute of its own, far from the clock the rest of the suite uses.
MOMENT = datetime(2031, 5, 4, 3, 2, 30, tzinfo=UTC)


class DownAuditLog(AuditLog):
    def append(self, event):  # noqa: ANN001, ANN201
        raise RuntimeError("audit log: could not append after repeated contention")


def refuse(reason: str, times: int) -> None:
    with acting_as("tip-webhook"):  # the door's grant: UpdateItem on the counters only
        for _ in range(times):
            count_refusal(DOOR, reason, now=MOMENT)


def summaries_of(minute: str) -> list:
    return [e for e in AuditLog().entries() if e.action == ACTION and e.detail["minute"] == minute]


def test_a_minute_is_summarised_once_with_its_reasons_and_retried_if_the_append_fails(local_stack) -> None:
    assert DOOR in DOORS
    refuse("missing_signature", 3)
    refuse("invalid_signature", 2)
    later = MOMENT + timedelta(minutes=2)
    with acting_as("refusal-summary"):
        with pytest.raises(RuntimeError):
            summarise(now=later, audit=DownAuditLog())
        assert summaries_of(minute_of(MOMENT)) == []  # the claim was taken back ...
        (written,) = summarise(now=later)  # ... so the next run writes it
        assert summarise(now=later) == []  # and no run writes it again
    (entry,) = summaries_of(minute_of(MOMENT))
    assert written.minute == minute_of(MOMENT) and entry.target == DOOR
    assert entry.actor == "rtcc-refusals" and entry.role == "system"
    assert entry.detail == {
        "minute": minute_of(MOMENT),
        "count": 5,
        "reasons": {"missing_signature": 3, "invalid_signature": 2},
    }


def test_the_scheduled_function_runs_under_its_deployed_permissions(local_stack) -> None:
    from functions.refusal_summary import handler

    spec = TOPOLOGY.function("refusal-summary")
    with acting_as("refusal-summary"):
        result = handler(scheduled_event(spec, "us-east-1"), LambdaContext(spec, "us-east-1"))
    assert set(result) == {"entries", "refused"}
