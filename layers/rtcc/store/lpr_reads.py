"""The plate reads table: each read once under its own key, and once per search index key.

One table, two kinds of item, both deleted by TTL at the read's retention (and filtered at
query time before that: rtcc.store.base.is_expired):
- the read, ("read#<source_id>#<read_id>", "read"): what de-duplicates a redelivery (a
  conditional put: the same source and read id store one read);
- its index entries, ("<index>#<key>", "<seen_at ISO>#<source_id>#<read_id>"), one per
  (index, key) of rtcc.lpr.search.index_keys (plate, OCR key, prefix + day, reader + day,
  geohash cell + day), each holding the read, so a search is one key Query per lookup with a
  `seen_at` range on the sort key and never a scan nor a second read.

The read JSON is the normalised `Read` (rtcc.lpr.read_codec), never the vendor's payload.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register

#: The sort key of a read's own item.
READ_ITEM = "read"


def read_key(source_id: str, read_id: str) -> str:
    return f"read#{source_id}#{read_id}"


def index_partition(index: str, key: str) -> str:
    return f"{index}#{key}"


@register
class LprReadRecord(Model):
    class Meta:
        logical_name = "lpr-reads"
        table_name = "lpr-reads"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    read = UnicodeAttribute()  # JSON of the normalised read
    expires = TTLAttribute()  # the read's retention (rtcc.lpr.retention.ttl_epoch)
