"""Tables of alert fan-out: the delivery ledger, its counters, and the sender's rate slots.

Every access is by key (no scans, no indexes):
- `AlertDeliveryRecord`, (alert_id, subscriber_id): claimed with a conditional write before
  the message is sent, then settled by the claim's owner (rtcc.alerts.ledger); deleted by TTL
  `delivery_retention_days` after it was written (it ties an opaque subscriber id to a zone
  and an alert, and a deleted subscriber's id to the consent evidence, so it is not kept);
- `AlertDeliveryCountRecord`, (alert_id, "zone#status"): the delivery view, atomic ADDs, one
  Query per alert;
- `SendRateSlotRecord`, "sender#slot": sends counted in one rate slot (atomic ADD), deleted by
  TTL an hour after the slot.

No phone number, message body or provider message id is stored: subscribers are opaque ids
and the provider's id is kept as a SHA-256 digest (enough to match a status callback).

Registered through the alerts capability's `store_modules` (rtcc.alerts.capability).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class AlertDeliveryRecord(Model):
    class Meta:
        logical_name = "alert-deliveries"
        table_name = "alert-deliveries"

    alert_id = UnicodeAttribute(hash_key=True)
    subscriber_id = UnicodeAttribute(range_key=True)  # opaque, never the number
    zone = UnicodeAttribute()  # the zone the subscriber was selected from (counters)
    status = UnicodeAttribute()  # rtcc.alerts.ledger.Status
    attempts = NumberAttribute(default=0)  # sends tried, across every claim
    owner = UnicodeAttribute(null=True)  # the claiming dispatch's token, while claimed
    claimed_at = NumberAttribute(null=True)  # epoch seconds of the current claim
    provider_id_hash = UnicodeAttribute(null=True)  # SHA-256 of the provider's message id
    error_code = UnicodeAttribute(null=True)  # provider code of a failure; never its message
    delivery = UnicodeAttribute(null=True)  # a status callback's delivered | undelivered
    updated_at = NumberAttribute()
    expires = TTLAttribute(null=True)  # set when the entry is first written (claim or cancel)


@register
class AlertDeliveryCountRecord(Model):
    class Meta:
        logical_name = "alert-delivery-counts"
        table_name = "alert-delivery-counts"

    alert_id = UnicodeAttribute(hash_key=True)
    zone_status = UnicodeAttribute(range_key=True)  # f"{zone}#{status}"
    zone = UnicodeAttribute()
    status = UnicodeAttribute()
    count = NumberAttribute(default=0)


@register
class SendRateSlotRecord(Model):
    class Meta:
        logical_name = "sms-send-slots"
        table_name = "sms-send-slots"

    slot_key = UnicodeAttribute(hash_key=True)  # f"{sender}#{slot index}"
    used = NumberAttribute(default=0)  # may pass the cap: see DynamoDbSlotCounter
    expires = TTLAttribute(null=True)


ALERT_MODELS: tuple[type[Model], ...] = (AlertDeliveryRecord, AlertDeliveryCountRecord, SendRateSlotRecord)
