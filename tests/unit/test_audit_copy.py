"""Comparing the audit chain with its write-once copy (rtcc.audit.verify_entries,
rtcc.audit_archive): no AWS, generated entries."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.anchors import AnchorRefused, publish, recorded
from rtcc.audit import GENESIS_HASH, Anchor, AuditEntry, entry_hash, verify_entries
from rtcc.audit_archive import archive, copied_entries, copy_key, encode, entry_from_image

OLD = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def chain(n: int, at: str = OLD) -> list[AuditEntry]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = dict(
            seq=seq, at=at, actor="officer", role="officer", action="tip.view", target=f"tip/T-{seq}",
            purpose=None, case_number=None, request_id=None, detail={"n": seq}, prev_hash=prev,
        )  # fmt: skip
        fields["entry_hash"] = entry_hash(fields)
        entries.append(AuditEntry(**fields))
        prev = fields["entry_hash"]
    return entries


def forge(entry: AuditEntry, **changes: object) -> AuditEntry:
    """What a function allowed PutItem does: change fields, recompute the hash."""
    forged = dataclasses.replace(entry, **changes)
    return dataclasses.replace(forged, entry_hash=entry_hash(forged.as_dict()))


class MemoryStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes) -> None:
        self.objects[key] = body

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self, prefix: str, start_after: str | None = None) -> list[str]:
        return sorted(
            k for k in self.objects if k.startswith(prefix) and (not start_after or k > start_after)
        )


def test_a_rewritten_newest_entry_with_its_hash_recomputed_is_named() -> None:
    entries = chain(5)
    # The chain alone verifies: that was the hole.
    tampered = [*entries[:4], forge(entries[4], actor="nobody")]
    assert verify_entries(tampered).ok
    result = verify_entries(tampered, copy=entries)
    assert not result.ok
    assert result.first_broken_seq == 5
    assert result.reason == "entry 5 differs from its write-once copy"
    assert result.checked == 4


def test_an_entry_without_its_copy_is_named_unless_it_was_just_appended() -> None:
    entries = chain(4)
    result = verify_entries(entries, copy=[entries[0], entries[1], entries[3]])
    assert (result.ok, result.first_broken_seq, result.reason) == (False, 3, "entry 3 has no write-once copy")

    fresh = chain(3, at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    result = verify_entries(fresh, copy=fresh[:2])
    assert result.ok and result.uncopied == 1 and result.head_seq == 3


def test_an_entry_in_the_copy_but_not_in_the_chain_is_named() -> None:
    entries = chain(5)
    result = verify_entries(entries[:3], copy=entries)
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert result.reason == "entry 4 is in the write-once copy but missing from the chain"


def test_verification_from_an_anchor_checks_the_anchored_entry_and_what_follows() -> None:
    entries = chain(6)
    start = Anchor(3, entries[2].entry_hash)
    result = verify_entries(entries[2:], copy=entries, start=start)
    assert result.ok and (result.from_seq, result.head_seq, result.checked) == (3, 6, 4)
    # The anchored entry itself rewritten: its hash no longer matches the anchor.
    rewritten = [forge(entries[2], actor="nobody"), *entries[3:]]
    result = verify_entries(rewritten, copy=entries, start=start)
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_the_archive_round_trips_batches_and_skips_redelivered_ones() -> None:
    entries, store = chain(7), MemoryStore()
    archive(store, "main", entries[:4])
    archive(store, "main", entries[2:4])  # a redelivered part of a batch
    archive(store, "main", entries[4:])
    assert copy_key("main", 1, 4) in store.objects
    assert list(copied_entries(store, "main")) == entries
    assert list(copied_entries(store, "main", after_seq=5)) == entries[5:]
    assert list(copied_entries(store, "other")) == []


def test_a_stream_image_becomes_the_entry_as_appended() -> None:
    entry = chain(1)[0]
    image = {
        "chain": {"S": "main"},
        "seq": {"N": "1"},
        "detail_json": {"S": '{"n": 1}'},
        **{k: {"S": v} for k, v in entry.as_dict().items() if isinstance(v, str)},
    }
    assert entry_from_image(image) == ("main", entry)


def test_a_second_differing_copy_of_an_entry_is_named() -> None:
    """An object added beside the archiver's (only an account administrator could) whose
    range sorts first would otherwise hide the original copy of an entry."""
    entries, store = chain(6), MemoryStore()
    archive(store, "main", entries[:6])
    forged = [*entries[:2], forge(entries[2], actor="nobody")]
    store.put(copy_key("main", 1, 3), b"".join(encode([e]) for e in forged))
    tampered_chain = [*entries[:2], forged[2], *entries[3:]]
    result = verify_entries(tampered_chain, copy=copied_entries(store, "main"))
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason == "the write-once copy holds two different versions of entry 3"


def _now(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_an_entry_dated_in_the_future_fails_and_is_never_excused_as_not_copied_yet() -> None:
    """Review finding 2: `at` is written by whoever writes the item; a far-future date used
    to keep an entry "just appended" for ever, so its missing copy never failed."""
    entries = chain(2)
    future = forge(entries[1], at="9999-12-31T23:59:59.999Z")
    result = verify_entries([entries[0], future], copy=entries[:1])
    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert result.reason == "entry 2 is dated in the future (9999-12-31T23:59:59.999Z)"
    # The same without any copy to compare with: the chain check itself refuses it.
    assert verify_entries([entries[0], future]).reason == result.reason
    # A few seconds ahead (clock skew) is fine.
    skewed = forge(entries[1], at=_now(seconds=5))
    assert verify_entries([entries[0], skewed], copy=entries[:1]).uncopied == 1


def test_only_entries_after_the_newest_copied_one_may_lack_a_copy() -> None:
    """A fresh entry with a copied entry after it is a hole in the copy, not a delay."""
    fresh = chain(3, at=_now())
    result = verify_entries(fresh, copy=[fresh[0], fresh[2]])
    assert (result.ok, result.first_broken_seq, result.reason) == (False, 2, "entry 2 has no write-once copy")
    # After the newest copied entry: not copied yet, and the copied head says so.
    result = verify_entries(fresh, copy=fresh[:1])
    assert result.ok and result.uncopied == 2 and (result.head_seq, result.copied_seq) == (3, 1)
    assert result.copied_hash == fresh[0].entry_hash
    # An old entry after the newest copied one is not excused either.
    mixed = [*chain(2), *chain(3, at=_now())[2:]]
    assert verify_entries(mixed[:2], copy=mixed[:1]).reason == "entry 2 has no write-once copy"


class ListLog:
    """The part of AuditLog that `publish` uses, over a list (the table is the attacker's)."""

    chain = "main"

    def __init__(self, entries: list[AuditEntry]) -> None:
        self.rows = entries

    def verify(self, anchors=(), *, copy=None, start=None):
        rows = [e for e in self.rows if not start or e.seq >= start.seq]
        return verify_entries(rows, anchors, copy=copy, start=start)

    def entries(self, *, after_seq: int = 0, limit: int | None = None):
        return iter([e for e in self.rows if e.seq > after_seq][:limit])


def test_an_entry_rewritten_before_its_copy_lands_is_never_anchored() -> None:
    """Review finding 5: entry 4 appended seconds ago and rewritten (hash recomputed)
    before audit-archive copied it; the anchor run used to publish the forged head."""
    entries, store = chain(3), MemoryStore()
    archive(store, "main", entries)
    appended = chain(4, at=_now())[3]
    appended = forge(appended, prev_hash=entries[2].entry_hash)
    forged = forge(appended, actor="someone-else")
    log = ListLog([*entries, forged])
    assert log.verify(copy=copied_entries(store, "main")).ok  # within the grace: not a failure
    anchor = publish(log, store, lambda after: copied_entries(store, "main", after_seq=after))
    assert anchor == Anchor(3, entries[2].entry_hash)
    assert recorded(store, "main") == (anchor,)
    # Once the original is copied, the forgery is named and nothing past it is published.
    archive(store, "main", [appended])
    with pytest.raises(AnchorRefused, match="entry 4 differs from its write-once copy"):
        publish(log, store, lambda after: copied_entries(store, "main", after_seq=after))
    assert recorded(store, "main") == (anchor,)


def test_items_append_could_not_have_written_are_malformed() -> None:
    from rtcc.audit_archive import Malformed

    good = _image_of(chain(1)[0])
    for bad in (
        {**good, "detail_json": {"S": "{not json"}},
        {**good, "detail_json": {"S": "[1]"}},
        {**good, "chain": {"S": "x" * 2000}},
        {**good, "chain": {"S": "a/b"}},
        {**good, "chain": {"S": "_malformed"}},
        {**good, "seq": {"N": "-1"}},
        {k: v for k, v in good.items() if k != "seq"},
    ):
        with pytest.raises(Malformed):
            entry_from_image(bad)
    assert entry_from_image(good)[0] == "main"


def test_an_unreadable_detail_in_the_table_is_named_not_a_crash() -> None:
    from rtcc.audit import UNREADABLE_DETAIL

    entries = chain(2)
    bad = forge(entries[1], detail={UNREADABLE_DETAIL: "{not json"})
    result = verify_entries([entries[0], bad])
    assert (result.ok, result.reason) == (False, "entry 2 has a detail that is not a JSON object")


def _image_of(entry: AuditEntry) -> dict:
    return {
        "chain": {"S": "main"},
        "seq": {"N": str(entry.seq)},
        "detail_json": {"S": json.dumps(entry.detail)},
        **{k: {"S": v} for k, v in entry.as_dict().items() if isinstance(v, str)},
    }
