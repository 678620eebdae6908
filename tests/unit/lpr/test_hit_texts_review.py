"""Hit texts (no plate, claimed once, a transient failure gives the claim back) and verdicts
on stored hits (fields refused by name, stale revisions, counts moved on revision), with
in-memory stores."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.lpr.hit_review import StoredHit, VerdictRequest, day_of, review
from rtcc.lpr.hit_texts import HitText, send_hit_text, text_of
from rtcc.lpr.verification import DecisionConflict, DecisionRefused

NOW = datetime(2026, 12, 2, 3, 15, tzinfo=UTC)
HIT = {
    "hit_id": "H20261202T031500123Z-0a1b2c3d", "list_id": "stolen", "list_name": "Stolen vehicles",
    "plate": "8RC1234", "candidate": "8RC1234", "camera_id": "cam-1", "reader_name": "Main St",
    "seen_at": "2026-12-02T03:15:00.123000+00:00", "entry": {"reason": "stolen", "case_number": "24-9"},
}  # fmt: skip


class Texts:
    def __init__(self) -> None:
        self.claimed: set[str] = set()

    def hit(self, day: str, hit_id: str) -> dict[str, Any] | None:
        return HIT if hit_id == HIT["hit_id"] else None

    def claim(self, day: str, hit_id: str, now: datetime) -> bool:
        if hit_id in self.claimed:
            return False
        self.claimed.add(hit_id)
        return True

    def sent(self, day: str, hit_id: str, now: datetime) -> None:
        pass  # the claim stays: texted

    def release(self, day: str, hit_id: str) -> None:
        self.claimed.discard(hit_id)


class Phone:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.error = error

    def send(self, to: str, from_: str, body: str) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append((to, body))
        return "SM1"


class Status(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def test_the_text_names_list_reader_and_link_never_the_plate() -> None:
    body = text_of(HIT, "https://rtcc.city.example/")
    assert body == (
        "RTCC plate hit: Stolen vehicles list, reader Main St, 03:15 UTC. "
        "Open: https://rtcc.city.example/#/lpr/hits/H20261202T031500123Z-0a1b2c3d"
    )
    assert "8RC1234" not in body and "24-9" not in body


def test_texts_go_once_and_a_transient_failure_is_retried() -> None:
    message, to = (
        HitText.from_message(json.dumps({"day": "2026-12-02", "hit_id": HIT["hit_id"]})),
        ("+1", "+2"),
    )
    store, phone = Texts(), Phone()
    assert send_hit_text(message, store, phone, to, "+3", "https://x", NOW) == "sent"
    assert [n for n, _ in phone.sent] == ["+1", "+2"]
    assert send_hit_text(message, store, phone, to, "+3", "https://x", NOW) == "already"
    store = Texts()
    with pytest.raises(RuntimeError):
        send_hit_text(message, store, Phone(Status(503)), to, "+3", "https://x", NOW)
    assert store.claimed == set()  # given back: the retry texts
    assert send_hit_text(message, store, Phone(Status(400)), to, "+3", "https://x", NOW) == "refused"
    assert send_hit_text(message, Texts(), phone, (), "+3", "https://x", NOW) == "no-recipients"
    gone = HitText("2026-12-02", "H20261202T031500123Z-ffffffff")
    assert send_hit_text(gone, Texts(), phone, to, "+3", "https://x", NOW) == "gone"
    with pytest.raises(ValueError):
        HitText.from_message('{"plate": "8RC1234"}')


class Reviews:
    def __init__(self, hit: StoredHit) -> None:
        self.hit = hit

    def get(self, day: str, hit_id: str) -> StoredHit | None:
        return self.hit if hit_id == self.hit.hit_id and day == self.hit.day else None

    def decide(self, hit: StoredHit, decisions: tuple, case_number: str | None) -> StoredHit:
        if hit.revision != self.hit.revision:
            raise DecisionConflict("revision", "stale")
        self.hit = replace(hit, decisions=decisions, revision=hit.revision + 1, case_number=case_number)
        return self.hit


class Counts:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def decision(self, at: datetime, accepted: bool, list_id: str, reader_id: str | None) -> None:
        self.calls.append(("decision", accepted, list_id, reader_id))

    def rate(self, list_id: str, reader_id: str | None, verdict: str, n: int) -> None:
        self.calls.append(("rate", verdict, n))


def stored() -> StoredHit:
    return StoredHit("2026-12-02", HIT["hit_id"], HIT, 1, "", (), 0, None)


def test_verdicts_refuse_by_field_and_count() -> None:
    assert day_of(HIT["hit_id"]) == "2026-12-02" and day_of("nope") is None
    store, counts = Reviews(stored()), Counts()
    for request, field in (
        (VerdictRequest("maybe", 0), "verdict"),
        (VerdictRequest("reject", 0), "reason"),
        (VerdictRequest("reject", 0, "blurry"), "reason"),
        (VerdictRequest("reject", 0, "misread", case_number="24-1"), "case_number"),
        (VerdictRequest("accept", 0, case_number="no spaces allowed"), "case_number"),
        (VerdictRequest("accept", 3), "revision"),
    ):
        with pytest.raises(DecisionRefused) as refused:
            review(store, counts, HIT["hit_id"], request, "officer1", NOW)
        assert refused.value.field == field
    assert counts.calls == [] and store.hit.revision == 0
    with pytest.raises(LookupError):
        review(store, counts, "H20261203T031500123Z-0a1b2c3d", VerdictRequest("accept", 0), "o", NOW)
    hit = review(store, counts, HIT["hit_id"], VerdictRequest("reject", 0, "misread"), "officer1", NOW)
    assert hit.revision == 1 and counts.calls == [("decision", False, "stolen", "cam-1")]
    with pytest.raises(DecisionRefused) as refused:  # a change needs a note
        review(store, counts, HIT["hit_id"], VerdictRequest("accept", 1), "officer2", NOW)
    assert refused.value.field == "note"
    later = NOW + timedelta(minutes=5)
    hit = review(
        store,
        counts,
        HIT["hit_id"],
        VerdictRequest("accept", 1, note="seen", case_number="24-7"),
        "o2",
        later,
    )
    assert hit.case_number == "24-7" and hit.decisions[-1].revises
    assert counts.calls[1:] == [("rate", "rejected", -1), ("rate", "accepted", 1)]
