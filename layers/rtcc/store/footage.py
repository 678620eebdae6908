"""Tables of footage requests: what officers asked camera owners for, each owner's notice and
answer, and the evidence owners uploaded (with what makes it evidence: its hash and version).

- `FootageRequestRecord`, (month, request_id): a request with its area, window, case number and
  reason. The month ("2026-12") is in the id ("fr-20261202-<hex>"), so one request is a GetItem
  and the console's list is a key Query per month, never a Scan.
- `FootageNoticeRecord`, (request_id, owner_id): one per owner asked. `status` moves from
  pending to approved, declined or expired exactly once (a conditional write on "pending"), so a
  second answer is refused rather than overwriting the first. `notified_at` makes the notifier
  idempotent: a redelivered queue message finds it set and sends nothing.
- `EvidenceRecord`, (case_number, evidence_id): a clip, from the upload's start ("uploading") to
  its intake ("received", or "refused" with the reason). `evidence_id` starts with the request id,
  so a request's evidence is a key Query with begins_with on its case.
- `EvidenceExportRecord`, (case_number, export_id): a case's zip, its hash and the short-lived
  link to it.

Registered through the cameras capability's `store_modules` (rtcc.cameras.capability).
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class FootageRequestRecord(Model):
    class Meta:
        logical_name = "footage-requests"
        table_name = "footage-requests"

    month = UnicodeAttribute(hash_key=True)  # "YYYY-MM" of created_at, also in the id
    request_id = UnicodeAttribute(range_key=True)  # "fr-YYYYMMDD-<12 hex>": sorts by day
    case_number = UnicodeAttribute()
    reason = UnicodeAttribute()  # shown to owners as is (<= 280 characters)
    lat = NumberAttribute()
    lon = NumberAttribute()
    radius_m = NumberAttribute()
    start = UnicodeAttribute()  # UTC ISO 8601: the footage window asked for
    end = UnicodeAttribute()
    incident_id = UnicodeAttribute(null=True)
    agency = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()  # after it, notices answer 410
    cameras = NumberAttribute(default=0)  # cameras in the circle
    owners = NumberAttribute(default=0)  # owners notified
    unreachable = NumberAttribute(default=0)  # owners with no verified contact
    paused = NumberAttribute(default=0)  # owners who paused sharing: skipped


@register
class FootageNoticeRecord(Model):
    class Meta:
        logical_name = "footage-notices"
        table_name = "footage-notices"

    request_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute(default="pending")  # pending | approved | declined | expired
    camera_ids = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    answered_at = UnicodeAttribute(null=True)
    notified_at = UnicodeAttribute(null=True)  # the text or email went out (idempotency)
    channel = UnicodeAttribute(null=True)  # "sms" | "email" | "none"


@register
class EvidenceRecord(Model):
    class Meta:
        logical_name = "evidence"
        table_name = "evidence"

    case_number = UnicodeAttribute(hash_key=True)
    evidence_id = UnicodeAttribute(range_key=True)  # "<request_id>#<upload hex>"
    request_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    camera_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # uploading | arrived | received | refused
    file_name = UnicodeAttribute()
    declared_type = UnicodeAttribute()
    declared_bytes = NumberAttribute()
    parts = NumberAttribute()
    s3_key = UnicodeAttribute()
    upload_id = UnicodeAttribute(null=True)  # the S3 multipart upload, until completed
    version_id = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    content_type = UnicodeAttribute(null=True)  # what the bytes are (sniffed), not what was declared
    refused = UnicodeAttribute(null=True)  # why intake refused it
    started_at = UnicodeAttribute()
    received_at = UnicodeAttribute(null=True)
    received_by = UnicodeAttribute(null=True)  # the function that hashed it


@register
class EvidenceExportRecord(Model):
    class Meta:
        logical_name = "evidence-exports"
        table_name = "evidence-exports"

    case_number = UnicodeAttribute(hash_key=True)
    export_id = UnicodeAttribute(range_key=True)  # "ex-<YYYYMMDDTHHMMSS>-<8 hex>"
    request_id = UnicodeAttribute()  # the request the export was started from
    status = UnicodeAttribute()  # queued | ready | failed
    requested_by = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    s3_key = UnicodeAttribute(null=True)
    version_id = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    files = NumberAttribute(null=True)
    url = UnicodeAttribute(null=True)  # short-lived presigned GET
    url_expires_at = UnicodeAttribute(null=True)
    done_at = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)  # a week after done: the zip's own lifecycle expiry
