"""The alerts line's MessageSid receipts in DynamoDB (review 10, finding 8): Twilio's signature
has no time in it, so the receipt of a message that changed a number's state (STOP, START,
YES, JOIN) is kept for good and a replay of it stays a duplicate; a replay older than a
redelivery is answered with nothing."""

from __future__ import annotations

import pytest
from rtcc.alerts.inbound import Received

T0 = 1_800_000_000.0
DAY = 86_400


@pytest.fixture
def receipts(moto_endpoint):
    from rtcc.alerts.sms_line import DynamoReceipts

    return DynamoReceipts()


def _record(sid: str):
    from rtcc.alerts.sms_line import _digest
    from rtcc.store.alert_subscribers import AlertSmsReceiptRecord

    return AlertSmsReceiptRecord.get(_digest(sid), consistent_read=True)


@pytest.mark.parametrize(
    ("body_outcome", "reply"),
    [
        ("stop", "You are unsubscribed."),
        ("confirmed", "You're in."),
        ("pending", "Reply YES"),
        # Changed nothing when it came, but a JOIN of a zone the config adds later would act.
        ("unknown-zone", "No such zone."),
        ("other", "Demo Alerts: ..."),
    ],
)
def test_a_replayed_state_change_is_a_duplicate_for_good(receipts, body_outcome: str, reply: str) -> None:
    sid = "SM" + body_outcome[0] * 32
    assert receipts.claim(sid, T0) is None
    receipts.settle(sid, Received(body_outcome, reply), T0)
    assert _record(sid).expires is None  # no TTL: the replay below is still caught
    assert receipts.claim(sid, T0 + 60) == Received(body_outcome, reply)  # a redelivery: same answer
    # A year on, the capture replayed: nothing acts on it and nothing is texted.
    assert receipts.claim(sid, T0 + 365 * DAY) == Received(body_outcome, "")


def test_a_help_keeps_its_receipt_a_day(receipts) -> None:
    sid = "SM" + "e" * 32
    assert receipts.claim(sid, T0) is None
    receipts.settle(sid, Received("help", "Demo Alerts: ..."), T0)
    assert _record(sid).expires.timestamp() == pytest.approx(T0 + DAY)
