"""Tables of hits and of the plate-read counts the transparency page publishes.

- `LprHitRecord`, ("day#<YYYY-MM-DD>", hit_id): a hit (read summary, entry, kind, candidate,
  state agreement), how many reads folded into it, and the officer's verification (JSON of
  rtcc.lpr.verification.Verification with its revision for conditional writes). The console
  lists a day with one key Query; hit ids start with their time so the day is in the id.
  Deleted by TTL at the read's retention unless a case holds it (`case_number` set, TTL removed).
- `LprFoldRecord`, "<list>#<entry>#<reader>#<plate key>": the hit that reads of the same
  plate, reader and entry fold into while `last_seen` is within the window (conditional
  write: two concurrent reads make one hit). TTL a day.
- `LprCountRecord`, counter ("month#2026-12", "rates"): atomic ADDs only. Month items count
  reads, hits, accepted, rejected, searches per purpose and the readers seen (a string set
  of camera ids); "rates" counts verdicts per list and per reader. Nothing names a plate.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


def day_partition(day: str) -> str:
    return f"day#{day}"


@register
class LprHitRecord(Model):
    class Meta:
        logical_name = "lpr-hits"
        table_name = "lpr-hits"

    day = UnicodeAttribute(hash_key=True)  # day_partition(UTC day of the first read)
    hit_id = UnicodeAttribute(range_key=True)  # "H20261202T031500123Z-<8 hex>": sorts by time
    hit = UnicodeAttribute()  # JSON: read summary, entry, kind, candidate, state_agrees
    list_id = UnicodeAttribute()
    camera_id = UnicodeAttribute(null=True)
    reads = NumberAttribute(default=1)  # reads folded into this hit
    last_seen_at = UnicodeAttribute()
    verification = UnicodeAttribute(null=True)  # JSON of the decisions, newest last
    revision = NumberAttribute(default=0)
    case_number = UnicodeAttribute(null=True)  # a case holding it: kept with the case
    texted_at = UnicodeAttribute(null=True)  # lpr-notify texted it: a redelivered message texts once
    text_claimed_at = UnicodeAttribute(null=True)  # lpr-notify's lease while it texts (rtcc.lpr.hit_texts)
    expires = TTLAttribute(null=True)


@register
class LprFoldRecord(Model):
    class Meta:
        logical_name = "lpr-folds"
        table_name = "lpr-folds"

    fold_key = UnicodeAttribute(hash_key=True)
    hit_day = UnicodeAttribute()
    hit_id = UnicodeAttribute()
    raised_at = UnicodeAttribute(null=True)  # the raised hit's read time: the window is fixed from it
    last_seen_at = UnicodeAttribute()  # UTC ISO 8601 of the newest folded read
    expires = TTLAttribute()


@register
class LprCountRecord(Model):
    class Meta:
        logical_name = "lpr-counts"
        table_name = "lpr-counts"

    counter = UnicodeAttribute(hash_key=True)  # "month#2026-12" | "rates"
