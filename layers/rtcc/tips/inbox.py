"""The officer inbox: list, poll for news, read, triage, reply, block, export.

Officers see tip codes and per-tip aliases, never a pseudonym or a number. Callers (the
API routes) audit every view, reply, export and change; this module does the work.
"""

from __future__ import annotations

import heapq
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, get_args

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from rtcc.errors import Unavailable
from rtcc.feed import LiveFeed
from rtcc.models.tips import Category, Disposition, Priority, Status
from rtcc.store.base import live_condition
from rtcc.store.tips import (
    TipMessageRecord,
    TipRecord,
    TipsterRecord,
    TipVaultRecord,
)
from rtcc.tips.jobs import ReplyJob
from rtcc.tips.ports import MediaStore, TipQueues
from rtcc.tips.records import (
    TIPS_CHANNEL,
    TipConflict,
    TipError,
    TipInputError,
    TipNotFound,
    activity_key,
    condition_failed,
    feed_entry,
    iso,
    lift_block_if_none_left,
    message_key,
    new_id,
    now_utc,
    transaction,
)
from rtcc.tips.repository import MediaItem, PynamoTipRepository, TipRepository, message_view, tip_view
from rtcc.tips.retention import retention_change
from rtcc.tips.settings import tips_settings
from rtcc.tips.text import query_words
from rtcc.tips.views import MessageView, TipDetailView, TipView

logger = logging.getLogger(__name__)

# One list of each, kept with the API models the console and OpenAPI see.
STATUSES: tuple[str, ...] = get_args(Status)
PRIORITIES: tuple[str, ...] = get_args(Priority)
DISPOSITIONS: tuple[str, ...] = get_args(Disposition)
CATEGORIES: tuple[str, ...] = get_args(Category)
MEDIA_URL_SECONDS = 300
#: Feed items one poll turns into tips (a longer backlog continues on the next poll).
FEED_LIMIT = 200


@dataclass
class TipFilter:
    status: str | None = None
    category: str | None = None
    priority: str | None = None
    since: str | None = None
    until: str | None = None
    q: str | None = None
    before: str | None = None  # paging cursor: the activity_key of the last tip seen
    limit: int = 50


@dataclass
class TipPage:
    tips: list[TipRecord]
    next_before: str | None
    feed_cursor: str


@dataclass
class FeedPage:
    tips: list[TipRecord]
    cursor: str
    reset: bool = False


@dataclass
class TipChanges:
    status: str | None = None
    priority: str | None = None
    category: str | None = None
    disposition: str | None = None
    assignee: str | None = None
    case_number: str | None = None
    note: str | None = None
    spam_suspected: bool | None = None
    cleared: set[str] = field(default_factory=set)  # fields set to null explicitly


class ReplyNotQueued(TipError, Unavailable):
    """The reply is stored (marked failed) but could not be handed to the sender."""

    def __init__(self, message: MessageView) -> None:
        super().__init__("queue: the reply could not be queued for sending; send it again")
        self.reply = message


def _failed_at(reasons: list[Any], index: int) -> bool:
    """Whether a cancelled transaction's item `index` failed its condition."""
    reason = reasons[index] if index < len(reasons) else None
    return bool(reason and reason.code == "ConditionalCheckFailed")


