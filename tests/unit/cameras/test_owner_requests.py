"""rtcc.cameras.owner_requests with a fake store: the portal lists only requests waiting
for the owner's answer (each with its own request-scoped link); deleting everything deletes
unanswered notices and keeps answered ones (the case's record)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rtcc.cameras.owner_requests import OwnerNotice, forget_notices, open_requests

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
LATER, EARLIER = (NOW + timedelta(days=3)).isoformat(), (NOW - timedelta(days=1)).isoformat()


class Notices:
    def __init__(self, *notices: OwnerNotice) -> None:
        self.notices = {n.request_id: n for n in notices}
        self.forgotten: list[str] = []

    def request_ids(self, owner_id: str) -> list[str]:
        return list(self.notices)

    def notice(self, request_id: str, owner_id: str) -> OwnerNotice | None:
        return self.notices.get(request_id)

    def forget(self, request_id: str, owner_id: str) -> bool:
        self.forgotten.append(request_id)
        return self.notices.pop(request_id, None) is not None


def _store() -> Notices:
    return Notices(
        OwnerNotice("fr-1", "pending", LATER, "Springfield PD", "26-1"),
        OwnerNotice("fr-2", "approved", LATER, "Springfield PD", "26-2"),
        OwnerNotice("fr-3", "pending", EARLIER, "Springfield PD", "26-3"),  # lapsed unanswered
        OwnerNotice("fr-4", "declined", LATER, "Springfield PD", "26-4"),
    )


def test_the_portal_lists_only_requests_waiting_with_their_own_link() -> None:
    listed = open_requests("own-1", _store(), lambda owner, scope: f"{owner}|{scope}", NOW)
    assert listed == [
        {
            "request_id": "fr-1",
            "agency": "Springfield PD",
            "case_number": "26-1",
            "status": "pending",
            "expires_at": LATER,
            "link_token": "own-1|request:fr-1",
        }
    ]


def test_delete_everything_forgets_unanswered_notices_and_keeps_answered_ones() -> None:
    store = _store()
    assert forget_notices("own-1", store) == 2
    assert sorted(store.forgotten) == ["fr-1", "fr-3"] and sorted(store.notices) == ["fr-2", "fr-4"]
