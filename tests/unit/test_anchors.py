"""Published anchors catch what the chain alone cannot: a rewrite with every later hash
recomputed, a tail cut off, and an anchor added by hand."""

from __future__ import annotations

import uuid

import pytest
from rtcc.anchors import LatestAnchor, anchor_key, parse_key, publish, recorded
from rtcc.audit import GENESIS_HASH, Anchor, AuditEvent, AuditLog, entry_hash
from rtcc.store import AuditEntryRecord


class DictStore:
    """The AnchorStore port over a dict (the S3 adapter is exercised in integration)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts = 0
        self.listings = 0

    def put(self, key: str, body: bytes) -> None:
        self.puts += 1
        self.objects[key] = body

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self, prefix: str, start_after: str | None = None):
        self.listings += 1
        return [
            k for k in sorted(self.objects) if k.startswith(prefix) and (not start_after or k > start_after)
        ]


@pytest.fixture()
def log(moto_endpoint: str) -> AuditLog:
    return AuditLog(chain=f"anchors-{uuid.uuid4().hex[:8]}")


def _append(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append(AuditEvent(actor="officer", role="officer", action="tip.view", target=f"T-{i}"))


def _rewrite_from(log: AuditLog, seq: int, actor: str) -> None:
    """What someone with write access to the table would do: change entry `seq` and
    recompute every hash after it, so the chain agrees with itself again."""
    records = list(AuditEntryRecord.query(log.chain))
    prev = records[seq - 2].entry_hash if seq > 1 else GENESIS_HASH
    for record in records[seq - 1 :]:
        if record.seq == seq:
            record.actor = actor
        record.prev_hash = prev
        fields = {
            "seq": int(record.seq),
            "at": record.at,
            "actor": record.actor,
            "role": record.role,
            "action": record.action,
            "target": record.target,
            "purpose": record.purpose,
            "case_number": record.case_number,
            "request_id": record.request_id,
            "detail": {},
            "prev_hash": prev,
        }
        record.entry_hash = prev = entry_hash(fields)
        record.save()


def test_keys_carry_the_anchor_and_junk_is_not_an_anchor() -> None:
    anchor = Anchor(42, "ab" * 32)
    key = anchor_key("main", anchor)
    assert key == f"anchors/main/000000000042-{'ab' * 32}.json"
    assert parse_key(key) == ("main", anchor)
    assert parse_key("anchors/main/notes.txt") is None
    assert parse_key(key.replace(".json", ".json.bak")) is None


def test_an_empty_chain_publishes_nothing(log: AuditLog) -> None:
    store = DictStore()
    assert publish(log, store) is None and store.objects == {}


def test_each_head_is_published_once(log: AuditLog) -> None:
    store = DictStore()
    _append(log, 3)
    first = publish(log, store)
    assert first == Anchor(3, log.head().entry_hash)
    assert publish(log, store) == first and store.puts == 1  # an unchanged head: no new object
    _append(log, 2)
    publish(log, store)
    assert [a.seq for a in recorded(store, log.chain)] == [3, 5]
    assert recorded(store, "another-chain") == ()


def test_a_rewrite_the_chain_hides_is_caught_by_a_published_anchor(log: AuditLog) -> None:
    store = DictStore()
    _append(log, 6)
    publish(log, store)
    _rewrite_from(log, 2, actor="someone-else")
    assert log.verify().ok  # the chain agrees with itself again...
    result = log.verify(recorded(store, log.chain))
    assert not result.ok and result.first_broken_seq == 6  # ...but not with the anchor
    assert result.reason == "entry differs from the recorded anchor"


def test_a_tail_cut_off_below_an_anchor_is_caught(log: AuditLog) -> None:
    store = DictStore()
    _append(log, 5)
    publish(log, store)
    for seq in (4, 5):
        AuditEntryRecord(log.chain, seq).delete()
    assert log.verify().ok
    result = log.verify(recorded(store, log.chain))
    assert not result.ok and result.reason == "anchored entry 5 is no longer in the chain"


def test_an_anchor_added_by_hand_matches_nothing(log: AuditLog) -> None:
    store = DictStore()
    _append(log, 3)
    publish(log, store)
    store.put(anchor_key(log.chain, Anchor(3, "0" * 64)), b"{}")  # a second, forged anchor for seq 3
    result = log.verify(recorded(store, log.chain))
    assert not result.ok and result.first_broken_seq == 3


def test_the_latest_anchor_is_found_by_listing_only_what_is_new(log: AuditLog) -> None:
    store = DictStore()
    latest = LatestAnchor(store, log.chain)
    assert latest.get() is None
    _append(log, 2)
    publish(log, store)
    _append(log, 1)
    publish(log, store)
    assert latest.get() == (Anchor(3, log.head().entry_hash), 2)
    store.put(f"anchors/{log.chain}/README.txt", b"")  # not an anchor: not counted
    _append(log, 1)
    publish(log, store)
    assert latest.get() == (Anchor(4, log.head().entry_hash), 3)
    assert latest.get() == (Anchor(4, log.head().entry_hash), 3)  # nothing new: unchanged
