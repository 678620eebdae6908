"""The tips domain's read port and its DynamoDB adapter.

`TipInbox` reads tips through a `TipRepository`, which returns domain values
(`rtcc.tips.views`); unit tests of the inbox stand a `create_autospec(TipRepository)` in
for it and need no emulator. `PynamoTipRepository` is the one implementation, over the
pynamodb models in `rtcc.store.tips`: the only place records become views.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from pynamodb.exceptions import DoesNotExist

from rtcc.store.tips import TipMediaRecord, TipMessageRecord, TipRecord, TipsterRecord
from rtcc.tips.records import get_or_none, update_if_exists
from rtcc.tips.views import MessageView, TipView


@dataclass(frozen=True)
class MediaItem:
    """A media item as stored: `s3_key` is for the inbox to sign a link, never shown."""

    media_id: str
    message_key: str | None
    state: str
    reason: str | None
    content_type: str | None
    size: int | None
    sha256: str | None
    s3_key: str | None


class TipRepository(Protocol):
    def get(self, code: str) -> TipView | None:
        """The tip, or None when there is none (or it expired)."""
        ...

    def get_many(self, codes: list[str]) -> list[TipView]:
        """The tips among `codes` that exist, in no particular order."""
        ...

    def messages(self, code: str) -> list[MessageView]:
        """The tip's thread, oldest first."""
        ...

    def media(self, code: str) -> list[MediaItem]: ...

    def mark_read(self, code: str) -> bool:
        """Clear the tip's unread flag; False when the tip is gone meanwhile."""
        ...

    def blocked_from(self, code: str) -> bool:
        """Whether a supervisor blocked this tip's sender from this tip (False for web
        tips). A block made from another tip of the same sender does not count: that
        would link the two tips."""
        ...


def tip_view(tip: TipRecord) -> TipView:
    return TipView(
        code=tip.code,
        channel=tip.channel,
        alias=tip.alias,
        status=tip.status,
        priority=tip.priority,
        category=tip.category,
        disposition=tip.disposition,
        assignee=tip.assignee,
        case_number=tip.case_number,
        created_at=tip.created_at,
        last_activity_at=tip.last_activity_at,
        activity_key=tip.activity_key,
        preview=tip.preview or "",
        message_count=int(tip.message_count or 0),
        media_count=int(tip.media_count or 0),
        media_settled=int(tip.media_settled or 0),
        unread=bool(tip.unread),
        keywords=tuple(sorted(tip.keywords or ())),
        spam_suspected=bool(tip.spam_suspected),
        latitude=tip.latitude,
        longitude=tip.longitude,
        closed_at=tip.closed_at,
        purge_on=tip.purge_on,
        version=int(tip.version or 0),
        notes=tuple(json.loads(tip.notes_json or "[]")),
    )


def message_view(m: TipMessageRecord) -> MessageView:
    return MessageView(
        code=m.code,
        key=m.key,
        at=m.at,
        direction=m.direction,
        channel=m.channel,
        body=m.body or "",
        author=m.author,
        media_ids=tuple(m.media_ids or ()),
        delivery=m.delivery,
        delivery_detail=m.delivery_detail,
    )


def _media_item(m: TipMediaRecord) -> MediaItem:
    return MediaItem(
        media_id=m.media_id,
        message_key=m.message_key,
        state=m.state,
        reason=m.reason,
        content_type=m.content_type or m.declared_type or None,
        size=m.size,
        sha256=m.sha256,
        s3_key=m.s3_key,
    )


class PynamoTipRepository:
    """Key lookups and base-table queries only (no scans, no GSIs: see DESIGN.md)."""

    def get(self, code: str) -> TipView | None:
        tip = get_or_none(TipRecord, code)
        return tip_view(tip) if tip is not None else None

    def get_many(self, codes: list[str]) -> list[TipView]:
        unique = list(dict.fromkeys(codes))
        return [tip_view(t) for t in TipRecord.batch_get(unique)] if unique else []

    def messages(self, code: str) -> list[MessageView]:
        return [message_view(m) for m in TipMessageRecord.query(code)]

    def media(self, code: str) -> list[MediaItem]:
        return [_media_item(m) for m in TipMediaRecord.query(code)]

    def mark_read(self, code: str) -> bool:
        # Not a version bump: reading must never conflict with a tipster's message. The
        # condition keeps a tip deleted meanwhile (retention) from coming back as a stub.
        return update_if_exists(TipRecord(code), [TipRecord.unread.set(False)])

    def blocked_from(self, code: str) -> bool:
        tip = get_or_none(TipRecord, code)
        if tip is None or not tip.pseudonym:
            return False
        try:
            tipster = TipsterRecord.get(tip.pseudonym)
            return code in (tipster.blocked_from or ()) or tipster.blocked_via == code
        except DoesNotExist:
            return False
