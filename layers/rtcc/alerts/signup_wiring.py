"""The public signup over the deployed adapters: on the `api` function, signups sealed under
the alerts vault key and queued on SQS `alert-confirmations`; on `alert-confirm`, subscribers
in DynamoDB, numbers opened and looked up under the alerts KMS keys, the signup limits'
counters in DynamoDB, texts sent on the alerts line through rtcc.sms.

Kept apart from rtcc.alerts.signup (the rules, tested with in-memory ports) so that importing
the rules loads no AWS client.
"""

from __future__ import annotations

import time

from rtcc.alerts.ratelimit import SlotRateLimiter
from rtcc.alerts.settings import alerts_settings
from rtcc.alerts.signup import PublicSignup, SignupTicket
from rtcc.alerts.signup_confirm import SignupConfirmer
from rtcc.alerts.signup_limits import SignupLimits
from rtcc.alerts.subscriptions import SubscriptionPolicy, Subscriptions
from rtcc.alerts.zone_config import configured_zones

#: The alerts line's name: its opt-outs are kept under it (rtcc.sms.optout), apart from tips'.
LINE_NAME = "alerts"
MANAGE_PAGE = "alerts/manage"
#: The queue between the page's signup (api) and its texts (alert-confirm).
CONFIRMATIONS_QUEUE = "alert-confirmations"


def policy() -> SubscriptionPolicy:
    s = alerts_settings()
    return SubscriptionPolicy(
        program_name=s.program_name,
        region=s.region,
        allow_foreign=s.allow_foreign_numbers,
        consent_retention_days=s.consent_retention_days,
        categories=tuple(s.categories),
    )


def subscriptions(*, lookup: bool = True, links: bool = True) -> Subscriptions:
    """`lookup`: this function hashes numbers (the alerts line, alert-confirm); `links`: it
    signs or checks manage links (api, alert-confirm). A key not asked for is not wired at all."""
    from rtcc.alerts.manage_token import KeyPerUse, NoKey
    from rtcc.alerts.subscriber_dynamodb import DynamoDbSubscriberStore
    from rtcc.alerts.subscriber_keys import KmsSubscriberMac, KmsSubscriberSealer

    s = alerts_settings()
    mac = KeyPerUse(
        KmsSubscriberMac(s.subscriber_key_id) if lookup else NoKey("number lookup"),
        KmsSubscriberMac(s.manage_key_id) if links else NoKey("manage link"),
    )
    return Subscriptions(
        DynamoDbSubscriberStore(),
        KmsSubscriberSealer(s.vault_key_id),
        mac,
        configured_zones(),  # the same zones the alerts line offers
        policy(),
    )


def send_on_alerts_line(number: str, sender_key: str, body: str) -> None:
    """One text on the alerts line: opt-outs of the line checked first (rtcc.sms.send_on_line)."""
    from rtcc.sms.gateway import get_sms_gateway
    from rtcc.sms.optout_store import DynamoOptOuts
    from rtcc.sms.sender import send_on_line

    line_number = alerts_settings().line_number
    send_on_line(get_sms_gateway(), DynamoOptOuts(), LINE_NAME, sender_key, number, line_number, body)


def manage_url(token: str) -> str:
    """The link texted to a subscriber: the token in the fragment, which no browser sends."""
    from rtcc.settings import get_settings

    return f"{get_settings().public_base_url.rstrip('/')}/{MANAGE_PAGE}#t={token}"


class SqsSignupQueue:
    def __init__(self) -> None:
        from rtcc.aws_clients import client

        self._sqs = client("sqs")
        self._url: str | None = None

    def __call__(self, ticket: SignupTicket) -> None:
        if self._url is None:
            from rtcc.tips.adapters.aws import queue_url

            self._url = queue_url(CONFIRMATIONS_QUEUE)
        self._sqs.send_message(QueueUrl=self._url, MessageBody=ticket.to_message())


def public_signup() -> PublicSignup:
    # The internet-facing api: it seals and queues signups and checks manage links; the
    # number lookup is alert-confirm's (its key's policy does not name api).
    return PublicSignup(subscriptions(lookup=False), SqsSignupQueue(), time.time)


def signup_confirmer() -> SignupConfirmer:
    from rtcc.alerts.signup_limits_dynamodb import DynamoDbWindowCounters

    s = alerts_settings()
    limits = SignupLimits(DynamoDbWindowCounters(), per_hour=s.signups_per_hour)
    return SignupConfirmer(
        subscriptions(),
        send_on_alerts_line,
        manage_url,
        limits,
        time.time,
        max_ticket_age_s=s.signup_ticket_max_age_hours * 3600,
        permits=line_rate(),
    )


def line_rate() -> SlotRateLimiter:
    """The alerts number's send rate as the dispatcher takes it (the same slot counter and
    sender key, rtcc.alerts.sending_wiring): a confirmation is one more text on its lane."""
    from rtcc.alerts.dynamodb import DynamoDbSlotCounter

    s = alerts_settings()
    return SlotRateLimiter(DynamoDbSlotCounter(), s.line_number, s.sender_rate_per_second)
