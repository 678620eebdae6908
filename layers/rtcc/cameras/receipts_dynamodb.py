"""Receipts in DynamoDB (`camera-receipts`): one item per receipt under its owner, in time
order, so the portal's list is one Query and "delete everything" a Query and deletes."""

from __future__ import annotations

import secrets

from rtcc.cameras.receipts import Receipt
from rtcc.store.camera_registry import CameraReceiptRecord


class DynamoReceiptBook:
    def record(self, receipt: Receipt) -> None:
        CameraReceiptRecord(
            receipt.owner_id,
            f"{receipt.at}#{secrets.token_hex(4)}",
            camera_id=receipt.camera_id,
            action=receipt.action,
            agency=receipt.agency,
            case_number=receipt.case_number,
            request_id=receipt.request_id,
            at=receipt.at,
        ).save()

    def of_owner(self, owner_id: str, limit: int = 50) -> list[Receipt]:
        rows = CameraReceiptRecord.query(owner_id, scan_index_forward=False, limit=limit)
        return [
            Receipt(r.owner_id, r.camera_id, r.action, r.agency, r.case_number, r.request_id, r.at)  # type: ignore[arg-type]
            for r in rows
        ]

    def forget_owner(self, owner_id: str) -> int:
        gone = 0
        # Keys only: what a delete needs, and nothing of the receipts travels.
        for row in CameraReceiptRecord.query(owner_id, attributes_to_get=["owner_id", "receipt_id"]):
            row.delete()
            gone += 1
        return gone


def receipt_book() -> DynamoReceiptBook:
    return DynamoReceiptBook()
