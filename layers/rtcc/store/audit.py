"""The audit log table: one partition per chain, entries ordered by sequence number.

Appends and verification are base-table Queries on the chain partition, never a
GSI or a scan. The conditional put on (chain, seq) is what keeps the chain linear
when two Lambdas append at once: the loser retries on the new head.
"""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class AuditEntryRecord(Model):
    class Meta:
        logical_name = "audit"
        table_name = "audit"  # replaced by register()
        # Every change reaches `audit-archive`, which copies INSERTs to write-once storage
        # and reports anything else (rtcc.audit_archive).
        stream = True

    chain = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()  # UTC ISO 8601
    actor = UnicodeAttribute()
    role = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()
    purpose = UnicodeAttribute(null=True)
    case_number = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    # JSON text, not a map: numbers round-trip exactly, so the hash recomputes exactly.
    detail_json = UnicodeAttribute(null=True)
    prev_hash = UnicodeAttribute()
    entry_hash = UnicodeAttribute()
