"""The retention sweep: due items are claimed, audited and purged by their capability's
purger; what is no longer due is dropped; failures stay and hold progress back."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from rtcc import retention
from rtcc.audit import AuditLog
from rtcc.retention import Claim, due_day, register_purger, schedule_entry, sweep
from rtcc.store.retention import SWEEPER_STATE_DAY, SWEEPER_STATE_ITEM, RetentionRecord

TODAY = date(2031, 3, 10)


class FakePurger:
    """Records stand in a dict: key -> due day. A key in `broken` fails to purge."""

    def __init__(self) -> None:
        self.records: dict[str, str] = {}
        self.claimed: set[str] = set()
        self.purged: list[str] = []
        self.broken: set[str] = set()

    def claim(self, key: str, day: str) -> Claim:
        if self.records.get(key) != day:
            return Claim.NOT_DUE
        if key in self.claimed:
            return Claim.RESUMED
        self.claimed.add(key)
        return Claim.CLAIMED

    def purge(self, key: str) -> None:
        if key in self.broken:
            raise ConnectionError("storage unreachable")
        self.records.pop(key, None)
        self.purged.append(key)


@pytest.fixture()
def world(moto_endpoint: str):
    for item in RetentionRecord.scan():
        item.delete()
    fake = FakePurger()
    kind = f"fake{uuid.uuid4().hex[:6]}"
    register_purger(kind, lambda: fake)
    log = AuditLog(chain=f"retention-{uuid.uuid4().hex[:8]}")
    yield kind, fake, log
    retention._PURGERS.pop(kind, None)


def _schedule(kind: str, fake: FakePurger, key: str, day: date) -> None:
    fake.records[key] = day.isoformat()
    schedule_entry(kind, key, day.isoformat(), "test rule, 1 day").save()


def _progress() -> str | None:
    return RetentionRecord.get(SWEEPER_STATE_DAY, SWEEPER_STATE_ITEM).last_swept


def _start_at(day: date) -> None:
    RetentionRecord(SWEEPER_STATE_DAY, SWEEPER_STATE_ITEM, last_swept=day.isoformat()).save()


def test_a_due_day_is_the_period_later_and_never_before_tomorrow() -> None:
    closed = datetime(2031, 1, 1, 23, 30, tzinfo=UTC)
    assert due_day(closed, 30, today=date(2031, 1, 2)) == "2031-01-31"
    # Closed long ago under a short period (or linked to a case late): tomorrow, not the past.
    assert due_day(closed, 1, today=date(2031, 6, 1)) == "2031-06-02"


def test_due_items_are_purged_audited_and_unscheduled(world) -> None:
    kind, fake, log = world
    _start_at(TODAY - timedelta(days=5))
    _schedule(kind, fake, "a", TODAY - timedelta(days=2))
    _schedule(kind, fake, "b", TODAY)
    _schedule(kind, fake, "later", TODAY + timedelta(days=1))
    report = sweep(TODAY, audit=log)
    assert sorted(fake.purged) == ["a", "b"]
    assert fake.records == {"later": (TODAY + timedelta(days=1)).isoformat()}
    entries = list(log.entries())
    assert [(e.action, e.target) for e in entries if e.target == "a"] == [
        (f"{kind}.purge_started", "a"),
        (f"{kind}.purged", "a"),
    ]
    assert sorted(e.target for e in entries if e.action == f"{kind}.purged") == ["a", "b"]
    assert {e.actor for e in entries} == {retention.ACTOR}
    assert all(e.detail["rule"] == "test rule, 1 day" for e in entries)
    # Only the item not yet due is left; progress stops before today (it may still gain items).
    assert [r.key for r in RetentionRecord.scan() if r.kind == kind] == ["later"]
    assert report.swept_through == _progress() == (TODAY - timedelta(days=1)).isoformat()
    assert report.complete and not report.failed


def test_an_item_no_longer_due_is_dropped_without_an_audit_entry(world) -> None:
    kind, fake, log = world
    _start_at(TODAY - timedelta(days=1))
    _schedule(kind, fake, "reopened", TODAY)
    fake.records["reopened"] = (TODAY + timedelta(days=30)).isoformat()  # rescheduled since
    report = sweep(TODAY, audit=log)
    assert report.dropped == [f"{kind}#reopened"] and fake.purged == []
    assert list(log.entries()) == []
    assert [r for r in RetentionRecord.scan() if r.kind == kind] == []


def test_a_failure_is_kept_retried_and_holds_progress_back(world) -> None:
    kind, fake, log = world
    start = TODAY - timedelta(days=4)
    _start_at(start)
    _schedule(kind, fake, "stuck", TODAY - timedelta(days=3))
    _schedule(kind, fake, "fine", TODAY - timedelta(days=1))
    fake.broken.add("stuck")
    report = sweep(TODAY, audit=log)
    assert report.failed == [f"{kind}#stuck"] and fake.purged == ["fine"]  # later days still go
    assert _progress() == (TODAY - timedelta(days=4)).isoformat()  # not past the stuck day
    fake.broken.clear()
    report = sweep(TODAY, audit=log)
    assert report.purged == [f"{kind}#stuck"] and not report.failed
    assert _progress() == (TODAY - timedelta(days=1)).isoformat()
    # The failed run claimed and said so; the redo says it resumes before deleting anything.
    assert [(e.action, e.detail.get("resumed")) for e in log.entries() if e.target == "stuck"] == [
        (f"{kind}.purge_started", None),
        (f"{kind}.purge_started", "true"),
        (f"{kind}.purged", None),
    ]


def test_a_run_stops_at_its_limit_and_the_next_run_goes_on(world) -> None:
    kind, fake, log = world
    _start_at(TODAY - timedelta(days=3))
    for n in range(5):
        _schedule(kind, fake, f"k{n}", TODAY - timedelta(days=2))
    first = sweep(TODAY, limit=3, audit=log)
    assert len(first.purged) == 3 and not first.complete
    assert _progress() == (TODAY - timedelta(days=3)).isoformat()
    second = sweep(TODAY, limit=3, audit=log)
    assert len(second.purged) == 2 and second.complete
    assert sorted(fake.purged) == [f"k{n}" for n in range(5)]


def test_a_kind_nobody_registered_is_kept_and_reported(world) -> None:
    _, _, log = world
    _start_at(TODAY - timedelta(days=1))
    schedule_entry("nobody", "x", TODAY.isoformat(), "rule").save()
    report = sweep(TODAY, audit=log)
    assert report.failed == ["nobody#x"]
    assert RetentionRecord.get(TODAY.isoformat(), "nobody#x")


def test_the_first_run_looks_back_for_days_due_before_it(world) -> None:
    kind, fake, log = world
    _schedule(kind, fake, "old", TODAY - timedelta(days=retention.FIRST_RUN_LOOKBACK_DAYS))
    sweep(TODAY, audit=log)
    assert fake.purged == ["old"]


class FlakyAuditLog(AuditLog):
    """An audit log whose appends fail (after their retries) while `down` is set."""

    down = False

    def append(self, event):  # noqa: ANN001, ANN201
        if self.down:
            raise RuntimeError("audit log: could not append after repeated contention")
        return super().append(event)


def test_nothing_is_deleted_before_its_entry_when_the_claiming_run_could_not_append(world) -> None:
    kind, fake, _ = world
    log = FlakyAuditLog(chain=f"retention-{uuid.uuid4().hex[:8]}")
    _start_at(TODAY - timedelta(days=1))
    _schedule(kind, fake, "a", TODAY)
    log.down = True
    report = sweep(TODAY, audit=log)
    assert report.failed == [f"{kind}#a"] and fake.purged == []  # claimed, then the append failed
    log.down = False
    report = sweep(TODAY, audit=log)
    assert fake.purged == ["a"]
    actions = [(e.action, e.detail.get("resumed")) for e in log.entries() if e.target == "a"]
    assert actions == [(f"{kind}.purge_started", "true"), (f"{kind}.purged", None)]
