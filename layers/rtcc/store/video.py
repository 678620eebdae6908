"""Tables of the video capability.

- `CameraMotionRecord` (table `camera-motion`), camera_id: the camera's LAST motion event
  (time, score), overwritten by a later one and never by an older one (a conditional put);
  read by key (GetItem, BatchGetItem for a grid). TTL drops it `motion_keep_hours` after.

Registered through the video capability's `store_modules` (rtcc.video.capability).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class CameraMotionRecord(Model):
    class Meta:
        logical_name = "camera-motion"
        table_name = "camera-motion"

    camera_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute()  # the agent's event time, UTC ISO 8601
    at_ms = NumberAttribute()  # the same, epoch ms: "newer than" is a number comparison
    score = NumberAttribute()  # 0..1, the share of the frame that moved
    expires = TTLAttribute()
