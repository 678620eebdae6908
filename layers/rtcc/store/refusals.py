"""Counters of refused unauthenticated requests, one item per (door, minute, reason).

A refusal is one atomic ADD on its counter (UpdateItem), never an audit append: a flood
of forged requests must not lengthen the audit chain or contend with officers' appends.
The `refusal-summary` function turns each door-minute into at most one audit entry and
claims it with a `<minute>#summary` item (conditional put), so a retry never logs twice.
Counters and claims expire after a few days (TTL); the audit entries keep the record.
"""

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class RefusalCountRecord(Model):
    class Meta:
        logical_name = "refusals"
        table_name = "refusals"

    door = UnicodeAttribute(hash_key=True)  # the refused path, e.g. "/webhooks/twilio/tips"
    slot = UnicodeAttribute(range_key=True)  # "2026-12-01T19:53Z#invalid_signature" or "...#summary"
    count = NumberAttribute(null=True)
    summarised_at = UnicodeAttribute(null=True)  # claims only
    expires = TTLAttribute(null=True)
