"""Motion events in DynamoDB (`camera-motion`, rtcc.store.video): one item per camera, its last
event. A write is one conditional PutItem (absent, expired, or older than the new event), so a
retried or late event never replaces a newer one; reads are BatchGetItem by key."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from rtcc.store.base import absent_condition, is_expired
from rtcc.store.video import CameraMotionRecord
from rtcc.video.motion import MotionEvent


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _conditional_failed(exc: PutError) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class DynamoMotionBook:
    def record(self, event: MotionEvent, expires: datetime) -> bool:
        at_ms = _ms(event.at)
        item = CameraMotionRecord(
            event.camera_id,
            at=event.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            at_ms=at_ms,
            score=event.score,
            expires=expires,
        )
        try:
            item.save(condition=absent_condition(CameraMotionRecord) | (CameraMotionRecord.at_ms < at_ms))
        except PutError as exc:
            if _conditional_failed(exc):
                return False  # as new or newer stored: a retry, or a late event
            raise
        return True

    def last_of(self, camera_ids: list[str]) -> dict[str, MotionEvent]:
        now = datetime.now(UTC)
        found = {}
        for record in CameraMotionRecord.batch_get(list(dict.fromkeys(camera_ids))):
            if is_expired(record, now):
                continue
            at = datetime.fromtimestamp(record.at_ms / 1000, UTC)
            found[record.camera_id] = MotionEvent(record.camera_id, at, float(record.score))
        return found


def motion_book() -> DynamoMotionBook:
    return DynamoMotionBook()
