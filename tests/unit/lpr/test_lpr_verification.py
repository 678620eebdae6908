"""rtcc.lpr.verification: accept or reject-with-reason once; a change is an attributed
revision with a note; concurrent decisions cannot both win; rates per list and reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.lpr.model import Hit, HotlistEntry, MatchKind, Read, RejectReason
from rtcc.lpr.verification import (
    Decision,
    DecisionConflict,
    DecisionRefused,
    HitRef,
    MemoryDecisionStore,
    Verdict,
    Verification,
    hit_ref,
    rates,
    verify,
)

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
REF = HitRef("s1/r1/stolen/e1", "stolen", "cam-1")
ACCEPT = Decision(Verdict.ACCEPTED, by="ofc.kim", at=AT)
REJECT = Decision(Verdict.REJECTED, by="ofc.kim", at=AT, reason=RejectReason.MISREAD)


def _refused(verification: Verification, decision: Decision, field: str) -> None:
    with pytest.raises(DecisionRefused) as caught:
        verification.decide(decision)
    assert caught.value.field == field, caught.value


def test_hit_ref_names_the_read_the_entry_the_list_and_the_reader() -> None:
    read = Read(source_id="s1", read_id="r1", plate="ABC123", seen_at=AT, camera_id="cam-1")
    entry = HotlistEntry(list_id="stolen", entry_id="e1", plate="ABC123")
    assert hit_ref(Hit(read, entry, MatchKind.EXACT, "ABC123", None)) == REF


def test_a_rejection_needs_a_reason_and_an_acceptance_takes_none() -> None:
    pending = Verification(REF)
    assert pending.current is None
    _refused(pending, Decision(Verdict.REJECTED, by="ofc.kim", at=AT), "reason")
    _refused(pending, Decision(Verdict.REJECTED, by="ofc.kim", at=AT, reason="blurry"), "reason")  # type: ignore[arg-type]
    _refused(pending, Decision(Verdict.ACCEPTED, by="ofc.kim", at=AT, reason=RejectReason.MISREAD), "reason")
    _refused(pending, Decision(Verdict.ACCEPTED, by="", at=AT), "by")
    _refused(pending, Decision(Verdict.ACCEPTED, by="ofc.kim", at=datetime(2026, 11, 20)), "at")
    _refused(pending, Decision(Verdict.ACCEPTED, by="ofc.kim", at=AT, note="x", revises=True), "revises")
    assert pending.decide(REJECT).current == REJECT


def test_a_decided_hit_changes_only_by_an_attributed_revision_with_a_note() -> None:
    rejected = Verification(REF).decide(REJECT)
    _refused(rejected, ACCEPT, "verdict")  # a second plain decision: once
    later = AT + timedelta(minutes=5)
    revision = Decision(Verdict.ACCEPTED, by="sgt.ortiz", at=later, revises=True)
    _refused(rejected, revision, "note")
    _refused(
        rejected,
        Decision(
            Verdict.REJECTED, by="sgt.ortiz", at=later, reason=RejectReason.MISREAD, note="same", revises=True
        ),
        "verdict",
    )
    _refused(
        rejected,
        Decision(Verdict.ACCEPTED, by="sgt.ortiz", at=AT - timedelta(1), note="n", revises=True),
        "at",
    )
    accepted = rejected.decide(
        Decision(Verdict.ACCEPTED, by="sgt.ortiz", at=later, note="plate confirmed on video", revises=True)
    )
    assert [d.verdict for d in accepted.decisions] == [Verdict.REJECTED, Verdict.ACCEPTED]  # history kept
    assert accepted.current and accepted.current.by == "sgt.ortiz"


def test_two_officers_deciding_at_once_cannot_both_win() -> None:
    store = MemoryDecisionStore()
    seen_by_second = store.get(REF.hit_id) or Verification(REF)  # read before the first writes
    verify(store, REF, ACCEPT)
    with pytest.raises(DecisionConflict):
        store.put(seen_by_second.decide(REJECT), expected=len(seen_by_second.decisions))
    with pytest.raises(DecisionRefused, match="already accepted"):
        verify(store, REF, REJECT)
    assert store.get(REF.hit_id) == Verification(REF, (ACCEPT,))


def test_rates_per_list_and_reader_count_each_hit_as_it_now_stands() -> None:
    hits = [
        Verification(HitRef("h1", "stolen", "cam-1")).decide(ACCEPT),
        Verification(HitRef("h2", "stolen", "cam-1")).decide(REJECT),
        Verification(HitRef("h3", "stolen", "cam-2")).decide(
            Decision(Verdict.REJECTED, by="a", at=AT, reason=RejectReason.STATE_MISMATCH)
        ),
        Verification(HitRef("h4", "amber", None))
        .decide(REJECT)
        .decide(Decision(Verdict.ACCEPTED, by="b", at=AT, note="confirmed", revises=True)),
        Verification(HitRef("h5", "amber", "cam-2")),  # undecided: counts nowhere
    ]
    out = rates(hits)
    stolen, amber = out.by_list["stolen"], out.by_list["amber"]
    assert (stolen.accepted, stolen.rejected, dict(stolen.reasons)) == (
        1,
        2,
        {"misread": 1, "state-mismatch": 1},
    )
    assert stolen.acceptance == pytest.approx(1 / 3) and stolen.rejection == pytest.approx(2 / 3)
    assert (amber.accepted, amber.rejected) == (1, 0)
    assert (out.by_reader["cam-1"].accepted, out.by_reader["cam-1"].rejected) == (1, 1)
    assert out.by_reader["unknown"].accepted == 1 and "cam-2" in out.by_reader
    assert rates([hits[-1]]).by_list == {}
