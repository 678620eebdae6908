"""The audit chain: appends link, verification finds the first edited, missing or forged entry."""

from __future__ import annotations

import uuid

import boto3
import pytest
from rtcc.audit import GENESIS_HASH, Anchor, AuditEvent, AuditLog, entry_hash
from rtcc.store import AuditEntryRecord


@pytest.fixture()
def log(moto_endpoint: str) -> AuditLog:
    return AuditLog(chain=f"test-{uuid.uuid4().hex[:8]}")


def _event(n: int) -> AuditEvent:
    return AuditEvent(
        actor=f"user{n}",
        role="officer",
        action="tip.view",
        target=f"tip/T-{n}",
        purpose="investigation",
        case_number="2026-0001",
        request_id=f"req-{n}",
        detail={"n": n, "ratio": 0.5, "name": "Ünïcode ✓"},
    )


def _raw_table(endpoint: str):
    return boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1").Table(
        AuditEntryRecord.Meta.table_name
    )


def test_entries_link_to_their_predecessor(log: AuditLog) -> None:
    first = log.append(_event(1))
    second = log.append(_event(2))
    assert first.seq == 1 and first.prev_hash == GENESIS_HASH
    assert second.seq == 2 and second.prev_hash == first.entry_hash
    assert entry_hash(second.as_dict()) == second.entry_hash
    stored = list(log.entries())
    assert [e.seq for e in stored] == [1, 2]
    assert stored[1].detail == {"n": 2, "ratio": 0.5, "name": "Ünïcode ✓"}
    assert log.verify().ok and log.verify().checked == 2


def test_editing_one_stored_entry_breaks_verification_there(log: AuditLog, moto_endpoint: str) -> None:
    for n in range(1, 6):
        log.append(_event(n))
    _raw_table(moto_endpoint).update_item(
        Key={"chain": log.chain, "seq": 3},
        UpdateExpression="SET actor = :a",
        ExpressionAttributeValues={":a": "someone-else"},
    )
    result = log.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert "hash" in (result.reason or "")
    assert result.checked == 2


def test_rehashing_an_edited_entry_still_breaks_the_next_link(log: AuditLog, moto_endpoint: str) -> None:
    entries = [log.append(_event(n)) for n in range(1, 4)]
    forged = entries[1].as_dict() | {"actor": "forger"}
    forged["entry_hash"] = entry_hash(forged)
    _raw_table(moto_endpoint).update_item(
        Key={"chain": log.chain, "seq": 2},
        UpdateExpression="SET actor = :a, entry_hash = :h",
        ExpressionAttributeValues={":a": "forger", ":h": forged["entry_hash"]},
    )
    result = log.verify()
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_a_deleted_entry_is_named(log: AuditLog, moto_endpoint: str) -> None:
    for n in range(1, 4):
        log.append(_event(n))
    _raw_table(moto_endpoint).delete_item(Key={"chain": log.chain, "seq": 2})
    result = log.verify()
    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert "missing" in (result.reason or "")


def test_concurrent_appends_keep_one_linear_chain(log: AuditLog) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: log.append(_event(n)), range(16)))
    assert [e.seq for e in log.entries()] == list(range(1, 17))
    assert log.verify().ok


def test_a_writer_that_lost_the_race_retries_on_the_new_head(log: AuditLog, monkeypatch) -> None:
    """Another process appended between our head read and our put: the conditional put
    refuses to overwrite, and the retry links to the winner's entry.

    (Deterministic on purpose: moto's conditional writes are not atomic under truly
    concurrent requests, so a threaded race would test the emulator, not our code.)"""
    log.append(_event(1))
    real_head = log._head
    stale = real_head()
    calls = {"n": 0}

    def head_then_competitor():
        calls["n"] += 1
        if calls["n"] == 1:
            AuditLog(chain=log.chain)._append(_event(99))  # the competitor wins seq 2
            return stale  # ...while we still believe the head is seq 1
        return real_head()

    monkeypatch.setattr(log, "_head", head_then_competitor)
    mine = log.append(_event(2))
    assert calls["n"] == 2 and mine.seq == 3
    entries = list(log.entries())
    assert [(e.seq, e.actor) for e in entries] == [(1, "user1"), (2, "user99"), (3, "user2")]
    assert mine.prev_hash == entries[1].entry_hash
    assert log.verify().ok


def test_entries_page_newest_first(log: AuditLog) -> None:
    for n in range(1, 6):
        log.append(_event(n))
    assert [e.seq for e in log.entries(newest_first=True, limit=2)] == [5, 4]
    assert [e.seq for e in log.entries(after_seq=3)] == [4, 5]
    assert [e.seq for e in log.entries(before_seq=4, newest_first=True)] == [3, 2, 1]
    assert [e.seq for e in log.entries(after_seq=1, before_seq=4)] == [2, 3]
    assert list(log.entries(after_seq=2, before_seq=3)) == []


def test_a_recorded_anchor_catches_a_cut_off_or_rewritten_tail(log: AuditLog, moto_endpoint: str) -> None:
    for n in range(1, 5):
        log.append(_event(n))
    head = log.verify()
    assert (head.ok, head.head_seq) == (True, 4)
    anchor = Anchor.parse(f"{head.head_seq}:{head.head_hash}")
    log.append(_event(5))
    assert log.verify((anchor,)).ok  # the chain grew past the anchor: fine

    # Cutting off the tail leaves a chain that verifies on its own, but not against the anchor.
    for seq in (4, 5):
        _raw_table(moto_endpoint).delete_item(Key={"chain": log.chain, "seq": seq})
    assert log.verify().ok
    cut = log.verify((anchor,))
    assert (cut.ok, cut.first_broken_seq) == (False, 4) and "no longer" in (cut.reason or "")

    # Rewriting from seq 4 on with fresh hashes is caught at the anchored entry.
    log.append(_event(40))
    rewritten = log.verify((anchor,))
    assert (rewritten.ok, rewritten.first_broken_seq) == (False, 4) and "anchor" in (rewritten.reason or "")


def test_anchors_parse_strictly() -> None:
    with pytest.raises(ValueError):
        Anchor.parse("4:abc")
    with pytest.raises(ValueError):
        Anchor.parse("x:" + "0" * 64)
