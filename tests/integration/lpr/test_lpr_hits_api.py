"""The officers' hits routes through the local stack (api under its deployed IAM): a day's
hits and one hit, a verdict accepted or rejected with a reason (audited first, naming no
plate), a stale revision refused 409 and nothing written, a refused field 400 naming it,
accepting into a case keeps the hit (its TTL removed), a change of verdict needs a note, and
the rates report counts the current verdicts per list and per reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.audit import AuditLog
from rtcc.store.lpr_hits import LprHitRecord, day_partition

from tests.integration.lpr.test_lpr_hit_record import hit, make_list, make_reader, record

pytestmark = pytest.mark.integration


def new_hit(list_id: str | None = None, reader: tuple[str, str] | None = None) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(seconds=30)
    (result,) = record([hit(list_id or make_list(), reader or make_reader(), at)])
    assert result["folded"] is False
    return result


def verdict(officer: Any, hit_id: str, **body: Any) -> Any:
    return officer.post(f"/api/lpr/hits/{hit_id}/verdict", json=body)


def test_a_days_hits_and_one_hit(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    made = new_hit()
    listed = officer.get("/api/lpr/hits", params={"day": made["day"]})
    assert listed.status_code == 200, listed.text
    (mine,) = [h for h in listed.json()["hits"] if h["hit_id"] == made["hit_id"]]
    assert mine["verification"] is None and mine["revision"] == 0 and mine["reads"] == 1
    assert mine["entry"]["reason"] == "stolen" and mine["plate"] == "ABC1234"
    # The console follows the lpr-hits feed from here (rtcc.feed: a cursor reaching back SETTLE).
    assert listed.json()["feed_cursor"] < datetime.now(UTC).isoformat()[:19] + "Z"
    one = officer.get(f"/api/lpr/hits/{made['hit_id']}")
    assert one.status_code == 200 and one.json()["hit"] == mine
    (viewed,) = [e for e in AuditLog().entries(newest_first=True, limit=100) if e.target == made["hit_id"]]
    assert viewed.action == "lpr.hit.view" and "ABC1234" not in str(viewed.detail)
    assert officer.get("/api/lpr/hits", params={"day": "2026-13-01"}).status_code == 400
    assert officer.get("/api/lpr/hits/H20200101T000000000Z-00000000").status_code == 404
    assert api.get("/api/lpr/hits").status_code == 401


def test_reject_with_a_reason_then_a_stale_revision_is_refused(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    made = new_hit()
    hit_id = made["hit_id"]
    assert verdict(officer, hit_id, verdict="reject", revision=0).status_code == 400  # no reason
    bad = verdict(officer, hit_id, verdict="reject", reason="blurry", revision=0)
    assert bad.status_code == 400 and "reason" in bad.json()["message"]
    assert verdict(officer, hit_id, verdict="maybe", revision=0).status_code == 400
    ok = verdict(officer, hit_id, verdict="reject", reason="misread", note="a B, not an 8", revision=0)
    assert ok.status_code == 200, ok.text
    decided = ok.json()["hit"]
    assert decided["verification"]["verdict"] == "rejected" and decided["verification"]["reason"] == "misread"
    assert decided["revision"] == 1
    stale = verdict(officer, hit_id, verdict="accept", revision=0)
    assert stale.status_code == 409
    # A change needs a note; with one, it is recorded as a revision.
    assert verdict(officer, hit_id, verdict="accept", revision=1).status_code == 400
    changed = verdict(officer, hit_id, verdict="accept", note="plate confirmed by eye", revision=1)
    assert changed.status_code == 200 and changed.json()["hit"]["decisions"] == 2
    entries = [e for e in AuditLog().entries(newest_first=True, limit=200) if e.target == hit_id]
    assert [e.action for e in entries].count("lpr.hit.verdict") == 2
    assert all("ABC1234" not in str(e.detail) for e in entries)


def test_accepting_into_a_case_keeps_the_hit(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    made = new_hit()
    stored = LprHitRecord.get(day_partition(made["day"]), made["hit_id"], consistent_read=True)
    assert stored.expires is not None  # expires with the read
    refused = verdict(
        officer, made["hit_id"], verdict="reject", reason="misread", case_number="24-1", revision=0
    )
    assert refused.status_code == 400 and "case_number" in refused.json()["message"]
    ok = verdict(officer, made["hit_id"], verdict="accept", case_number="24-0042", revision=0)
    assert ok.status_code == 200, ok.text
    assert ok.json()["hit"]["case_number"] == "24-0042"
    stored = LprHitRecord.get(day_partition(made["day"]), made["hit_id"], consistent_read=True)
    assert stored.case_number == "24-0042" and stored.expires is None
    (entry,) = [
        e
        for e in AuditLog().entries(newest_first=True, limit=200)
        if e.target == made["hit_id"] and e.action == "lpr.hit.verdict"
    ]
    assert entry.case_number == "24-0042" and entry.actor


def test_rates_count_current_verdicts_per_list_and_reader(local_stack: Any, api: Any) -> None:
    officer, supervisor = api.as_role("officer"), api.as_role("supervisor")
    list_id, reader = make_list(), make_reader()
    first, second = new_hit(list_id, reader), new_hit(list_id, make_reader())
    assert verdict(officer, first["hit_id"], verdict="accept", revision=0).status_code == 200
    assert (
        verdict(officer, second["hit_id"], verdict="reject", reason="state-mismatch", revision=0).status_code
        == 200
    )
    assert officer.get("/api/lpr/reports/rates").status_code == 403
    rates = supervisor.get("/api/lpr/reports/rates")
    assert rates.status_code == 200, rates.text
    (row,) = [r for r in rates.json()["lists"] if r["list_id"] == list_id]
    assert (row["accepted"], row["rejected"], row["acceptance"]) == (1, 1, 0.5)
    (by_reader,) = [r for r in rates.json()["readers"] if r["reader_id"] == reader[1]]
    assert (by_reader["accepted"], by_reader["rejected"]) == (1, 0)
    # A revised verdict moves its count.
    note = "vehicle matched after all"
    assert verdict(officer, second["hit_id"], verdict="accept", note=note, revision=1).status_code == 200
    (row,) = [r for r in supervisor.get("/api/lpr/reports/rates").json()["lists"] if r["list_id"] == list_id]
    assert (row["accepted"], row["rejected"]) == (2, 0)


def test_a_hit_revised_to_rejected_leaves_its_case_and_expires_again(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    made = new_hit()
    key = (day_partition(made["day"]), made["hit_id"])
    assert (
        verdict(officer, made["hit_id"], verdict="accept", case_number="24-0077", revision=0).status_code
        == 200
    )
    assert LprHitRecord.get(*key, consistent_read=True).expires is None
    # A misread after all: another car's plate and place must not stay with the case for good.
    changed = verdict(
        officer, made["hit_id"], verdict="reject", reason="misread", note="an 8, not a B", revision=1
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["hit"]["case_number"] is None
    stored = LprHitRecord.get(*key, consistent_read=True)
    assert stored.case_number is None and stored.expires is not None
    seen_at = datetime.fromisoformat(changed.json()["hit"]["seen_at"])
    assert abs(stored.expires - (seen_at + timedelta(days=30))) < timedelta(seconds=2)


def test_a_shortened_retention_shortens_stored_hits(local_stack: Any, api: Any, monkeypatch: Any) -> None:
    from rtcc.settings import reload_settings

    officer = api.as_role("officer")
    list_id, reader = make_list(), make_reader()
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    old, held = (record([hit(list_id, reader, two_days_ago + timedelta(minutes=i * 10))])[0] for i in (0, 1))
    assert (
        verdict(officer, held["hit_id"], verdict="accept", case_number="24-0078", revision=0).status_code
        == 200
    )
    assert officer.get(f"/api/lpr/hits/{old['hit_id']}").status_code == 200  # its TTL: 30 days
    monkeypatch.setenv("RTCC_LPR_RETENTION_DAYS", "1")
    reload_settings()
    try:
        gone = officer.get(f"/api/lpr/hits/{old['hit_id']}")
        kept = officer.get(f"/api/lpr/hits/{held['hit_id']}")
        listed = {
            h["hit_id"] for h in officer.get("/api/lpr/hits", params={"day": old["day"]}).json()["hits"]
        }
    finally:
        monkeypatch.delenv("RTCC_LPR_RETENTION_DAYS")
        reload_settings()
    assert gone.status_code == 404 and kept.status_code == 200  # a case holds its own
    assert old["hit_id"] not in listed and held["hit_id"] in listed


def test_the_fold_window_never_outlasts_the_retention(local_stack: Any, monkeypatch: Any) -> None:
    from rtcc.settings import reload_settings

    list_id, reader = make_list(), make_reader()
    now = datetime.now(UTC)
    monkeypatch.setenv("RTCC_LPR_RETENTION_PRESET", "NH")  # 3 minutes; the fold window is 5
    reload_settings()
    try:
        first = record([hit(list_id, reader, now - timedelta(minutes=4, seconds=30))])
        # Seen again 4 minutes later: the first hit is past retention, so this one is a new hit
        # the officers see, not a read counted into one they can no longer open.
        second = record([hit(list_id, reader, now - timedelta(seconds=30))])
    finally:
        monkeypatch.delenv("RTCC_LPR_RETENTION_PRESET")
        reload_settings()
    assert first[0]["folded"] is False
    assert second[0]["folded"] is False and second[0]["hit_id"] != first[0]["hit_id"]
