"""The inbox's reads against a repository stand-in: domain logic with no emulator
(rtcc.tips.repository.TipRepository is the port; the routes only see views)."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import create_autospec

import pytest
from rtcc.tips.inbox import TipInbox
from rtcc.tips.records import TipNotFound
from rtcc.tips.repository import MediaItem, TipRepository
from rtcc.tips.views import MessageView, TipView

TIP = TipView(
    code="T-4F7K",
    channel="sms",
    alias="Tipster 12",
    status="new",
    priority="normal",
    category=None,
    disposition=None,
    assignee=None,
    case_number=None,
    created_at="2026-12-01T10:00:00.000Z",
    last_activity_at="2026-12-01T10:00:00.000Z",
    activity_key="2026-12-01T10:00:00.000Z#T-4F7K",
    preview="Blue van",
    message_count=1,
    media_count=1,
    media_settled=1,
    unread=True,
    keywords=(),
    spam_suspected=False,
    latitude=None,
    longitude=None,
    closed_at=None,
    purge_on=None,
    version=3,
    notes=({"at": "2026-12-01T10:05:00.000Z", "author": "sgt.jones", "text": "checked plates"},),
)
MESSAGE = MessageView("T-4F7K", "k1", TIP.created_at, "in", "sms", "Blue van", None, ("m1",), None, None)


class Store:
    """The media store port: only signs links here."""

    def presigned_get(self, key: str, expires_s: int) -> str:
        return f"https://media.example/{key}?expires={expires_s}"


def inbox(repo) -> TipInbox:
    return TipInbox(Store(), queues=None, live=object(), repo=repo)  # type: ignore[arg-type]


def test_opening_a_tip_marks_it_read_signs_stored_media_and_tells_supervisors_of_its_block() -> None:
    repo = create_autospec(TipRepository, instance=True)
    repo.get.return_value = TIP
    repo.messages.return_value = [MESSAGE]
    repo.media.return_value = [
        MediaItem("m1", "k1", "stored", None, "image/jpeg", 10, "ab", "tips/T-4F7K/m1"),
        MediaItem("m2", "k1", "rejected", "not a picture", None, None, None, None),
    ]
    repo.mark_read.return_value = True
    repo.blocked_from.return_value = True

    view = inbox(repo).detail("T-4F7K", show_block=True)

    repo.mark_read.assert_called_once_with("T-4F7K")
    assert view.tip.unread is False and view.blocked is True
    assert view.messages == (MESSAGE,)
    stored, rejected = view.media
    assert stored["url"].startswith("https://media.example/tips/T-4F7K/m1") and "s3_key" not in stored
    assert rejected["url"] is None and rejected["reason"] == "not a picture"
    assert view.tip.notes[0]["author"] == "sgt.jones"
    repo.blocked_from.assert_called_once_with("T-4F7K")
    # Officers are not told: the block is not even read.
    assert inbox(repo).detail("T-4F7K").blocked is None
    repo.blocked_from.assert_called_once()


def test_a_read_tip_is_not_written_and_a_missing_one_is_not_found() -> None:
    repo = create_autospec(TipRepository, instance=True)
    repo.get.return_value = replace(TIP, unread=False)
    repo.messages.return_value, repo.media.return_value = [], []
    repo.blocked_from.return_value = False
    inbox(repo).detail("T-4F7K")
    repo.mark_read.assert_not_called()

    repo.get.return_value = None
    with pytest.raises(TipNotFound):
        inbox(repo).detail("T-ZZZZ")
    # Deleted (retention) between the read and the mark: not found either, no stub.
    repo.get.return_value, repo.mark_read.return_value = TIP, False
    with pytest.raises(TipNotFound):
        inbox(repo).detail("T-4F7K")


def test_summaries_come_newest_activity_first() -> None:
    repo = create_autospec(TipRepository, instance=True)
    older = replace(TIP, code="T-AAAA", activity_key="2026-11-30T09:00:00.000Z#T-AAAA")
    repo.get_many.return_value = [older, TIP]
    assert [t.code for t in inbox(repo).summaries(["T-AAAA", "T-4F7K", "T-AAAA"])] == ["T-4F7K", "T-AAAA"]
