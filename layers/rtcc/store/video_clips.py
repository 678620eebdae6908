"""The video capability's clips (rtcc.video.clips): a camera's recorded range an officer
saves to a case.

- `VideoClipRecord` (table `video-clips`), clip_id: what was asked (camera, case, range), by
  whom, its status (queued -> saving -> saved | refused | failed) and, once saved, each part's
  evidence id, S3 key and version, SHA-256 and size (the evidence items themselves are in the
  `evidence` table, in the case, with the owners' uploads). Read by key only. Kept like the
  evidence it indexes (no TTL).

Registered through the video capability's `store_modules` (rtcc.video.capability).
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class VideoClipRecord(Model):
    class Meta:
        logical_name = "video-clips"
        table_name = "video-clips"

    clip_id = UnicodeAttribute(hash_key=True)  # "vc-<20 hex>", derived from case, camera, range
    case_number = UnicodeAttribute()
    camera_id = UnicodeAttribute()
    stream_name = UnicodeAttribute()
    owner_id = UnicodeAttribute()  # the camera's owner ("city" for the city's cameras)
    start = UnicodeAttribute()  # UTC ISO 8601
    end = UnicodeAttribute()
    status = UnicodeAttribute()  # queued | saving | saved | refused | failed
    reason = UnicodeAttribute(null=True)  # why refused or failed, in words
    requested_by = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    done_at = UnicodeAttribute(null=True)
    parts = JSONAttribute(null=True)  # [{evidence_id, key, version_id, sha256, size, start, end}]
    gaps = JSONAttribute(null=True)  # [{start, end}] parts of the range with no video
    # While saving: until when (epoch s) the delivery saving it holds it (SQS may deliver twice).
    saving_until = NumberAttribute(null=True)
