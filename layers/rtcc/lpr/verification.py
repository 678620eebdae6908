"""An officer's verification of a hit: accept, or reject with a reason; once.

A hit's decisions are an append-only history. The first decision settles it; changing it
(a rejected hit turned out right, an accepted one was a misread) is a new decision entry
marked `revises`, with a note saying why, by whoever makes it, so the record shows both and
who changed what. A store write names the history length it read (optimistic concurrency):
two officers deciding the same hit at once cannot both win.

`rates` answers acceptance and rejection per list and per reader from the current decision
of each hit: a list or a reader with many rejections is a bad list or a dirty lens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from rtcc.lpr.model import Hit, RejectReason


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class DecisionRefused(ValueError):
    """A decision that cannot be recorded: `field` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


@dataclass(frozen=True)
class HitRef:
    hit_id: str
    list_id: str
    reader_id: str | None


def hit_ref(hit: Hit) -> HitRef:
    """A hit's identity: one read against one entry (folded repeats share the first's)."""
    read, entry = hit.read, hit.entry
    return HitRef(
        f"{read.source_id}/{read.read_id}/{entry.list_id}/{entry.entry_id}", entry.list_id, read.camera_id
    )


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    by: str
    at: datetime
    reason: RejectReason | None = None  # required to reject, refused to accept
    note: str = ""
    revises: bool = False  # replaces the current decision: needs a note


@dataclass(frozen=True)
class Verification:
    ref: HitRef
    decisions: tuple[Decision, ...] = ()

    @property
    def current(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    def decide(self, decision: Decision) -> Verification:
        """This verification with the decision appended, or DecisionRefused."""
        _check_shape(decision)
        current = self.current
        if current is None and decision.revises:
            raise DecisionRefused("revises", "nothing to revise: the hit has no decision yet")
        if current is not None:
            _check_revision(current, decision)
        return replace(self, decisions=(*self.decisions, decision))


def _check_shape(decision: Decision) -> None:
    if not isinstance(decision.by, str) or not decision.by.strip():
        raise DecisionRefused("by", "required: every decision is attributed")
    if decision.at.utcoffset() is None:
        raise DecisionRefused("at", "a timezone-aware time is required")
    if decision.verdict is Verdict.REJECTED and not isinstance(decision.reason, RejectReason):
        reasons = ", ".join(r.value for r in RejectReason)
        raise DecisionRefused("reason", f"a rejection needs a reason: {reasons}")
    if decision.verdict is Verdict.ACCEPTED and decision.reason is not None:
        raise DecisionRefused("reason", "an acceptance takes no reject reason")


def _check_revision(current: Decision, decision: Decision) -> None:
    if not decision.revises:
        raise DecisionRefused(
            "verdict",
            f"already {current.verdict} by {current.by}: a change is a new decision marked"
            " revises, with a note",
        )
    if not decision.note.strip():
        raise DecisionRefused("note", "a revision says why the earlier decision was wrong")
    if (decision.verdict, decision.reason) == (current.verdict, current.reason):
        raise DecisionRefused("verdict", f"already {current.verdict} for that reason: nothing changes")
    if decision.at < current.at:
        raise DecisionRefused("at", "before the decision it revises")


class DecisionConflict(DecisionRefused):
    """Someone else decided the hit between our read and our write."""


class DecisionStore(Protocol):
    def get(self, hit_id: str) -> Verification | None: ...

    def put(self, verification: Verification, expected: int) -> None:
        """Store it only if the stored history still has `expected` decisions, else
        DecisionConflict (a DynamoDB adapter: a condition on the history's length)."""
        ...


class MemoryDecisionStore:
    def __init__(self) -> None:
        self.items: dict[str, Verification] = {}

    def get(self, hit_id: str) -> Verification | None:
        return self.items.get(hit_id)

    def put(self, verification: Verification, expected: int) -> None:
        stored = self.items.get(verification.ref.hit_id)
        if (len(stored.decisions) if stored else 0) != expected:
            raise DecisionConflict("hit", "decided by someone else meanwhile: reload it")
        self.items[verification.ref.hit_id] = verification


def verify(store: DecisionStore, ref: HitRef, decision: Decision) -> Verification:
    """Record an officer's decision on a hit (the route's one call)."""
    before = store.get(ref.hit_id) or Verification(ref)
    after = before.decide(decision)
    store.put(after, expected=len(before.decisions))
    return after


@dataclass
class Rate:
    accepted: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def acceptance(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None

    @property
    def rejection(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.rejected / decided if decided else None


@dataclass
class Rates:
    by_list: dict[str, Rate] = field(default_factory=dict)
    by_reader: dict[str, Rate] = field(default_factory=dict)


def rates(verifications: Iterable[Verification]) -> Rates:
    """Per list and per reader, counting each hit's current decision once (an undecided
    hit counts nowhere; a revised one counts as it now stands)."""
    out = Rates()
    for verification in verifications:
        current = verification.current
        if current is None:
            continue
        reader = verification.ref.reader_id or "unknown"
        for rate in (
            out.by_list.setdefault(verification.ref.list_id, Rate()),
            out.by_reader.setdefault(reader, Rate()),
        ):
            if current.verdict is Verdict.ACCEPTED:
                rate.accepted += 1
            else:
                rate.rejected += 1
                rate.reasons[str(current.reason)] += 1
    return out
