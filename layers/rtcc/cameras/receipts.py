"""Access receipts: what an owner is shown of what the city did with their cameras (which
agency viewed or asked for what, when, for which case). Pure values and the port; the
DynamoDB adapter is rtcc.cameras.receipts_dynamodb."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, get_args

Action = Literal["viewed", "requested", "approved", "declined", "uploaded", "exported"]
ACTIONS: tuple[str, ...] = get_args(Action)


@dataclass(frozen=True)
class Receipt:
    owner_id: str
    camera_id: str | None
    action: Action
    agency: str
    case_number: str | None
    request_id: str | None
    at: str  # ISO 8601, UTC

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action: one of {', '.join(ACTIONS)}")
        if not self.owner_id or not self.agency:
            raise ValueError("owner_id and agency are required")

    def as_dict(self) -> dict:
        return {
            "camera_id": self.camera_id,
            "action": self.action,
            "agency": self.agency,
            "case_number": self.case_number,
            "request_id": self.request_id,
            "at": self.at,
        }


class ReceiptBook(Protocol):
    def record(self, receipt: Receipt) -> None: ...

    def of_owner(self, owner_id: str, limit: int = 50) -> list[Receipt]:
        """The owner's newest receipts first."""
        ...

    def forget_owner(self, owner_id: str) -> int:
        """Deletes every receipt of the owner (their "delete everything"); how many."""
        ...
