"""Sending an alert: preview, create (with an optional second supervisor's approval),
fan-out to the queue, cancel, and the delivery view.

The supervisor's request is answered once the recipients are selected and their pages are
on the fan-out queue: selection reads each zone's index by key (rtcc.alerts.subscriptions
`recipients_by_zone`, a base-table Query per zone, no scan) and a page is one queue message
of at most `MAX_PAGE` recipients (rtcc.alerts.dispatch.DispatchBatch), so 10,000
residents are 20 messages in two SendMessageBatch calls. The dispatcher functions then send
them at the sender's rate. A planner function between the API and the queue would only pay
off for audiences of hundreds of thousands; the API does it (see the README).

Order of writes on send: the alert is stored `sending` with its per-zone plan first, then the
pages are queued. Pages the queue still refuses after the adapter's retries are recorded on
the alert (`unqueued`, recipients per zone; the API shows them) and the request answers 503.

A supervisor's retry never sends twice: the composer sends an idempotency key per composed
alert, and the first request with a key reserves an alert id under it (a conditional write,
`AlertStore.reserve`). A repeat of that key answers the alert already made (a different
draft under the same key is a 409); if some of its pages had been refused, the repeat queues
those zones' pages again (recipients selected anew; the delivery ledger sends each
(alert, subscriber) once, so whoever had already been sent is skipped).

Audit (`SendAudit`): each write is announced before it is made (`intend`, the route's
AuditedWrite) and marked `applied` as soon as it happened, so an error after it (pages the
queue refused) does not make the log say the alert was not stored. Pages refused are an
entry of their own (`<action>.unqueued`, zones and counts), and a retry that queues
them again is audited as `alert.requeue`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from rtcc.alerts.dispatch import MAX_PAGE, DispatchBatch
from rtcc.alerts.ledger import DeliveryLedger
from rtcc.alerts.model import Alert, Recipient, Tier
from rtcc.alerts.segments import TooManySegments, check_segments
from rtcc.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable

logger = logging.getLogger(__name__)


class SendState(StrEnum):
    AWAITING_APPROVAL = "awaiting-approval"  # an emergency waiting for a second supervisor
    SENDING = "sending"  # pages queued; dispatchers at work (or done)
    CANCELLED = "cancelled"  # no further sends


#: Counters of the delivery view, per zone, in this order.
VIEW_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed", "cancelled", "unknown")


@dataclass(frozen=True)
class Draft:
    """What the composer sends."""

    tier: Tier
    zones: tuple[str, ...]
    categories: tuple[str, ...]
    texts: dict[str, str]
    headline: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class SentAlert:
    alert: Alert
    state: SendState
    created_at: datetime
    planned: dict[str, int] = field(default_factory=dict)  # zone -> recipients queued
    approved_by: str | None = None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    unqueued: dict[str, int] = field(default_factory=dict)  # zone -> recipients the queue refused


@dataclass(frozen=True)
class Preview:
    reach: int
    segments: dict[str, int]


class AlertStore(Protocol):
    def create(self, record: SentAlert) -> bool:
        """Store a new alert; False if one with its id exists (a racing retry stored it)."""
        ...

    def reserve(self, key: str, alert_id: str, fingerprint: str) -> tuple[str, str]:
        """Reserve `alert_id` under the idempotency `key` (a digest), once: returns the
        (alert id, draft fingerprint) reserved under it, this one's or an earlier request's."""
        ...

    def get(self, alert_id: str) -> SentAlert | None: ...

    def replace(self, record: SentAlert, expected: SendState) -> bool:
        """Save `record` only if the stored state is still `expected` (False otherwise)."""
        ...

    def recent(self, limit: int) -> list[SentAlert]: ...


class SendAudit(Protocol):
    """The audit log as the sending code sees it (the API's AuditedWrite implements it)."""

    def intend(self, action: str, detail: dict) -> None:
        """Right before a write: the entry goes in first; if this raises, nothing is written."""
        ...

    def applied(self) -> None:
        """The write announced last happened, whatever error follows."""
        ...

    def note(self, action: str, detail: dict) -> None:
        """A fact found after the write (pages the queue refused)."""
        ...


@dataclass(frozen=True)
class _CallbackAudit:
    """A bare callable as a `SendAudit`: it is given the intended details only (the tests'
    `audited.append`, callers that audit nothing else)."""

    callback: Callable[[dict], None]

    def intend(self, action: str, detail: dict) -> None:
        self.callback(detail)

    def applied(self) -> None:
        pass

    def note(self, action: str, detail: dict) -> None:
        pass


def _as_audit(audit: SendAudit | Callable[[dict], None]) -> SendAudit:
    return audit if hasattr(audit, "intend") else _CallbackAudit(audit)  # type: ignore[arg-type]


class FanoutQueue(Protocol):
    def enqueue(self, batches: list[DispatchBatch]) -> list[DispatchBatch] | None:
        """Queue the pages; returns those the queue still refused after retries (None or
        empty: all queued)."""
        ...


class RecipientSource(Protocol):
    def recipients_by_zone(self, alert: Alert) -> Iterator[tuple[str, Recipient]]: ...


def new_alert_id(now: datetime) -> str:
    """Sorts by creation time (the list's order) and is unguessable in its tail."""
    return f"A{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def segment_counts(texts: dict[str, str]) -> dict[str, int]:
    """Segments per language; Invalid naming the language of a text over the limit."""
    out = {}
    for language, text in texts.items():
        try:
            out[language] = check_segments(text).segments
        except TooManySegments as exc:
            raise Invalid(str(exc), field=f"texts.{language}") from None
    return out


def pages(
    selected: Iterable[tuple[str, Recipient]], alert_id: str, size: int = MAX_PAGE
) -> list[DispatchBatch]:
    """Recipients grouped by zone into queue messages of at most `size` (<= MAX_PAGE; the
    wiring passes rtcc.alerts.dispatch.page_size of the sender's rate)."""
    size = max(1, min(size, MAX_PAGE))
    by_zone: dict[str, list[Recipient]] = {}
    for zone, recipient in selected:
        by_zone.setdefault(zone, []).append(recipient)
    return [
        DispatchBatch(alert_id, zone, tuple(people[i : i + size]))
        for zone, people in by_zone.items()
        for i in range(0, len(people), size)
    ]


def key_digest(sender: str, key: str) -> str:
    """An idempotency key is the client's, per supervisor: two supervisors' keys never meet."""
    return hashlib.sha256(f"{sender}\n{key}".encode()).hexdigest()


def draft_fingerprint(draft: Draft) -> str:
    data = {
        "tier": str(draft.tier),
        "zones": list(draft.zones),
        "categories": list(draft.categories),
        "texts": draft.texts,
        "headline": draft.headline,
        "expires_at": draft.expires_at.isoformat() if draft.expires_at else None,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class AlertSending:
    def __init__(
        self,
        store: AlertStore,
        recipients: RecipientSource,
        queue: FanoutQueue,
        ledger: DeliveryLedger,
        *,
        emergency_approval: bool = False,
        known_zones: Container[str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = MAX_PAGE,
    ) -> None:
        self.store, self.recipients, self.queue, self.ledger = store, recipients, queue, ledger
        self.emergency_approval, self.known_zones, self._clock = emergency_approval, known_zones, clock
        self.page_size = page_size

    def preview(self, draft: Draft, sender: str) -> Preview:
        counts = segment_counts(draft.texts)
        alert = self._alert(draft, sender, "Apreview", None)
        return Preview(sum(1 for _ in self.recipients.recipients_by_zone(alert)), counts)

    def create(
        self,
        draft: Draft,
        sender: str,
        audit: SendAudit | Callable[[dict], None],
        key: str | None = None,
    ) -> SentAlert:
        """Store the alert and, unless it awaits approval, queue its pages. `audit` hears of
        each write before it is made (`alert.send`; a retry's re-queue `alert.requeue`).
        `key`: the client's idempotency key (a repeat answers the first request's alert)."""
        audit = _as_audit(audit)
        segment_counts(draft.texts)
        now = self._clock()
        alert_id = new_alert_id(now)
        if key is not None:
            alert_id = self._reserve(key, sender, draft, alert_id)
            existing = self.store.get(alert_id)
            if existing is not None:
                return self._requeue_refused(existing, audit)  # a retry: nothing new is sent
        alert = self._alert(draft, sender, alert_id, now)
        batches = self._selected(alert)
        waits = self.emergency_approval and alert.tier == Tier.EMERGENCY
        state = SendState.AWAITING_APPROVAL if waits else SendState.SENDING
        if waits:
            # Not sent until a second supervisor approves (approve() sets the time): the
            # public feeds publish only alerts with a send time, so one supervisor alone can
            # never put an Emergency on them, and a waiting alert cancelled never appears.
            alert = replace(alert, sent_at=None)
        record = SentAlert(alert, state, now, planned=_planned(batches))
        audit.intend("alert.send", _detail(record))
        if not self.store.create(record):
            return self.get(alert_id)  # a concurrent retry with the same key stored it first
        audit.applied()  # stored: a refused page below is a partial send, not "not applied"
        if not waits:
            record = self._enqueue(record, batches, audit, "alert.send")
        return record

    def _reserve(self, key: str, sender: str, draft: Draft, alert_id: str) -> str:
        fingerprint = draft_fingerprint(draft)
        reserved, first = self.store.reserve(key_digest(sender, key), alert_id, fingerprint)
        if first != fingerprint:
            raise Conflict("this idempotency key was used for a different alert", field="idempotency_key")
        return reserved

    def _enqueue(
        self, record: SentAlert, batches: list[DispatchBatch], audit: SendAudit, action: str
    ) -> SentAlert:
        """Queue the pages; what the queue still refuses is recorded on the alert (the view
        shows it), in the audit log (`<action>.unqueued`) and answered 503: the same
        request again (same key) re-queues it."""
        refused = self.queue.enqueue(batches) or []
        audit.applied()  # some pages (or none, if all were refused: noted below) are queued
        if refused:
            unqueued = _planned(refused)
            audit.note(
                f"{action}.unqueued",
                {
                    "alert_id": record.alert.alert_id,
                    "zones": sorted(unqueued),
                    "recipients": sum(unqueued.values()),
                    "per_zone": unqueued,
                },
            )
        updated = replace(record, unqueued=_planned(refused))
        if updated != record and not self.store.replace(updated, record.state):
            raise Conflict("the alert changed while being queued; reload it", field="alert")
        if refused:
            raise Unavailable(
                f"the fan-out queue refused the pages of {sum(updated.unqueued.values())} recipient(s); "
                "send the same alert again to queue them"
            )
        return updated

    def _requeue_refused(self, record: SentAlert, audit: SendAudit) -> SentAlert:
        """A retried send whose pages were partly refused: queue those zones' pages again,
        audited as its own write (`alert.requeue`: the zones and how many, never whom)."""
        if not record.unqueued or record.state != SendState.SENDING:
            return record
        zones = set(record.unqueued)
        batches = [b for b in self._selected(record.alert) if b.zone in zones]
        again = _planned(batches)
        detail = {
            "alert_id": record.alert.alert_id,
            "zones": sorted(again),
            "recipients": sum(again.values()),
            "per_zone": again,
        }
        audit.intend("alert.requeue", detail)
        return self._enqueue(
            replace(record, planned={**record.planned, **again}), batches, audit, "alert.requeue"
        )

    def approve(self, alert_id: str, approver: str, audit: SendAudit | Callable[[dict], None]) -> SentAlert:
        audit = _as_audit(audit)
        record = self.get(alert_id)
        if record.state != SendState.AWAITING_APPROVAL:
            raise Conflict(f"the alert is {record.state}, not awaiting approval", field="alert")
        if approver == record.alert.sender:
            raise Forbidden("a second supervisor approves: not the one who composed it", field="alert")
        now = self._clock()
        expires = record.alert.expires_at
        if expires is not None and expires <= now:
            # Sending an expired alert would publish it already over; the composer makes a new one.
            raise Conflict("the alert expired before it was approved; compose it again", field="expires_at")
        alert = replace(record.alert, sent_at=now)
        batches = self._selected(alert)  # selected again: subscribers may have changed
        approved = replace(
            record, alert=alert, state=SendState.SENDING, approved_by=approver, planned=_planned(batches)
        )
        audit.intend("alert.approve", _detail(approved))
        if not self.store.replace(approved, SendState.AWAITING_APPROVAL):
            raise Conflict("the alert changed while being approved; reload it", field="alert")
        audit.applied()  # approved and stored: a refused page below is a partial send
        return self._enqueue(approved, batches, audit, "alert.approve")

    def cancel(self, alert_id: str, who: str, intend: Callable[[dict], None]) -> SentAlert:
        """Stop the remaining sends: dispatchers read the state before each claim and send
        (through a 1 s cache), so sends stop within about a second."""
        record = self.get(alert_id)
        if record.state == SendState.CANCELLED:
            return record
        cancelled = replace(record, state=SendState.CANCELLED, cancelled_by=who, cancelled_at=self._clock())
        intend({"state_before": str(record.state)})
        if not self.store.replace(cancelled, record.state):
            raise Conflict("the alert changed while being cancelled; reload it", field="alert")
        return cancelled

    def get(self, alert_id: str) -> SentAlert:
        record = self.store.get(alert_id)
        if record is None:
            raise NotFound("no such alert", field="alert_id")
        return record

    def view(self, alert_id: str) -> tuple[SentAlert, dict[str, dict[str, int]]]:
        record = self.get(alert_id)
        return record, delivery_counts(record.planned, self.ledger.counts(alert_id))

    def recent(self, limit: int = 50) -> list[SentAlert]:
        return self.store.recent(limit)

    def _alert(self, draft: Draft, sender: str, alert_id: str, sent_at: datetime | None) -> Alert:
        unknown = [z for z in draft.zones if self.known_zones is not None and z not in self.known_zones]
        if unknown:
            raise Invalid(f"no such zone: {', '.join(unknown)}", field="zones")
        try:
            return Alert(
                alert_id=alert_id,
                tier=draft.tier,
                headline=draft.headline or {k: _headline(v) for k, v in draft.texts.items()},
                texts=draft.texts,
                zones=draft.zones,
                categories=draft.categories,
                sent_at=sent_at,
                expires_at=draft.expires_at,
                sender=sender,
            )
        except ValueError as exc:
            raise Invalid(str(exc)) from None

    def _selected(self, alert: Alert) -> list[DispatchBatch]:
        batches = pages(self.recipients.recipients_by_zone(alert), alert.alert_id, self.page_size)
        if not batches:
            raise Invalid(
                "no active subscriber in these zones wants this alert (tier and categories); nothing to send",
                field="zones",
            )
        return batches


def delivery_counts(planned: dict[str, int], ledger: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """The delivery view per zone. `sent` counts what the provider accepted; `delivered` and
    `undelivered` are the part of those its status callbacks settled; `queued` is what no
    dispatcher has settled yet (planned minus sent, failed, cancelled, unknown)."""
    zones = dict.fromkeys([*planned, *(zone for zone, _ in ledger)])
    out = {}
    for zone in zones:
        row = {status: ledger.get((zone, status), 0) for status in VIEW_STATUSES}
        settled = sum(row[s] for s in ("sent", "failed", "cancelled", "unknown"))
        row["queued"] = max(0, planned.get(zone, 0) - settled)
        out[zone] = row
    return out


def settled(record: SentAlert, counts: dict[str, dict[str, int]]) -> bool:
    """Nothing left for a dispatcher to do: the alert is sending, no recipient is queued and
    no page waits to be queued again (`unqueued`)."""
    if record.state != SendState.SENDING or any(record.unqueued.values()):
        return False
    return not any(row["queued"] for row in counts.values())


def _planned(batches: list[DispatchBatch]) -> dict[str, int]:
    out: dict[str, int] = {}
    for batch in batches:
        out[batch.zone] = out.get(batch.zone, 0) + len(batch.recipients)
    return out


def _detail(record: SentAlert) -> dict:
    """The audit entry's detail: what was sent where, and to how many (no subscriber)."""
    alert = record.alert
    return {
        "alert_id": alert.alert_id,
        "tier": str(alert.tier),
        "zones": list(alert.zones),
        "categories": list(alert.categories),
        "languages": sorted(alert.texts),
        "state": str(record.state),
        "recipients": sum(record.planned.values()),
    }


def _headline(text: str) -> str:
    """A headline when the composer gave none: the text's first line, cut at 80 characters."""
    first = text.strip().splitlines()[0]
    return first if len(first) <= 80 else first[:79] + "…"


class InMemoryAlertStore:
    """`AlertStore` in a dict (tests)."""

    def __init__(self) -> None:
        self._records: dict[str, SentAlert] = {}
        self._keys: dict[str, tuple[str, str]] = {}

    def create(self, record: SentAlert) -> bool:
        if record.alert.alert_id in self._records:
            return False
        self._records[record.alert.alert_id] = record
        return True

    def reserve(self, key: str, alert_id: str, fingerprint: str) -> tuple[str, str]:
        return self._keys.setdefault(key, (alert_id, fingerprint))

    def get(self, alert_id: str) -> SentAlert | None:
        return self._records.get(alert_id)

    def replace(self, record: SentAlert, expected: SendState) -> bool:
        current = self._records.get(record.alert.alert_id)
        if current is None or current.state != expected:
            return False
        self._records[record.alert.alert_id] = record
        return True

    def recent(self, limit: int) -> list[SentAlert]:
        return sorted(self._records.values(), key=lambda r: r.alert.alert_id, reverse=True)[:limit]


class StoredAlerts:
    """The dispatcher's `AlertSource` over an `AlertStore`."""

    def __init__(self, store: AlertStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self._clock = store, clock

    def alert(self, alert_id: str) -> Alert:
        record = self.store.get(alert_id)
        if record is None:
            raise KeyError(alert_id)
        return record.alert

    def is_cancelled(self, alert_id: str) -> bool:
        """Whether sending must stop: cancelled, gone, or past its `expires_at`. At 1 message
        a second 10,000 recipients take hours; a warning texted after it is over would be
        wrong, so the rest are settled `cancelled` as for a cancel (the alert's state stays
        `sending`: its expiry, shown with it, is the reason)."""
        record = self.store.get(alert_id)
        if record is None or record.state == SendState.CANCELLED:
            return True
        expires = record.alert.expires_at
        if expires is not None and expires <= self._clock():
            logger.info("alert %s expired at %s: its remaining recipients are not sent", alert_id, expires)
            return True
        return False
