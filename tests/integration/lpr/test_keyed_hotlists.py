"""rtcc.lpr.keyed_hotlists.KeyedHotlists against the local stack, as lpr-ingest (its
deployed IAM enforced): hits by key (exact, OCR-equivalent, wildcard) from lists imported
through the real pipeline, the keys read bounded by the shapes (no scan), expiry, and a
read during an import seeing the old version or the new one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.local.iam.identity import acting_as
from rtcc.lpr.keyed_hotlists import KeyedHotlists
from rtcc.lpr.model import MatchKind

from tests.integration.lpr.hotlist_helpers import import_file, new_list, plate_read

pytestmark = pytest.mark.integration


def match(*reads, now: datetime | None = None) -> tuple[list, KeyedHotlists]:
    matcher = KeyedHotlists()
    with acting_as("lpr-ingest"):
        return matcher.match_many(list(reads), now or datetime.now(UTC)), matcher


def test_exact_ocr_equivalent_and_wildcard_hits_by_key(local_stack: Any) -> None:
    list_id = new_list()
    summary = import_file(
        list_id, b"PlateNumber;PlateState;Category\r\nKQX123;MA;Stolen\r\nZ8W77?;;BOLO\r\nQJ*42;;x\r\n"
    )
    assert (summary["added"], summary["rejected"], summary["version"]) == (3, 0, 1)

    [exact], [ocr], [wild], [ends], none = match(
        plate_read("KQX-123", state="MA"),
        plate_read("JJJ000", "KQX1Z3"),  # the second candidate, 2/Z look-alike
        plate_read("Z8W771"),
        plate_read("QJ7742"),
        plate_read("NOPE99"),
    )[0]
    assert (exact.entry.list_id, exact.kind, exact.state_agrees) == (list_id, MatchKind.EXACT, True)
    assert (ocr.kind, ocr.candidate) == (MatchKind.OCR_EQUIVALENT, "KQX1Z3")
    assert wild.kind == MatchKind.WILDCARD and wild.entry.plate == "Z8W77?"
    assert ends.entry.plate == "QJ*42"
    assert none == []


def test_a_match_reads_keys_bounded_by_the_shapes_not_the_entries(local_stack: Any) -> None:
    list_id = new_list()
    rows = "".join(f"P{n:05d};MA\r\n" for n in range(2000)) + "ABQ*;\r\n*99X;\r\n"
    assert import_file(list_id, rows.encode())["added"] == 2002
    hits, matcher = match(plate_read("ABQ777"), plate_read("P00042"))
    assert [h.entry.plate for h in hits[0]] == ["ABQ*"] and [h.entry.plate for h in hits[1]] == ["P00042"]
    # Per candidate and list: its full-plate key and at most one per shape (this list: a3
    # and z3), whatever the lists hold; other tests' lists add their own few keys.
    assert matcher.heads[list_id].shapes == ("a3", "z3")
    assert matcher.keys_read <= 2 * sum(1 + len(head.shapes) for head in matcher.heads.values()) < 2002


def test_expired_entries_stop_matching(local_stack: Any) -> None:
    list_id = new_list()
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    import_file(list_id, f"PlateNumber;PlateState;ExpiryDate\r\nEXP444;NH;{soon}\r\n".encode())
    assert [h.entry.plate for h in match(plate_read("EXP444"))[0][0]] == ["EXP444"]
    later = datetime.now(UTC) + timedelta(hours=2)
    assert match(plate_read("EXP444"), now=later)[0] == [[]]


def test_reimport_diff_counts_and_a_removed_plate_stops_matching(local_stack: Any) -> None:
    list_id = new_list()
    import_file(list_id, b"AAA111;MA\r\nBBB222;MA\r\nCCC333;MA\r\n")
    summary = import_file(list_id, b"AAA111;MA\r\nCCC333;NH\r\nDDD444;MA\r\nbad plate!;MA\r\n")
    counts = {k: summary[k] for k in ("version", "added", "removed", "unchanged", "rejected")}
    # CCC333;NH is a new id (plate:state); CCC333;MA and BBB222 are removed.
    assert counts == {"version": 2, "added": 2, "removed": 2, "unchanged": 1, "rejected": 1}
    assert summary["rejected_rows"][0]["line"] == 4
    hits = match(plate_read("BBB222"), plate_read("CCC333"), plate_read("DDD444"))[0]
    assert hits[0] == [] and [h.entry.state for h in hits[1]] == ["NH"] and len(hits[2]) == 1


def test_a_read_during_an_import_sees_the_old_version_or_the_new_one(local_stack: Any) -> None:
    list_id = new_list()
    old = "".join(f"OLD{n:03d};MA\r\n" for n in range(300))
    new = "".join(f"NEW{n:03d};MA\r\n" for n in range(300))
    import_file(list_id, old.encode())
    probe = [plate_read(f"OLD{n:03d}", f"NEW{n:03d}") for n in range(0, 300, 60)]
    seen: list[set[str]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            hits = match(*probe)[0]
            seen.append({h.entry.plate[:3] for read in hits for h in read if h.entry.list_id == list_id})

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        import_file(list_id, new.encode())
    finally:
        done.set()
        watcher.join()
    assert seen and all(kinds in ({"OLD"}, {"NEW"}) for kinds in seen), seen
    after = match(*probe)[0]
    assert {h.entry.plate[:3] for read in after for h in read if h.entry.list_id == list_id} == {"NEW"}


def test_an_abandoned_import_is_undone_by_the_next_one(local_stack: Any, monkeypatch: Any) -> None:
    from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore

    list_id = new_list()
    import_file(list_id, b"KEEP11;MA\r\nGONE22;MA\r\n")
    real_put = DynamoHotlistStore._put_gz

    def dies_after_the_keys(self: Any, key: str, payload: bytes) -> None:
        if key.endswith("/2.jsonl.gz"):  # the keys are written; the version file and the switch never come
            raise RuntimeError("the function timed out")
        real_put(self, key, payload)

    monkeypatch.setattr(DynamoHotlistStore, "_put_gz", dies_after_the_keys)
    with pytest.raises(RuntimeError):
        import_file(list_id, b"KEEP11;MA\r\nHALF33;MA\r\n")  # would add HALF33, remove GONE22
    monkeypatch.setattr(DynamoHotlistStore, "_put_gz", real_put)
    hits = match(plate_read("KEEP11"), plate_read("GONE22"), plate_read("HALF33"))[0]
    assert [len(h) for h in hits] == [1, 1, 0]  # still version 1, whole

    summary = import_file(list_id, b"KEEP11;MA\r\nGONE22;MA\r\nLAST44;MA\r\n")
    assert (summary["version"], summary["added"], summary["removed"]) == (2, 1, 0)
    hits = match(plate_read("KEEP11"), plate_read("GONE22"), plate_read("HALF33"), plate_read("LAST44"))[0]
    assert [len([x for x in h if x.entry.list_id == list_id]) for h in hits] == [1, 1, 0, 1]


def test_an_import_whose_lease_was_taken_over_writes_nothing_more(local_stack: Any, monkeypatch: Any) -> None:
    # A slow import (the CLI has no timeout) loses its lease after LEASE_S to another one,
    # which switches the list to its version; the slow one must not then write its keys
    # and version file over it (its keys would be live at the version it shares).
    from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore, ImportBusy
    from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistRecord

    list_id = new_list()
    import_file(list_id, b"KEEP11;MA\r\n")
    real_entries, taken = DynamoHotlistStore.entries, []

    def overtaken(self: Any, listed: str, version: int) -> Any:
        if not taken:  # the slow import, after its lease: it goes stale and is taken over
            taken.append(True)
            R = LprHotlistRecord
            with acting_as(None):  # the test's own doing, then a whole second import
                R(LISTS_PARTITION, list_id).update(
                    actions=[R.importing_since.set("2000-01-01T00:00:00+00:00")]
                )
                import_file(list_id, b"KEEP11;MA\r\nNEWER2;MA\r\n")
        return real_entries(self, listed, version)

    monkeypatch.setattr(DynamoHotlistStore, "entries", overtaken)
    with pytest.raises(ImportBusy):
        import_file(list_id, b"KEEP11;MA\r\nSLOW33;MA\r\n")
    monkeypatch.setattr(DynamoHotlistStore, "entries", real_entries)
    hits = match(plate_read("KEEP11"), plate_read("NEWER2"), plate_read("SLOW33"))[0]
    assert [len([x for x in h if x.entry.list_id == list_id]) for h in hits] == [1, 1, 0]
    summary = import_file(list_id, b"KEEP11;MA\r\nNEWER2;MA\r\n")  # the version file is the newer one's
    assert (summary["version"], summary["added"], summary["removed"], summary["unchanged"]) == (3, 0, 0, 2)


def test_a_replaced_versions_files_are_deleted_at_the_switch_over(local_stack: Any) -> None:
    # A version's file holds every plate of the list (withdrawn BOLOs, expired entries):
    # once the next version is live nothing reads it, and it must not be kept for ever.
    from rtcc.aws_clients import client
    from rtcc.lpr.hotlist_store_dynamodb import hotlist_bucket

    list_id = new_list()
    import_file(list_id, b"GONE11;MA\r\nKEEP22;MA\r\n")
    import_file(list_id, b"KEEP22;MA\r\n")
    listed = client("s3").list_object_versions(Bucket=hotlist_bucket(), Prefix=f"versions/{list_id}/")
    assert listed.get("DeleteMarkers", []) == []  # deleted version by version, not hidden
    assert sorted(o["Key"] for o in listed.get("Versions", [])) == [
        f"versions/{list_id}/2.jsonl.gz",
        f"versions/{list_id}/2.keys.gz",
    ]
    [gone, keep] = match(plate_read("GONE11"), plate_read("KEEP22"))[0]
    assert (gone, len(keep)) == ([], 1)
