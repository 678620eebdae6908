"""An officer's verdict on a stored hit, as the console sends it: accept (optionally with the
case number that will hold it) or reject with a reason, naming the revision it saw.

The rules are rtcc.lpr.verification's (the first decision settles a hit; a change is a new
decision marked `revises` with a note); this module maps the route's fields onto them, checks
the revision the officer saw (a stale one is a 409: someone decided meanwhile) and keeps the
counts in step: a first verdict counts once, a revision moves its count.

Accepting with a case number attaches the hit to the case: the store removes its TTL, so it
is kept with the case instead of expiring with the read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from rtcc.lpr.model import RejectReason
from rtcc.lpr.verification import Decision, DecisionConflict, DecisionRefused, HitRef, Verdict, Verification

HIT_ID = re.compile(r"^H(\d{4})(\d{2})(\d{2})T\d{9}Z-[0-9a-f]{8}$")
_CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")
_VERDICTS = {"accept": Verdict.ACCEPTED, "reject": Verdict.REJECTED}
MAX_NOTE = 500


def day_of(hit_id: str) -> str | None:
    """The UTC day a hit id was raised on (its partition), or None for what is not a hit id."""
    match = HIT_ID.match(hit_id)
    return None if match is None else "-".join(match.groups())


@dataclass(frozen=True)
class StoredHit:
    day: str
    hit_id: str
    document: dict[str, Any]  # rtcc.lpr.hit_record.hit_document
    reads: int
    last_seen_at: str
    decisions: tuple[Decision, ...]
    revision: int
    case_number: str | None

    def verification(self) -> Verification:
        doc = self.document
        return Verification(HitRef(self.hit_id, doc["list_id"], doc.get("camera_id")), self.decisions)


class ReviewStore(Protocol):
    def get(self, day: str, hit_id: str) -> StoredHit | None: ...

    def decide(self, hit: StoredHit, decisions: tuple[Decision, ...], case_number: str | None) -> StoredHit:
        """Write the decisions (and the case, its TTL removed; None releases a hit a case held
        to its read's retention) only if the stored revision is still `hit.revision`, else
        DecisionConflict."""
        ...


class ReviewCounts(Protocol):
    def decision(self, at: datetime, accepted: bool, list_id: str, reader_id: str | None) -> None: ...

    def rate(self, list_id: str, reader_id: str | None, verdict: str, n: int) -> None: ...


@dataclass(frozen=True)
class VerdictRequest:
    verdict: str
    revision: int
    reason: str | None = None
    note: str = ""
    case_number: str | None = None


def _decision(request: VerdictRequest, by: str, now: datetime, revises: bool) -> Decision:
    verdict = _VERDICTS.get(request.verdict)
    if verdict is None:
        raise DecisionRefused("verdict", "accept or reject")
    reason = None
    if request.reason is not None:
        try:
            reason = RejectReason(request.reason)
        except ValueError:
            reasons = ", ".join(r.value for r in RejectReason)
            raise DecisionRefused("reason", f"one of {reasons}") from None
    if len(request.note) > MAX_NOTE:
        raise DecisionRefused("note", f"at most {MAX_NOTE} characters")
    if request.case_number is not None:
        if verdict is not Verdict.ACCEPTED:
            raise DecisionRefused("case_number", "only an accepted hit is attached to a case")
        if not _CASE_NUMBER.fullmatch(request.case_number):
            raise DecisionRefused("case_number", "letters, digits and . _ / - (at most 40)")
    return Decision(verdict, by, now, reason, request.note, revises)


def review(
    store: ReviewStore, counts: ReviewCounts, hit_id: str, request: VerdictRequest, by: str, now: datetime
) -> StoredHit:
    """Record the verdict; LookupError when there is no such (live) hit, DecisionConflict
    (a DecisionRefused) for a stale revision, DecisionRefused naming the field otherwise."""
    day = day_of(hit_id)
    hit = store.get(day, hit_id) if day else None
    if hit is None:
        raise LookupError(hit_id)
    if request.revision != hit.revision:
        raise DecisionConflict("revision", "the hit was decided meanwhile: reload it")
    before = hit.verification()
    after = before.decide(_decision(request, by, now.astimezone(UTC), revises=bool(hit.decisions)))
    case_number = request.case_number or hit.case_number
    if after.current is not None and after.current.verdict is not Verdict.ACCEPTED:
        # Revised to rejected (a misread, another car): no case holds it any more, so it goes
        # with its read instead of keeping a stranger's plate and place for good.
        case_number = None
    saved = store.decide(hit, after.decisions, case_number)
    _count(counts, hit, before.current, after.current)
    return saved


def _count(counts: ReviewCounts, hit: StoredHit, old: Decision | None, new: Decision | None) -> None:
    if new is None:
        return
    list_id, reader = hit.document["list_id"], hit.document.get("camera_id")
    if old is None:
        counts.decision(new.at, new.verdict is Verdict.ACCEPTED, list_id, reader)
    elif old.verdict is not new.verdict:
        counts.rate(list_id, reader, str(old.verdict), -1)
        counts.rate(list_id, reader, str(new.verdict), 1)


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    return {
        "verdict": str(decision.verdict),
        "by": decision.by,
        "at": decision.at.isoformat(),
        "reason": None if decision.reason is None else str(decision.reason),
        "note": decision.note,
        "revises": decision.revises,
    }


def decision_from_dict(item: dict[str, Any]) -> Decision:
    reason = item.get("reason")
    return Decision(
        Verdict(item["verdict"]),
        item["by"],
        datetime.fromisoformat(item["at"]),
        None if reason is None else RejectReason(reason),
        item.get("note", ""),
        bool(item.get("revises")),
    )


def hit_view(hit: StoredHit) -> dict[str, Any]:
    """The contract's hit: the document, its reads, the current verification, the revision."""
    current = hit.decisions[-1] if hit.decisions else None
    verification = None
    if current is not None:
        verification = {
            "verdict": str(current.verdict),
            "reason": None if current.reason is None else str(current.reason),
            "note": current.note,
            "by": current.by,
            "at": current.at.isoformat(),
        }
    return {
        **hit.document,
        "reads": hit.reads,
        "last_seen_at": hit.last_seen_at,
        "verification": verification,
        "decisions": len(hit.decisions),
        "revision": hit.revision,
        "case_number": hit.case_number,
    }
