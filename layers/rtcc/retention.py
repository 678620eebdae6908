"""Retention: deleting records on the day a city's policy says, and proving it happened.

A capability schedules a deletion with `schedule_entry` inside the transaction that starts
a record's clock (closing a tip), removes it inside the one that stops the clock
(reopening), and registers a `Purger` for its kind. `sweep`, run hourly by the scheduled
`retention` function (and by `rtcc dev`), reads each due day's partition by key, asks the
purger to claim the record (is it still due?), audits `<kind>.purge_started`, has the
purger delete everything kept for it, and audits `<kind>.purged`. Nothing here scans a
table.

A crash anywhere is redone by the next run: the claim is found again (resumed: a second
`purge_started` marked `resumed`, so no run deletes anything before its entry is in, even
when the first run's append failed), deleting what is gone is a no-op, and `purged` is
written once the deletion finished. (A crash between the last delete and that entry leaves a
`purge_started` with no `purged`, for a record that is gone.) The sweeper's progress only
moves past a day once every item of it is settled, so an item that keeps failing is
retried every run and shows in the report, the logs and the Lambda errors alarm.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Protocol

from pynamodb.exceptions import DoesNotExist

from rtcc.audit import AuditEvent, AuditLog
from rtcc.store.retention import SWEEPER_STATE_DAY, SWEEPER_STATE_ITEM, RetentionRecord
from rtcc.topology import DECLARED

logger = logging.getLogger(__name__)

#: With no progress recorded (the first run), how far back to look for due days. The
#: first run writes the progress item, and every item is scheduled for tomorrow or later,
#: so only a lost progress item (a table restored from backup) needs this.
FIRST_RUN_LOOKBACK_DAYS = 31
#: Records handled per run: one run stays well inside the function's timeout; the rest
#: are picked up by the next hourly run.
DEFAULT_LIMIT = 200
ACTOR = "rtcc-retention"
ROLE = "system"


class Claim(Enum):
    NOT_DUE = "not_due"  # reopened, rescheduled or gone: drop the schedule item
    CLAIMED = "claimed"  # marked for deletion now
    RESUMED = "resumed"  # marked by an earlier run that did not finish


class Purger(Protocol):
    def claim(self, key: str, day: str) -> Claim:
        """Mark the record as being deleted, if it is still due on `day`; from then on
        the capability refuses changes to it."""
        ...

    def purge(self, key: str) -> None:
        """Delete everything kept for a claimed record. Must be safe to run twice."""
        ...


_PURGERS: dict[str, Callable[[], Purger]] = {}

#: Modules that register a purger when imported: each capability that keeps records under
#: a retention period declares them (`Capability.purger_modules`).
PURGER_MODULES: tuple[str, ...] = tuple(m for c in DECLARED for m in c.purger_modules)


def load_purgers() -> None:
    for module in PURGER_MODULES:
        importlib.import_module(module)


def register_purger(kind: str, factory: Callable[[], Purger]) -> None:
    """A capability's deleter for its `kind` of record (a factory, so importing the
    capability creates no AWS clients)."""
    _PURGERS[kind] = factory


def due_day(start: datetime, days: int, today: date | None = None) -> str:
    """The UTC day a record whose clock started at `start` is deleted: `days` later, and
    never earlier than tomorrow, so a day the sweeper has finished never gains items."""
    today = today or datetime.now(UTC).date()
    return max(start.astimezone(UTC).date() + timedelta(days=days), today + timedelta(days=1)).isoformat()


def schedule_entry(kind: str, key: str, day: str, rule: str) -> RetentionRecord:
    return RetentionRecord(
        day,
        f"{kind}#{key}",
        kind=kind,
        key=key,
        rule=rule,
        scheduled_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )


def unschedule_entry(kind: str, key: str, day: str) -> RetentionRecord:
    return RetentionRecord(day, f"{kind}#{key}")


@dataclass
class SweepReport:
    swept_through: str | None = None  # the last day fully processed
    purged: list[str] = field(default_factory=list)  # "tip#T-4F7K"
    dropped: list[str] = field(default_factory=list)  # no longer due (reopened, rescheduled)
    failed: list[str] = field(default_factory=list)  # kept; retried next run
    complete: bool = True  # False: the limit was reached before today was done

    def summary(self) -> dict[str, object]:
        return {
            "swept_through": self.swept_through,
            "purged": len(self.purged),
            "dropped": len(self.dropped),
            "failed": len(self.failed),
            "complete": self.complete,
        }


def sweep(
    today: date | None = None, *, limit: int = DEFAULT_LIMIT, audit: AuditLog | None = None
) -> SweepReport:
    today = today or datetime.now(UTC).date()
    audit = audit or AuditLog()
    report = SweepReport()
    state = _state()
    day = (
        date.fromisoformat(state.last_swept) + timedelta(days=1)
        if state.last_swept
        else today - timedelta(days=FIRST_RUN_LOOKBACK_DAYS)
    )
    settled_through = state.last_swept
    stuck = False  # a day with an item left over: progress stops before it
    handled = 0
    while day <= today and report.complete:
        for entry in RetentionRecord.query(day.isoformat()):
            if handled >= limit:
                report.complete = False
                break
            handled += 1
            if not _settle(entry, audit, report):
                stuck = True
        # Today is swept on every run but never recorded as done: a close that committed
        # just after midnight may still have scheduled an item for it.
        if report.complete and not stuck and day < today:
            settled_through = day.isoformat()
        day += timedelta(days=1)
    if settled_through and settled_through != state.last_swept:
        state.update(actions=[RetentionRecord.last_swept.set(settled_through)])
    report.swept_through = settled_through
    logger.info("retention.sweep %s", report.summary())
    return report


def _settle(entry: RetentionRecord, audit: AuditLog, report: SweepReport) -> bool:
    """Claim, audit, purge and unschedule one item; False when it failed and stays."""
    kind, key = entry.kind or "", entry.key or ""
    factory = _PURGERS.get(kind)
    if factory is None:
        logger.error("retention: no purger for kind %r (item kept)", kind)
        report.failed.append(entry.item)
        return False
    try:
        purger = factory()
        claim = purger.claim(key, entry.day)
        if claim is Claim.NOT_DUE:
            report.dropped.append(entry.item)
            entry.delete()
            return True
        detail = {"due": entry.day, "rule": entry.rule or ""}
        # Before any deletion, in every run that deletes: an earlier run may have claimed
        # the record and then failed to append this (contention, throttling), and a
        # deletion must never happen without its entry. A resumed run says so.
        resumed = {"resumed": "true"} if claim is Claim.RESUMED else {}
        audit.append(_event(f"{kind}.purge_started", key, {**detail, **resumed}))
        purger.purge(key)
        audit.append(_event(f"{kind}.purged", key, detail))
        report.purged.append(entry.item)
        entry.delete()
        return True
    except Exception:
        logger.exception("retention: deleting %s failed; retried next run", entry.item)
        report.failed.append(entry.item)
        return False


def _event(action: str, key: str, detail: dict[str, str]) -> AuditEvent:
    return AuditEvent(
        actor=ACTOR, role=ROLE, action=action, target=key, purpose="retention policy", detail=detail
    )


def _state() -> RetentionRecord:
    try:
        return RetentionRecord.get(SWEEPER_STATE_DAY, SWEEPER_STATE_ITEM)
    except DoesNotExist:
        state = RetentionRecord(SWEEPER_STATE_DAY, SWEEPER_STATE_ITEM)
        state.save()
        return state
