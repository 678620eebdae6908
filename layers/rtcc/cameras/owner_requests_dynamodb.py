"""`OwnerNotices` over DynamoDB: the owner's "requested" receipts (camera-receipts, one Query
by owner), each request's notice and request record (GetItem), a conditional DeleteItem."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist

from rtcc.cameras.footage import month_of
from rtcc.cameras.owner_requests import OwnerNotice
from rtcc.store.camera_registry import CameraReceiptRecord
from rtcc.store.footage import FootageNoticeRecord, FootageRequestRecord


class DynamoOwnerNotices:
    def request_ids(self, owner_id: str) -> list[str]:
        rows = CameraReceiptRecord.query(owner_id, scan_index_forward=False)
        ids = (r.request_id for r in rows if r.action == "requested" and r.request_id)
        return list(dict.fromkeys(ids))

    def notice(self, request_id: str, owner_id: str) -> OwnerNotice | None:
        try:
            notice = FootageNoticeRecord.get(request_id, owner_id, consistent_read=True)
            request = FootageRequestRecord.get(month_of(request_id), request_id)
        except DoesNotExist:
            return None
        return OwnerNotice(request_id, notice.status, notice.expires_at, request.agency, request.case_number)

    def forget(self, request_id: str, owner_id: str) -> bool:
        unanswered = FootageNoticeRecord.status.is_in("pending", "expired")
        try:
            FootageNoticeRecord(request_id, owner_id).delete(condition=unanswered)
        except DeleteError as error:
            if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise
            return False  # answered meanwhile: the case's record now
        return True


def owner_notices() -> DynamoOwnerNotices:
    return DynamoOwnerNotices()
