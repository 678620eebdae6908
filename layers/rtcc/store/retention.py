"""The retention schedule: what must be deleted on which day.

One partition per UTC day, so the sweeper reads what is due with key Queries and never
scans. A capability writes an item in the same transaction as the change that starts a
record's clock (closing a tip) and deletes it in the one that stops it (reopening).
The sweeper's own progress (the last day it finished) is one item in the same table.
"""

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register

#: The partition that holds the sweeper's progress instead of due items.
SWEEPER_STATE_DAY = "#sweeper"
SWEEPER_STATE_ITEM = "state"


@register
class RetentionRecord(Model):
    class Meta:
        logical_name = "retention"
        table_name = "retention"

    day = UnicodeAttribute(hash_key=True)  # "2029-11-27" (UTC): delete on this day
    item = UnicodeAttribute(range_key=True)  # f"{kind}#{key}", e.g. "tip#T-4F7K"
    kind = UnicodeAttribute(null=True)  # which capability's purger deletes it ("tip")
    key = UnicodeAttribute(null=True)  # the record's key within its kind
    rule = UnicodeAttribute(null=True)  # why this day, for the audit entry: "closed tip, 1095 days"
    scheduled_at = UnicodeAttribute(null=True)
    last_swept = UnicodeAttribute(null=True)  # the state item only: last day fully processed
