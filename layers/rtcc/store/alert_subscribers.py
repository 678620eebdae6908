"""Tables of alert subscriptions: subscribers, their number lookup, the zone index and the
consent evidence.

Every access is by key (no scans):
- `AlertSubscriberRecord`, subscriber_id (random): preferences and the KMS-sealed number;
- `AlertSubscriberNumberRecord`, number_mac (keyed hash of the E.164 number) -> subscriber_id:
  the lookup a YES or a repeated signup uses, written in one transaction with the subscriber
  so one number has one subscriber;
- `AlertZoneSubscriberRecord`, (`zone#<zone id>`, subscriber_id): who an alert to a zone
  reaches, with the language, categories and tiers to filter by; a Query per zone, page by page;
- `AlertConsentRecord`, (subscriber_id, consent_id): what was shown, sent and received; no
  number, its keyed hash; TTL unset while the subscription lives, set when it ends;
- `AlertSmsReceiptRecord`, digest of a MessageSid: the alerts line's de-duplication;
- `AlertSignupCountRecord`, `number#<keyed hash>` or `city`: the signup page's text limits.

A pending signup's subscriber and lookup items carry a TTL (its lapse), an active one none.
Registered through the alerts capability's `store_modules` (rtcc.alerts.capability).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from rtcc.store.base import register


@register
class AlertSubscriberRecord(Model):
    class Meta:
        logical_name = "alert-subscribers"
        table_name = "alert-subscribers"

    subscriber_id = UnicodeAttribute(hash_key=True)
    number_mac = UnicodeAttribute()
    sealed_number = BinaryAttribute(legacy_encoding=False)  # KMS ciphertext, context = subscriber_id
    status = UnicodeAttribute()  # rtcc.alerts.subscriber_ports.Status
    zones = ListAttribute(of=UnicodeAttribute, default=list)
    categories = ListAttribute(of=UnicodeAttribute, default=list)
    language = UnicodeAttribute()
    tiers = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = NumberAttribute()
    confirmation_sent_at = NumberAttribute(null=True)
    confirmed_at = NumberAttribute(null=True)
    pending_until = NumberAttribute(null=True)
    expires = TTLAttribute(null=True)  # a pending signup's lapse; none once confirmed


@register
class AlertSubscriberNumberRecord(Model):
    class Meta:
        logical_name = "alert-subscriber-numbers"
        table_name = "alert-subscriber-numbers"

    number_mac = UnicodeAttribute(hash_key=True)
    subscriber_id = UnicodeAttribute()
    expires = TTLAttribute(null=True)


@register
class AlertZoneSubscriberRecord(Model):
    class Meta:
        logical_name = "alert-zone-subscribers"
        table_name = "alert-zone-subscribers"

    zone_key = UnicodeAttribute(hash_key=True)  # f"zone#{zone_id}"
    subscriber_id = UnicodeAttribute(range_key=True)
    language = UnicodeAttribute()
    categories = ListAttribute(of=UnicodeAttribute, default=list)
    tiers = ListAttribute(of=UnicodeAttribute, default=list)


@register
class AlertConsentRecord(Model):
    class Meta:
        logical_name = "alert-consents"
        table_name = "alert-consents"

    subscriber_id = UnicodeAttribute(hash_key=True)
    consent_id = UnicodeAttribute(range_key=True)  # f"{at:017.6f}#{n}": in time order
    number_mac = UnicodeAttribute()
    event = UnicodeAttribute()
    channel = UnicodeAttribute()
    text = UnicodeAttribute()
    at = NumberAttribute()
    expires = TTLAttribute(null=True)


@register
class AlertSmsReceiptRecord(Model):
    """One inbound message to the alerts line, by a digest of its MessageSid: claimed before
    the keywords act, then settled with the answer, so a repeated delivery gets the same
    answer and changes nothing. No number, no body: the answer is a catalog text."""

    class Meta:
        logical_name = "alert-sms-receipts"
        table_name = "alert-sms-receipts"

    sid_hash = UnicodeAttribute(hash_key=True)  # SHA-256 of the MessageSid (hex)
    claimed_at = NumberAttribute()
    reply = UnicodeAttribute(null=True)  # set once handled; absent while the claim is in flight
    outcome = UnicodeAttribute(null=True)
    # Set (a day: Twilio redelivers within minutes) only for a HELP; unset (kept) for every other
    # message, so its replay stays a duplicate (rtcc.alerts.sms_line.EXPIRING_OUTCOMES).
    expires = TTLAttribute(null=True)


@register
class AlertSignupCountRecord(Model):
    """How many signups a number (`number#<keyed hash>`) or the whole city (`city`) made in
    the current window (rtcc.alerts.signup_limits); TTL removes a finished window."""

    class Meta:
        logical_name = "alert-signup-counts"
        table_name = "alert-signup-counts"

    counter = UnicodeAttribute(hash_key=True)
    n = NumberAttribute()
    until = NumberAttribute()  # the window's end (epoch seconds)
    expires = TTLAttribute()


ALERT_SUBSCRIBER_MODELS: tuple[type[Model], ...] = (
    AlertSubscriberRecord,
    AlertSubscriberNumberRecord,
    AlertZoneSubscriberRecord,
    AlertConsentRecord,
    AlertSmsReceiptRecord,
    AlertSignupCountRecord,
)
