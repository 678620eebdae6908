"""Hash-chained, append-only audit log.

Every sensitive read and every write of a record about a person appends one entry.
Each entry stores the SHA-256 of the previous entry, and its own hash covers all of
its fields plus that link, so editing, inserting or deleting any stored entry breaks
verification at that point. `rtcc audit verify` and `AuditLog.verify()` recompute it.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from rtcc.store.audit import AuditEntryRecord

GENESIS_HASH = "0" * 64
DEFAULT_CHAIN = "main"
# How long an entry may go without its write-once copy (the archiver gets each entry
# within about a minute of its append; past this, a missing copy fails verification).
COPY_GRACE_S = 120.0
# How far ahead of this machine's clock an entry's `at` may be (clock skew between Lambda
# hosts is well under a second): an entry dated later was not written by `append`.
FUTURE_SKEW_S = 60.0
# The detail key an unreadable detail_json is read into (a NUL: no appender's key has one).
UNREADABLE_DETAIL = "\x00unreadable detail_json"

# Appends from threads of one process queue here instead of racing on the head;
# writers in other processes are kept linear by the conditional put and retry.
_APPEND_LOCK = threading.Lock()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AuditEvent:
    """What a capability tells the log: who did what to which record, and why."""

    actor: str
    role: str
    action: str
    target: str
    purpose: str | None = None
    case_number: str | None = None
    request_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    target: str
    purpose: str | None
    case_number: str | None
    request_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's fields (entry_hash itself excluded)."""
    body = {k: v for k, v in fields.items() if k != "entry_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CopyConflict(Exception):
    """The write-once copy holds two different versions of one entry."""

    def __init__(self, seq: int) -> None:
        super().__init__(f"the write-once copy holds two different versions of entry {seq}")
        self.seq = seq


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    head_seq: int = 0  # the newest entry verified: record it outside AWS to anchor the chain
    head_hash: str = GENESIS_HASH
    from_seq: int = 1  # the first entry this verification covered
    uncopied: int = 0  # newest entries still within the archiver's minute, not yet copied
    # The newest entry that was compared equal to its write-once copy (with a copy given):
    # the only head an anchor may vouch for, since an uncopied entry could still be rewritten.
    copied_seq: int = 0
    copied_hash: str = GENESIS_HASH


@dataclass(frozen=True)
class Anchor:
    """A head (seq, hash) written down earlier, outside the table: a public notice, a
    signed email, a printout. The chain alone cannot show that its tail was cut off or
    rewritten from some entry on; a recorded anchor that no longer matches does."""

    seq: int
    entry_hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        seq, _, digest = text.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise ValueError("an anchor is SEQ:SHA256 as printed by `rtcc audit verify`")
        return cls(int(seq), digest.lower())


class AuditLog:
    """Appends to and verifies one chain of the audit table."""

    def __init__(self, chain: str = DEFAULT_CHAIN, max_attempts: int = 30) -> None:
        self.chain = chain
        self.max_attempts = max_attempts

    def _head(self) -> AuditEntryRecord | None:
        # Newest entry: a base-table Query reading one item backwards.
        return next(iter(AuditEntryRecord.query(self.chain, scan_index_forward=False, limit=1)), None)

    def head(self) -> AuditEntry | None:
        """The newest entry, or None for an empty chain."""
        record = self._head()
        return _to_entry(record) if record is not None else None

    def append(self, event: AuditEvent) -> AuditEntry:
        with _APPEND_LOCK:
            return self._append(event)

    def _append(self, event: AuditEvent) -> AuditEntry:
        for attempt in range(self.max_attempts):
            head = self._head()
            seq = (int(head.seq) + 1) if head else 1
            fields: dict[str, Any] = {
                "seq": seq,
                "at": utc_now(),
                "actor": event.actor,
                "role": event.role,
                "action": event.action,
                "target": event.target,
                "purpose": event.purpose,
                "case_number": event.case_number,
                "request_id": event.request_id,
                "detail": dict(event.detail),
                "prev_hash": head.entry_hash if head else GENESIS_HASH,
            }
            fields["entry_hash"] = entry_hash(fields)
            record = AuditEntryRecord(self.chain, **{k: v for k, v in fields.items() if k != "detail"})
            record.detail_json = json.dumps(fields["detail"], sort_keys=True) if fields["detail"] else None
            try:
                # Never overwrite: two writers racing for the same seq, one wins, one retries.
                record.save(condition=AuditEntryRecord.seq.does_not_exist())
            except PutError as exc:
                if exc.cause_response_code == "ConditionalCheckFailedException":
                    # Another process took this seq: back off with jitter, then re-read the head.
                    time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
                    continue
                raise
            return AuditEntry(**fields)
        raise RuntimeError("audit log: could not append after repeated contention")

    def entries(
        self,
        *,
        after_seq: int = 0,
        before_seq: int | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[AuditEntry]:
        """Entries with after_seq < seq < before_seq, read straight off the key range."""
        if before_seq is None:
            condition = AuditEntryRecord.seq > after_seq
        elif before_seq - 1 < after_seq + 1:
            return  # an empty range (DynamoDB refuses a BETWEEN whose bounds cross)
        else:
            condition = AuditEntryRecord.seq.between(after_seq + 1, before_seq - 1)
        for record in AuditEntryRecord.query(
            self.chain, condition, scan_index_forward=not newest_first, limit=limit
        ):
            yield _to_entry(record)

    def verify(
        self,
        anchors: tuple[Anchor, ...] = (),
        *,
        copy: Iterable[AuditEntry] | None = None,
        start: Anchor | None = None,
    ) -> VerifyResult:
        """Verify the chain (from the entry `start` anchors, when given: one a verification
        already covered) and, with `copy`, compare it entry by entry with the write-once copy."""
        after = start.seq - 1 if start else 0
        # Up to the head as it is now: entries appended (and copied) meanwhile are left to
        # the next verification, so a copy ahead of what was read is never mistaken for
        # an entry cut from the chain.
        head = self._head()
        last = int(head.seq) if head is not None else 0
        entries = self.entries(after_seq=after, before_seq=last + 1)
        if copy is not None:
            copy = (entry for entry in copy if entry.seq <= last)
        return verify_entries(entries, anchors, copy=copy, start=start)


def verify_entries(
    entries: Iterable[AuditEntry],
    anchors: tuple[Anchor, ...] = (),
    *,
    copy: Iterable[AuditEntry] | None = None,
    start: Anchor | None = None,
    grace_s: float = COPY_GRACE_S,
) -> VerifyResult:
    """Check the chain `entries` (in seq order, from the entry `start` anchors) and, when `copy`
    is given, that every entry equals its write-once copy. No AWS call: both sides are
    iterators, so a million entries stream through in constant memory."""
    state = _ChainState(start, anchors)
    matcher = _CopyMatcher(copy, grace_s) if copy is not None else None
    for entry in entries:
        reason = state.check(entry)
        if reason:
            return state.broken(state.expected_seq if reason.endswith("missing") else entry.seq, reason)
        reason = matcher.check(entry) if matcher else None
        if matcher and matcher.conflict:  # before any reason it caused (a copy cut short)
            return state.broken(matcher.conflict.seq, str(matcher.conflict))
        if reason:
            state.checked -= 1  # its links held, but the entry itself is not verified
            return state.broken(entry.seq, reason)
    if matcher and matcher.conflict:
        return state.broken(matcher.conflict.seq, str(matcher.conflict))
    if matcher and (extra := matcher.extra()) is not None:
        return state.broken(extra, f"entry {extra} is in the write-once copy but missing from the chain")
    if state.pending:
        missing = min(state.pending)
        return state.broken(missing, f"anchored entry {missing} is no longer in the chain")
    return VerifyResult(
        True,
        state.checked,
        head_seq=state.expected_seq - 1,
        head_hash=state.prev or GENESIS_HASH,
        from_seq=state.first_seq,
        uncopied=matcher.uncopied if matcher else 0,
        copied_seq=matcher.copied_seq if matcher else state.expected_seq - 1,
        copied_hash=matcher.copied_hash if matcher else state.prev or GENESIS_HASH,
    )


class _ChainState:
    """The links and anchors half of verification."""

    def __init__(self, start: Anchor | None, anchors: tuple[Anchor, ...]) -> None:
        # From an anchor, its entry must still carry the anchored hash; the link before it
        # was checked by the verification that trusted the anchor.
        self.prev: str | None = None if start else GENESIS_HASH
        self.first_seq = start.seq if start else 1
        self.expected_seq = self.first_seq
        self.checked = 0
        self._future = _iso(datetime.now(UTC) + timedelta(seconds=FUTURE_SKEW_S))
        # Several anchors may name one seq (one of them forged): every one must match.
        # Anchors below `start` were covered by the verification that trusted it.
        self.pending: dict[int, list[Anchor]] = {}
        for anchor in (*anchors, *((start,) if start else ())):
            if anchor.seq >= self.first_seq:
                self.pending.setdefault(anchor.seq, []).append(anchor)

    def check(self, entry: AuditEntry) -> str | None:
        if entry.seq != self.expected_seq:
            return f"entry {self.expected_seq} is missing"
        if entry.at > self._future:
            # `append` dates entries with its clock: a later date was written by someone else
            # (and would otherwise pass as "just appended, not copied yet" for ever).
            return f"entry {entry.seq} is dated in the future ({entry.at})"
        if UNREADABLE_DETAIL in entry.detail:
            return f"entry {entry.seq} has a detail that is not a JSON object"
        if self.prev is not None and entry.prev_hash != self.prev:
            return "link to the previous entry does not match"
        # vars(), not as_dict(): the same fields without asdict's deep copy (a third of the cost).
        if entry_hash(vars(entry)) != entry.entry_hash:
            return "entry contents do not match its hash"
        if any(a.entry_hash != entry.entry_hash for a in self.pending.pop(entry.seq, ())):
            return "entry differs from the recorded anchor"
        self.prev = entry.entry_hash
        self.expected_seq += 1
        self.checked += 1
        return None

    def broken(self, seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, self.checked, seq, reason, from_seq=self.first_seq)


class _CopyMatcher:
    """The write-once half: walks the copy alongside the chain. Only the newest entries,
    after the newest one that has a copy and dated within the last `grace_s`, may lack a
    copy (the archiver runs within a minute, in order); any other entry without its copy,
    differing from it, or dated in the future fails. The entry's own `at` is written by
    whoever wrote the item, so it alone never excuses a missing copy."""

    def __init__(self, copy: Iterable[AuditEntry], grace_s: float) -> None:
        self._copy = iter(copy)
        self._next: AuditEntry | None = None
        now = datetime.now(UTC)
        self._cutoff = _iso(now - timedelta(seconds=grace_s))
        self.uncopied = 0
        self.copied_seq, self.copied_hash = 0, GENESIS_HASH
        self.conflict: CopyConflict | None = None
        self._advance()

    def _advance(self) -> None:
        try:
            self._next = next(self._copy, None)
        except CopyConflict as conflict:
            # Which version is the original cannot be told here: fail, naming the entry.
            self.conflict, self._next = conflict, None

    def check(self, entry: AuditEntry) -> str | None:
        while self._next is not None and self._next.seq < entry.seq:
            self._advance()  # copies of entries before the verified range
        if self._next is None or self._next.seq != entry.seq:
            # Not copied yet only if no later entry has a copy (the archiver copies in
            # order) and it was appended within the grace.
            if self._next is None and entry.at >= self._cutoff:
                self.uncopied += 1  # just appended: the archiver has not run yet
                return None
            return f"entry {entry.seq} has no write-once copy"
        copied, self._next = self._next, None
        self._advance()
        if copied != entry:
            return f"entry {entry.seq} differs from its write-once copy"
        self.copied_seq, self.copied_hash = entry.seq, entry.entry_hash
        return None

    def extra(self) -> int | None:
        """The first copied entry past the chain's head (the chain was cut short)."""
        return self._next.seq if self._next is not None else None


def _detail(detail_json: str | None) -> dict[str, Any]:
    """An entry's detail; one that is not a JSON object (append never writes that) is kept
    as text under UNREADABLE_DETAIL, which verification names instead of crashing."""
    try:
        detail = json.loads(detail_json) if detail_json else {}
    except ValueError:
        return {UNREADABLE_DETAIL: detail_json}
    return detail if isinstance(detail, dict) else {UNREADABLE_DETAIL: detail_json}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _to_entry(record: AuditEntryRecord) -> AuditEntry:
    return AuditEntry(
        seq=int(record.seq),
        at=record.at,
        actor=record.actor,
        role=record.role,
        action=record.action,
        target=record.target,
        purpose=record.purpose,
        case_number=record.case_number,
        request_id=record.request_id,
        detail=_detail(record.detail_json),
        prev_hash=record.prev_hash,
        entry_hash=record.entry_hash,
    )
