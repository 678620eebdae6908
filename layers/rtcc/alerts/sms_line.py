"""The alerts line as an SMS line (rtcc.sms.line): its webhook path, refusal door, metrics,
number and keywords (rtcc.alerts.inbound), over the deployed adapters: subscribers in
DynamoDB, numbers sealed and looked up under the alerts KMS keys, opt-outs in the
platform's table under the line's own name, MessageSid receipts by digest.

MessageSids are de-duplicated inside `receive` (a claim before anything changes), so the
line declares no `seen` hook. Importing this module loads no AWS client: `rtcc dev`, infra
and the phone simulator read the declaration.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rtcc.sms.line import SmsLine

if TYPE_CHECKING:
    from rtcc.alerts.inbound import Received

PATH = "/webhooks/twilio/alerts"
#: The alerts line's name: its opt-outs are kept under it (rtcc.sms.optout), apart from tips'.
LINE_NAME = "alerts"
#: Texting "ALTA 01013" signs up in Spanish, "JOIN 01013" in English (the page has a switch).
JOIN_KEYWORDS = {"JOIN": "en", "ALTA": "es"}
#: A claim older than this with no answer was a delivery that failed half-way: the next
#: delivery of the same message may act on it (every step it redoes is idempotent).
STALE_CLAIM_SECONDS = 60
#: How long the receipt of a HELP is kept (Twilio redelivers within minutes), and past which
#: any repeat is answered with nothing.
RECEIPT_DAYS = 1
#: Receipts are kept for good, as the tip line keeps STOP/START/NEW's: Twilio's signature has
#: no time in it, so a captured JOIN + YES replayed after the resident's STOP would otherwise
#: sign them up again. That holds for a message that changed nothing when it came, too: a JOIN
#: answered "unknown zone" (or text that was no keyword) could act on a replay once the config
#: gains that zone or keyword. Only HELP, which changes nothing ever, keeps its receipt a day.
EXPIRING_OUTCOMES = frozenset({"help"})


def _number() -> str:
    from rtcc.alerts.settings import alerts_settings

    return alerts_settings().line_number


def subscriptions():
    """The signup's subscriptions (rtcc.alerts.signup_wiring: DynamoDB, the alerts KMS keys,
    the configured zones) with the line's keywords: JOIN / ALTA, and each shaped zone's id
    as its keyword ("JOIN DOWNTOWN")."""
    from dataclasses import replace

    from rtcc.alerts.signup_wiring import subscriptions as signup_subscriptions

    subs = signup_subscriptions(links=False)  # it looks numbers up; it texts no manage link
    zone_keywords = {z.zone_id.upper(): z.zone_id for z in subs.zones.list() if not z.is_zip}
    subs.policy = replace(subs.policy, join_keywords=JOIN_KEYWORDS, zone_keywords=zone_keywords)
    return subs


def _digest(message_sid: str) -> str:
    return hashlib.sha256(message_sid.encode()).hexdigest()


class DynamoReceipts:
    """rtcc.alerts.inbound.Receipts in `alert-sms-receipts`: PutItem and GetItem only."""

    def claim(self, message_sid: str, now: float) -> Received | None:
        from pynamodb.exceptions import PutError

        from rtcc.store.alert_subscribers import AlertSmsReceiptRecord as R

        record = R(_digest(message_sid), claimed_at=now, expires=_expiry(now))
        fresh = R.sid_hash.does_not_exist() | (
            R.reply.does_not_exist() & (R.claimed_at < now - STALE_CLAIM_SECONDS)
        )
        try:
            record.save(condition=fresh)
            return None
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        from rtcc.alerts.inbound import Received

        earlier = R.get(_digest(message_sid), consistent_read=True)
        if earlier.claimed_at < now - RECEIPT_DAYS * 86_400:
            # A redelivery comes within minutes; this is a replay: change nothing, text nothing.
            return Received(earlier.outcome or "in-flight", "")
        return Received(earlier.outcome or "in-flight", earlier.reply or "")

    def settle(self, message_sid: str, received: Received, now: float) -> None:
        from rtcc.store.alert_subscribers import AlertSmsReceiptRecord as R

        R(
            _digest(message_sid),
            claimed_at=now,
            reply=received.reply,
            outcome=received.outcome,
            expires=_expiry(now) if received.outcome in EXPIRING_OUTCOMES else None,
        ).save()


def _expiry(now: float):
    from datetime import UTC, datetime, timedelta

    return datetime.fromtimestamp(now, UTC) + timedelta(days=RECEIPT_DAYS)


def _receive(form: Mapping[str, str]) -> Received:
    from rtcc.alerts.inbound import AlertsInbound
    from rtcc.alerts.settings import alerts_settings
    from rtcc.sms.optout_store import DynamoOptOuts

    inbound = AlertsInbound(subscriptions(), DynamoOptOuts(), DynamoReceipts(), alerts_settings().contact)
    return inbound.receive(form, time.time())


ALERTS_LINE = SmsLine(
    name=LINE_NAME,
    path=PATH,
    door=PATH,
    received_metric="AlertMessages",
    refused_metric="AlertWebhookRefused",
    number=_number,
    receive=_receive,
    label="Alerts line",
)
