"""Tables of hotlists: each list's head, its imports, and the keyed index reads are matched by.

- `LprHotlistRecord`, ("all", list_id): one partition (a city has a handful of lists). The
  head names the list's current `version` and the probe `shapes` its partial plates use;
  an import switches a list over by one conditional write of its head, so a match that read
  the head sees that version's entries only (the issue's atomic switch-over).
- `LprHotlistKeyRecord`, "<list_id>#<probe key>": the entries filed under one probe key
  (a full plate's OCR key, or one slice of a partial plate: rtcc.lpr.index_tables), each
  with the versions it belongs to (`from`, `until`). Matching reads these with batched
  GetItems, never a scan; an import rewrites only the keys its diff touches.
- `LprImportRecord`, import_id: one import's progress (bytes read of bytes uploaded), then
  its outcome (added / removed / unchanged counts and the rejected rows with line and reason).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register

#: The one partition every hotlist head is in.
LISTS_PARTITION = "all"


@register
class LprHotlistRecord(Model):
    class Meta:
        logical_name = "lpr-hotlists"
        table_name = "lpr-hotlists"

    partition = UnicodeAttribute(hash_key=True)  # always LISTS_PARTITION
    list_id = UnicodeAttribute(range_key=True)  # lowercase slug: "stolen", "amber", "bolo"
    name = UnicodeAttribute()
    priority = NumberAttribute(default=50)  # AutoVu's scale: 0 highest; entries may carry their own
    notify = UnicodeAttribute(default="feed")  # "feed" | "feed+sms": high-priority lists text too
    version = NumberAttribute(default=0)  # the current version; 0 = empty
    shapes = UnicodeAttribute(default="[]")  # JSON: the probe shapes of this version's partial plates
    entries = NumberAttribute(default=0)  # entries in the current version
    importing = UnicodeAttribute(null=True)  # the running import's id (a lease: one at a time)
    importing_since = UnicodeAttribute(null=True)
    last_import = UnicodeAttribute(null=True)  # id of the last finished import
    updated_at = UnicodeAttribute()


@register
class LprHotlistKeyRecord(Model):
    class Meta:
        logical_name = "lpr-hotlist-keys"
        table_name = "lpr-hotlist-keys"

    key = UnicodeAttribute(hash_key=True)  # f"{list_id}#{probe key}"
    entries = UnicodeAttribute()  # JSON list of {"entry": {...}, "from": int, "until": int | null}


@register
class LprImportRecord(Model):
    class Meta:
        logical_name = "lpr-imports"
        table_name = "lpr-imports"

    import_id = UnicodeAttribute(hash_key=True)
    list_id = UnicodeAttribute()
    format = UnicodeAttribute()  # rtcc.lpr.hotlists.PARSERS key: "autovu", "ncic", "bolo"
    state = UnicodeAttribute()  # "waiting" | "running" | "done" | "failed"
    bytes_total = NumberAttribute(default=0)
    bytes_read = NumberAttribute(default=0)
    summary = UnicodeAttribute(null=True)  # JSON: counts, version, rejected rows (line, reason)
    error = UnicodeAttribute(null=True)  # why a failed import failed (never a row's content)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires = TTLAttribute(null=True)
