"""The dispatcher's `SmsSender` on the alerts line, and the status callbacks it asks for.

`AlertLineSender.send` opens the subscriber's number only for the send (KMS Decrypt bound to
the subscriber id), sends through `rtcc.sms.send_on_line` (the alerts line's opt-out of the
subscriber's number key checked first; a 21610 records the opt-out) and asks Twilio for
status callbacks at the alerts line's `/status` sub-path with the ledger reference
`?d=<alert id>.<subscriber id>` (no number in it; the signature covers it, so only Twilio can
post it). `record_status` is that sub-path's work (the line's callback, rtcc.alerts.sms_line):
a signed `delivered` / `undelivered` / `failed` settles the ledger entry's delivery once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rtcc.alerts.dispatch import DeliveryRef
from rtcc.alerts.ledger import DeliveryLedger
from rtcc.alerts.model import Recipient
from rtcc.alerts.subscriber_ports import Sealer, Status, SubscriberStore
from rtcc.sms.errors import Permanent
from rtcc.sms.gateway import SmsGateway
from rtcc.sms.optout import OptOuts
from rtcc.sms.sender import send_on_line

LINE = "alerts"
STATUS_SUFFIX = "/status"
#: Twilio's final statuses, as the delivery view counts them.
FINAL_STATUSES = {"delivered": "delivered", "undelivered": "undelivered", "failed": "undelivered"}


class SubscriberGone(Exception):
    """Deleted or no longer active between selection and send: nothing to send, ever."""

    verdict = Permanent("subscriber_gone")


def ref_param(ref: DeliveryRef) -> str:
    return f"{ref.alert_id}.{ref.subscriber_id}"


def parse_ref(value: str | None) -> DeliveryRef | None:
    alert_id, dot, subscriber_id = (value or "").partition(".")
    return DeliveryRef(alert_id, subscriber_id) if dot and alert_id and subscriber_id else None


class AlertLineSender:
    def __init__(
        self,
        gateway: SmsGateway,
        opt_outs: OptOuts,
        subscribers: SubscriberStore,
        sealer: Sealer,
        from_: str,
        callback_url: str,
    ) -> None:
        self.gateway, self.opt_outs, self.subscribers, self.sealer = gateway, opt_outs, subscribers, sealer
        self.from_, self.callback_url = from_, callback_url

    def send(self, recipient: Recipient, body: str, ref: DeliveryRef) -> str:
        sub = self.subscribers.get(recipient.subscriber_id)
        if sub is None or sub.status != Status.ACTIVE:
            raise SubscriberGone("subscriber deleted or no longer active")
        number = self.sealer.unseal(sub.sealed_number, sub.subscriber_id)
        callback = f"{self.callback_url}?d={ref_param(ref)}"
        return send_on_line(
            self.gateway,
            self.opt_outs,
            LINE,
            sub.number_mac,
            number,
            self.from_,
            body,
            status_callback=callback,
        )


def record_status(
    ledger: DeliveryLedger, event: Mapping[str, Any], form: Mapping[str, str], now: float
) -> tuple[int, str, str]:
    """A signed status callback (the webhook has checked the signature): (HTTP status, body,
    outcome to count). Only a final status changes anything, and only once per entry."""
    ref = parse_ref((event.get("queryStringParameters") or {}).get("d"))
    if ref is None:
        return 400, "d: the delivery reference is missing or malformed", "no_ref"
    outcome = FINAL_STATUSES.get(form.get("MessageStatus", ""))
    if outcome is None:
        return 200, "noted", "progress"  # queued, sending, sent: nothing to record
    recorded = ledger.record_delivery(
        ref.alert_id, ref.subscriber_id, outcome, form.get("MessageSid", ""), now
    )
    return (200, "recorded", outcome) if recorded else (200, "ignored", "ignored")
