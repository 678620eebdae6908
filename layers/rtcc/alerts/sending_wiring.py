"""Sending over the deployed adapters: the alert store and delivery ledger in DynamoDB, pages on
the `alert-fanout` SQS queue, the dispatcher's rate shared through DynamoDB slots, and texts on
the alerts line through rtcc.sms. Kept apart from rtcc.alerts.sending (the rules, tested with
in-memory ports) so importing the rules loads no AWS client.
"""

from __future__ import annotations

import time

from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch, DispatchPolicy, page_size
from rtcc.alerts.sending import AlertSending, StoredAlerts

#: The fan-out queue's name (rtcc.alerts.capability declares it).
FANOUT_QUEUE = "alert-fanout"
#: Where Twilio posts the alerts' status callbacks: the alerts line's `/status` sub-path.
STATUS_PATH = "/webhooks/twilio/alerts/status"
#: SQS takes at most 10 entries per SendMessageBatch.
SQS_BATCH = 10
#: Tries of the entries a SendMessageBatch refused (a partial failure), and the first pause.
ENQUEUE_TRIES = 3
ENQUEUE_BACKOFF_S = 0.2


class SqsFanoutQueue:
    def __init__(self) -> None:
        from rtcc.aws_clients import client

        self._sqs = client("sqs")
        self._url: str | None = None

    def _queue_url(self) -> str:
        if self._url is None:
            from rtcc.tips.adapters.aws import queue_url

            self._url = queue_url(FANOUT_QUEUE)
        return self._url

    def enqueue(self, batches: list[DispatchBatch], delay_s: int = 0) -> list[DispatchBatch]:
        """Queue the pages; returns those still refused after ENQUEUE_TRIES (SendMessageBatch
        answers 200 with a `Failed` list: each refused entry is tried again, alone with the
        others refused, after a growing pause)."""
        refused: list[DispatchBatch] = []
        for start in range(0, len(batches), SQS_BATCH):
            refused += self._send_batch(batches[start : start + SQS_BATCH], max(0, min(delay_s, 900)))
        return refused

    def _send_batch(self, pending: list[DispatchBatch], delay_s: int) -> list[DispatchBatch]:
        for attempt in range(ENQUEUE_TRIES):
            if attempt:
                time.sleep(ENQUEUE_BACKOFF_S * 2 ** (attempt - 1))
            entries = [
                {"Id": str(i), "MessageBody": b.to_message(), "DelaySeconds": delay_s}
                for i, b in enumerate(pending)
            ]
            out = self._sqs.send_message_batch(QueueUrl=self._queue_url(), Entries=entries)
            pending = [pending[int(f["Id"])] for f in out.get("Failed") or []]
            if not pending:
                break
        return pending


def alert_sending() -> AlertSending:
    from rtcc.alerts.dynamodb import DynamoDbLedger
    from rtcc.alerts.sending_dynamodb import DynamoDbAlertStore
    from rtcc.alerts.settings import alerts_settings
    from rtcc.alerts.signup_wiring import subscriptions

    subs = subscriptions(lookup=False, links=False)  # recipients by zone: no key
    s = alerts_settings()
    return AlertSending(
        DynamoDbAlertStore(),
        subs,
        SqsFanoutQueue(),
        DynamoDbLedger(),
        emergency_approval=s.emergency_approval_required,
        known_zones=subs.zones,
        page_size=page_size(s.sender_rate_per_second),  # a page fits one dispatcher's invocation
    )


def dispatcher(policy: DispatchPolicy | None = None) -> AlertDispatcher:
    from rtcc.alerts.dynamodb import DynamoDbLedger, DynamoDbSlotCounter
    from rtcc.alerts.line_sender import AlertLineSender
    from rtcc.alerts.ratelimit import SlotRateLimiter
    from rtcc.alerts.sending_dynamodb import DynamoDbAlertStore
    from rtcc.alerts.settings import alerts_settings
    from rtcc.alerts.subscriber_dynamodb import DynamoDbSubscriberStore
    from rtcc.alerts.subscriber_keys import KmsSubscriberSealer
    from rtcc.settings import get_settings
    from rtcc.sms.gateway import get_sms_gateway
    from rtcc.sms.optout_store import DynamoOptOuts

    s = alerts_settings()
    sender = AlertLineSender(
        get_sms_gateway(),
        DynamoOptOuts(),
        DynamoDbSubscriberStore(),
        KmsSubscriberSealer(s.vault_key_id),
        s.line_number,
        get_settings().public_base_url.rstrip("/") + STATUS_PATH,
    )
    limiter = SlotRateLimiter(DynamoDbSlotCounter(), s.line_number, s.sender_rate_per_second)
    return AlertDispatcher(DynamoDbLedger(), limiter, sender, StoredAlerts(DynamoDbAlertStore()), policy)
