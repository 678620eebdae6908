"""A camera owner's footage requests, seen from the owner's side (the portal behind the
owner's link, rtcc.api.routes.cameras_public):

- `open_requests`: the requests still waiting for this owner's answer, each with its own
  request link token (scope `request:<id>`, rtcc.cameras.owner_links), so the portal can
  open the request page (`/cameras/request#t=<token>&r=<id>`) without a second text;
- `forget_notices`: what an owner's "delete everything" removes of them. A notice still
  pending (or lapsed unanswered) is the only thing tying the owner to a request the case
  never got anything from: deleted. An answered one (approved or declined) is the case's
  record of what was asked and answered; it stays, naming an owner id that no longer leads
  to anyone (the owner, contacts and cameras are gone). Evidence delivered stays with its
  case (chain of custody), as the README says.

Which requests asked an owner is read from the owner's "requested" receipts (one per request
and owner, written when the request went out): no index over the notices is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OwnerNotice:
    request_id: str
    status: str  # pending | approved | declined | expired
    expires_at: str  # UTC ISO 8601
    agency: str
    case_number: str


class OwnerNotices(Protocol):
    def request_ids(self, owner_id: str) -> list[str]:
        """The requests that asked this owner (newest first, each once)."""
        ...

    def notice(self, request_id: str, owner_id: str) -> OwnerNotice | None: ...

    def forget(self, request_id: str, owner_id: str) -> bool:
        """Deletes the notice while it is unanswered; False when it was answered meanwhile."""
        ...


def _waiting(notice: OwnerNotice, now: datetime) -> bool:
    return notice.status == "pending" and datetime.fromisoformat(notice.expires_at) > now


def open_requests(
    owner_id: str, notices: OwnerNotices, link: Callable[[str, str], str], now: datetime
) -> list[dict]:
    """[{request_id, agency, case_number, status: "pending", expires_at, link_token}]:
    `link(owner_id, scope)` signs each request's own link."""
    out = []
    for request_id in notices.request_ids(owner_id):
        notice = notices.notice(request_id, owner_id)
        if notice is None or not _waiting(notice, now):
            continue
        out.append(
            {
                "request_id": request_id,
                "agency": notice.agency,
                "case_number": notice.case_number,
                "status": "pending",
                "expires_at": notice.expires_at,
                "link_token": link(owner_id, f"request:{request_id}"),
            }
        )
    return out


def forget_notices(owner_id: str, notices: OwnerNotices) -> int:
    """The owner's unanswered notices deleted (answered ones kept: see the module); how many."""
    gone = 0
    for request_id in notices.request_ids(owner_id):
        notice = notices.notice(request_id, owner_id)
        if notice is not None and notice.status in ("pending", "expired"):
            gone += notices.forget(request_id, owner_id)
    return gone