class TipInbox:
    def __init__(
        self,
        store: MediaStore,
        queues: TipQueues,
        live: LiveFeed | None = None,
        repo: TipRepository | None = None,
    ) -> None:
        self.store = store
        self.queues = queues
        self.live = live or LiveFeed()
        self.repo = repo or PynamoTipRepository()

    # --- list and poll ------------------------------------------------------------------------
    def list(self, f: TipFilter) -> TipPage:
        feed_cursor = self.live.start()
        statuses = [f.status] if f.status else list(STATUSES)
        words = query_words(f.q or "")
        streams = [self._status_stream(s, f, words) for s in statuses]
        merged = heapq.merge(*streams, key=lambda t: t.activity_key, reverse=True)
        tips: list[TipRecord] = []
        more = False
        for tip in merged:
            if len(tips) == f.limit:
                more = True
                break
            tips.append(tip)
        cursor = tips[-1].activity_key if more and tips else None
        return TipPage([tip_view(t) for t in tips], cursor, feed_cursor)

    def _status_stream(self, status: str, f: TipFilter, words: list[str]):
        range_condition = None
        upper = min(x for x in (f.before, f.until) if x) if (f.before or f.until) else None
        if f.since and upper:
            range_condition = TipRecord.activity_key.between(f.since, upper)
        elif f.since:
            range_condition = TipRecord.activity_key >= f.since
        elif upper:
            range_condition = TipRecord.activity_key < upper
        filters = []
        if f.category:
            filters.append(TipRecord.category == f.category)
        if f.priority:
            filters.append(TipRecord.priority == f.priority)
        for word in words:
            filters.append(TipRecord.search_words.contains(word))
        condition = None
        for part in filters:
            condition = part if condition is None else condition & part
        for tip in TipRecord.by_status.query(
            status, range_condition, filter_condition=condition, scan_index_forward=False, limit=f.limit + 1
        ):
            # `between` is inclusive; the paging cursor itself was already returned.
            if upper and tip.activity_key >= upper:
                continue
            yield tip

    def feed(self, after: str) -> FeedPage:
        """Tips with activity after `after` (a cursor from `list` or a previous `feed`),
        read from the platform's live feed (channel "tips"). A tip whose news is younger
        than the feed's settle window may come again on the next call: callers upsert."""
        page = self.live.since(TIPS_CHANNEL, after, FEED_LIMIT)
        return FeedPage(self.summaries([item.ref for item in page.items]), page.cursor, page.reset)

    def summaries(self, codes: list[str]) -> list[TipView]:
        """The tips `codes` name that still exist, newest activity first (key lookups)."""
        tips = self.repo.get_many(codes)
        tips.sort(key=lambda t: t.activity_key, reverse=True)
        return tips

    # --- read ---------------------------------------------------------------------------------
    def get(self, code: str) -> TipView:
        tip = self.repo.get(code)
        if tip is None:
            raise TipNotFound(f"code: no tip {code}")
        return tip

    def _record(self, code: str) -> TipRecord:
        """The stored tip, for the changes below (they write it back conditionally)."""
        try:
            return TipRecord.get(code)
        except DoesNotExist:
            raise TipNotFound(f"code: no tip {code}") from None

    def detail(self, code: str, *, show_block: bool = False) -> TipDetailView:
        """The tip an officer opens: thread, media with short-lived links and, when
        `show_block` (supervisors), whether its sender was blocked from this tip; opening
        it marks it read."""
        tip = self.get(code)
        messages = tuple(self.repo.messages(code))
        media = tuple(self._media_view(m) for m in self.repo.media(code))
        if tip.unread:
            if not self.repo.mark_read(code):
                raise TipNotFound(f"code: no tip {code}")
            tip = replace(tip, unread=False)
        blocked = self.repo.blocked_from(code) if show_block else None
        return TipDetailView(tip, messages, media, blocked)

    def _media_view(self, m: MediaItem) -> dict[str, Any]:
        view: dict[str, Any] = {
            "media_id": m.media_id,
            "message_key": m.message_key,
            "state": m.state,
            "reason": m.reason,
            "content_type": m.content_type,
            "size": m.size,
            "sha256": m.sha256,
            "url": None,
            "url_expires_in": None,
        }
        if m.state == "stored" and m.s3_key:
            view["url"] = self.store.presigned_get(m.s3_key, MEDIA_URL_SECONDS)
            view["url_expires_in"] = MEDIA_URL_SECONDS
        return view

    # --- change -------------------------------------------------------------------------------
    def update(
        self,
        code: str,
        changes: TipChanges,
        author: str,
        version: int | None = None,
        before_write: Callable[[TipRecord, list[str]], None] | None = None,
    ) -> tuple[TipView, list[str]]:
        """Apply officer changes; returns the tip and the names of the fields changed.
        `before_write(tip, changed)` runs right before each write attempt (the audit entry:
        `rtcc.api.security.AuditedWrite`); if it raises, nothing is written."""
        vault_gone = False
        attempt = 0
        while True:
            tip = self._changeable(code, version)
            was_closed = tip.status == "closed"
            changed = self._apply(tip, changes, author)
            if not changed:
                return tip_view(tip), []
            seen = int(tip.version or 0)
            moment = now_utc()
            tip.version = seen + 1
            vault = self._vault_retention(tip, was_closed, vault_gone)
            # Only what starts, stops or changes the clock moves the schedule (a note on a
            # closed tip keeps the day it was given).
            unscheduled, scheduled = (
                retention_change(tip) if {"status", "case_number"} & set(changed) else (None, None)
            )
            # pynamodb sends a transaction's items grouped by kind (deletes, then puts, then
            # updates) and the cancellation reasons follow that order, not the calls'.
            deletes = [unscheduled] if unscheduled is not None else []
            puts = [feed_entry(code, "update", moment)] + ([scheduled] if scheduled is not None else [])
            tip_at, vault_at = len(deletes), len(deletes) + 1 + len(puts)
            if before_write is not None:
                before_write(tip, changed)
            try:
                with transaction() as tx:
                    for item in deletes:
                        tx.delete(item)
                    tx.save(tip, condition=TipRecord.version == seen)
                    for item in puts:
                        tx.save(item)
                    if vault is not None:
                        tx.update(TipVaultRecord(code), actions=vault[0], condition=vault[1])
                return tip_view(tip), changed
            except TransactWriteError as exc:
                reasons = list(exc.cancellation_reasons or [])
                if (
                    vault is not None
                    and vault[1] is not None
                    and _failed_at(reasons, vault_at)
                    and not _failed_at(reasons, tip_at)
                ):
                    # The contact is gone already, or past its retention and not yet removed
                    # by TTL: nothing to un-schedule, and it must not come back.
                    vault_gone = True
                    continue
                attempt += 1
                if attempt == 3 or version is not None:
                    raise TipConflict("version: the tip changed while saving; reload it") from None

    def _changeable(self, code: str, version: int | None) -> TipRecord:
        """The tip, if an officer may change it now (at `version`, when given)."""
        tip = self._record(code)
        if version is not None and int(tip.version or 0) != version:
            raise TipConflict(f"version: the tip changed since you read it (now {tip.version}); reload it")
        if tip.purging:
            raise TipConflict("status: this tip is being deleted under the retention policy")
        return tip

    def _apply(self, tip: TipRecord, c: TipChanges, author: str) -> list[str]:
        changed: list[str] = []

        def put(name: str, value: Any) -> None:
            if getattr(tip, name) != value:
                setattr(tip, name, value)
                changed.append(name)

        if c.category is not None and c.category not in CATEGORIES:
            raise TipInputError(f"category: must be one of {', '.join(CATEGORIES)}")
        for name in ("category", "disposition", "assignee", "case_number", "priority", "spam_suspected"):
            value = getattr(c, name)
            if value is not None:
                put(name, value)
            elif name in c.cleared and name not in ("priority", "spam_suspected"):
                put(name, None)
        status = c.status
        if status is None and c.assignee and tip.status in ("new", "triaged"):
            status = "assigned"  # assigning someone is what 'assigned' means
        if status is not None and status != tip.status:
            put("status", status)
            put("closed_at", iso(now_utc()) if status == "closed" else None)
        # The result must stay coherent: checked whenever this request touched it, so an
        # officer can still fix a tip that is not (without being refused for a note).
        if {"status", "disposition", "assignee"} & set(changed):
            if tip.status == "closed" and not tip.disposition:
                raise TipInputError(
                    "disposition: required to close a tip"
                    if "status" in changed
                    else "disposition: a closed tip keeps its disposition; reopen it to clear it"
                )
            if tip.status == "assigned" and not tip.assignee:
                raise TipInputError(
                    "assignee: required for status 'assigned'"
                    if "status" in changed
                    else "assignee: an assigned tip needs an assignee; set status to 'triaged' to unassign"
                )
        if c.note:
            notes = json.loads(tip.notes_json or "[]")
            notes.append({"at": iso(now_utc()), "author": author, "text": c.note})
            tip.notes_json = json.dumps(notes, ensure_ascii=False)
            changed.append("notes")
        return changed

    def _vault_retention(self, tip: TipRecord, was_closed: bool, gone: bool) -> tuple[list, Any] | None:
        """The vault update (actions, condition) that goes into the same transaction as a
        close or reopen, so a failure cannot leave a closed tip whose contact is kept forever.

        Closing starts the countdown to deleting the tipster's contact: a SET of `expires`
        (on a vault item that is gone already it leaves only `code` + `expires`, which TTL
        removes). Reopening stops it, only where the sealed contact still exists. Both only
        while the item is not past its TTL: DynamoDB can keep an expired item for days, and
        reopening (or closing again) must not give a contact whose retention is over a new
        lease. When that condition fails (`gone`), the retry removes the sealed contact
        itself, whatever DynamoDB's TTL sweep has or has not done yet.
        Always inside a transaction: a plain UpdateItem from pynamodb asks for the whole item
        back (ReturnValues=ALL_NEW), which would hand the API the sealed contact."""
        if tip.channel != "sms" or was_closed == (tip.status == "closed"):
            return None
        moment = now_utc()
        if gone:
            return [TipVaultRecord.ciphertext.remove(), TipVaultRecord.expires.set(moment)], None
        live = live_condition(TipVaultRecord, moment)
        if tip.status == "closed":
            expires = moment + timedelta(days=tips_settings().vault_retention_days)
            return [TipVaultRecord.expires.set(expires)], live
        return [TipVaultRecord.expires.remove()], TipVaultRecord.ciphertext.exists() & live

    # --- reply --------------------------------------------------------------------------------
    def reply(
        self,
        code: str,
        text: str,
        author: str,
        before_write: Callable[[TipMessageRecord], None] | None = None,
    ) -> MessageView:
        """Store a reply and queue it; `before_write(message)` as in `update`."""
        if not text.strip():
            raise TipInputError("text: empty reply")
        for attempt in range(3):
            tip = self._record(code)
            if tip.status == "closed":
                raise TipConflict("status: the tip is closed; reopen it to reply")
            moment = now_utc()
            at = iso(moment)
            message_id = new_id()
            message = TipMessageRecord(
                code,
                message_key(at, message_id),
                message_id=message_id,
                at=at,
                direction="out",
                channel=tip.channel,
                body=text,
                author=author,
                delivery="queued" if tip.channel == "sms" else None,
            )
            seen = int(tip.version or 0)
            tip.version = seen + 1
            tip.last_activity_at = at
            tip.activity_key = activity_key(at, code)
            if before_write is not None:
                before_write(message)
            try:
                with transaction() as tx:
                    tx.save(tip, condition=TipRecord.version == seen)
                    tx.save(message)
                    tx.save(feed_entry(code, "reply", moment))
                break
            except TransactWriteError:
                if attempt == 2:
                    raise TipConflict("version: the tip kept changing; try again") from None
        if tip.channel == "sms":
            self._queue_reply(message)
        return message_view(message)

    def _queue_reply(self, message: TipMessageRecord) -> None:
        """Hand a stored reply to the sender. If the queue refuses, the reply is marked
        `failed` (the officer sees it in the thread and can send it again) and the request
        answers 503 instead of leaving a reply `queued` that nothing will ever send."""
        try:
            self.queues.send_outbound(ReplyJob(code=message.code, message_key=message.key))
        except Exception as exc:  # noqa: BLE001 - any queue error: the reply must not look queued
            logger.warning(
                "tips.inbox reply not queued", extra={"code": message.code, "error": type(exc).__name__}
            )
            message.delivery = "failed"
            message.delivery_detail = "could not be queued for sending; send the reply again"
            try:
                message.update(
                    actions=[
                        TipMessageRecord.delivery.set(message.delivery),
                        TipMessageRecord.delivery_detail.set(message.delivery_detail),
                    ],
                    condition=TipMessageRecord.delivery == "queued",
                )
            except Exception:  # noqa: BLE001
                logger.warning("tips.inbox could not mark the reply failed", extra={"code": message.code})
            raise ReplyNotQueued(message_view(message)) from None

    # --- abuse --------------------------------------------------------------------------------
    def set_blocked(
        self, code: str, blocked: bool, author: str, before_write: Callable[[], None] | None = None
    ) -> TipView:
        """`before_write()` as in `update`: once the block is known to be possible."""
        tip = self._record(code)
        if not tip.pseudonym:
            raise TipConflict("code: web tips have no sender to block")
        if before_write is not None:
            before_write()
        # Only the blocked* fields, by UpdateItem (creating the record if need be): a
        # read-modify-save of the whole record would undo a STOP that arrived meanwhile.
        # Each tip's block is its own (blocked_from), so what a supervisor does on one tip
        # never changes what another tip of the same sender shows.
        tipster = TipsterRecord(tip.pseudonym)
        if blocked:
            tipster.update(
                actions=[
                    TipsterRecord.blocked.set(True),
                    TipsterRecord.blocked_from.add({code}),
                    TipsterRecord.blocked_at.set(iso(now_utc())),
                    TipsterRecord.blocked_by.set(author),
                ]
            )
        else:
            tipster.update(actions=[TipsterRecord.blocked_from.delete({code})])
            try:  # a block stored the old way, from this very tip
                tipster.update(
                    actions=[TipsterRecord.blocked_via.remove()], condition=TipsterRecord.blocked_via == code
                )
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
            lift_block_if_none_left(tipster)
        return tip_view(tip)
