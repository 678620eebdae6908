"""The alerts supervisors send: one item per alert, in one partition, newest last.

Alerts are few (a handful a day at most), so one partition (`all`) sorted by the alert id
(which starts with its creation time) lists them with a key Query, newest first, and reads
one with GetItem: no scan, no index. The item holds what the supervisor composed (texts are
public once sent: the CAP feed publishes them), its sending state, who approved or cancelled
it, and how many recipients each zone's pages queued. No subscriber and no number.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register

#: The one partition every alert is in.
PARTITION = "all"


@register
class AlertSendRecord(Model):
    class Meta:
        logical_name = "alerts"
        table_name = "alerts"

    partition = UnicodeAttribute(hash_key=True)  # always PARTITION
    alert_id = UnicodeAttribute(range_key=True)  # "A20261201T212900Z-3f9c2a": sorts by time
    alert = UnicodeAttribute()  # JSON: tier, headline, texts, zones, categories, times, sender
    state = UnicodeAttribute()  # rtcc.alerts.sending.SendState
    created_at = UnicodeAttribute()  # UTC ISO 8601
    planned = UnicodeAttribute(default="{}")  # JSON {zone: recipients queued}
    approved_by = UnicodeAttribute(null=True)
    cancelled_by = UnicodeAttribute(null=True)
    cancelled_at = UnicodeAttribute(null=True)
    unqueued = UnicodeAttribute(null=True)  # JSON {zone: recipients whose pages the queue refused}


#: The partition of idempotency keys (rtcc.alerts.sending_dynamodb.DynamoDbAlertStore.reserve):
#: alert_id holds the key's digest and `alert` {"alert_id", "fingerprint"} of the alert it
#: reserved; the list Queries PARTITION only, so these never show in it.
KEYS_PARTITION = "idempotency-keys"
