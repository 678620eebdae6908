"""What holds footage requests back from becoming spam (rtcc.cameras.footage_limits):

- `FootageAskCountRecord`, (counter): how many requests one officer sent in one clock hour
  (`<username>#<YYYY-MM-DDTHH>`), one conditional UpdateItem ADD per request (never a count
  of the requests table); TTL drops it an hour after its hour ends.
- `FootageCaseOwnerRecord`, (case_number, owner_id): an owner already asked about a case, so a
  second request for the same case skips them (a BatchGetItem of the circle's owners, then
  a BatchWriteItem of the new ones). Kept as long as the case's requests: who was asked.

Registered through the cameras capability's `store_modules` (rtcc.cameras.capability).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class FootageAskCountRecord(Model):
    class Meta:
        logical_name = "footage-ask-counts"
        table_name = "footage-ask-counts"

    counter = UnicodeAttribute(hash_key=True)  # "<username>#2026-12-02T07"
    n = NumberAttribute(default=0)
    expires = TTLAttribute(null=True)


@register
class FootageCaseOwnerRecord(Model):
    class Meta:
        logical_name = "footage-case-owners"
        table_name = "footage-case-owners"

    case_number = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute(range_key=True)
    request_id = UnicodeAttribute()  # the request that asked them first
    asked_at = UnicodeAttribute()
