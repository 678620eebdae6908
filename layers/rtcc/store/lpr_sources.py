"""Tables of plate-read sources: the vendor integrations that post reads, and their readers.

- `LprSourceRecord`, ("all", source_id): one partition, because sources are a handful per city
  and the console lists them with one key Query. Holds the source's status and its secret as
  the ingest needs it: a bearer token's SHA-256 digest (the token is shown once and never
  stored), or an HMAC key sealed by KMS (a signature can only be checked with the key itself).
  A rotation keeps the previous secret valid until `previous_valid_until` (the overlap).
- `LprReaderRecord`, (source_id, camera_id): the readers a source may report for, fixed (with
  a location) or mobile, and when each last sent a heartbeat.

Registered through the plate-reads capability's `store_modules` (rtcc.lpr.capability).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register

#: The one partition every source is in.
SOURCES_PARTITION = "all"


@register
class LprSourceRecord(Model):
    class Meta:
        logical_name = "lpr-sources"
        table_name = "lpr-sources"

    partition = UnicodeAttribute(hash_key=True)  # always SOURCES_PARTITION
    source_id = UnicodeAttribute(range_key=True)  # "src-<12 hex>": also the token's prefix
    name = UnicodeAttribute()
    vendor = UnicodeAttribute(default="generic")  # openalpr | flock | generic (documentation only)
    auth = UnicodeAttribute()  # "bearer" | "hmac"
    status = UnicodeAttribute()  # "active" | "disabled" | "revoked"
    secret_hash = UnicodeAttribute(null=True)  # bearer: SHA-256 hex of the current token
    secret_sealed = UnicodeAttribute(null=True)  # hmac: the current key, KMS-sealed (base64)
    previous_hash = UnicodeAttribute(null=True)
    previous_sealed = UnicodeAttribute(null=True)
    previous_valid_until = UnicodeAttribute(null=True)  # UTC ISO 8601: end of the rotation overlap
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    revision = NumberAttribute(default=0)  # conditional writes: rotations never race


@register
class LprReaderRecord(Model):
    class Meta:
        logical_name = "lpr-readers"
        table_name = "lpr-readers"

    source_id = UnicodeAttribute(hash_key=True)
    camera_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # "fixed" | "mobile"
    lat = NumberAttribute(null=True)  # fixed readers only
    lon = NumberAttribute(null=True)
    registered_by = UnicodeAttribute()
    registered_at = UnicodeAttribute()
    last_heartbeat_at = UnicodeAttribute(null=True)  # UTC ISO 8601
    last_read_at = UnicodeAttribute(null=True)
