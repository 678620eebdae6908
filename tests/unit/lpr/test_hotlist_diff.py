"""rtcc.lpr.hotlists.diff and store: an import as a diff by entry id, then one switch-over."""

from __future__ import annotations

import pytest
from rtcc.lpr.hotlists import (
    ConcurrentImport,
    ImportOptions,
    InMemoryHotlistStore,
    RejectedRow,
    diff,
    import_hotlist,
    parse_autovu,
)

OPTIONS = ImportOptions("stolen", max_bytes=1 << 20)


def _parsed(text: str):
    return parse_autovu([text.encode()], OPTIONS)


def test_diff_by_entry_id() -> None:
    before = list(
        _parsed(
            "PlateNumber;PlateState;Category;VehicleColor\nAAA111;MA;Stolen;Red\nBBB222;MA;Stolen\nCCC333;MA;Stolen\nDDD444;MA;Stolen\n"
        )
    )
    change = diff(
        before,
        _parsed(
            "PlateNumber;PlateState;Category;VehicleColor\n"
            "AAA111;MA;Stolen;Blue\n"  # attribute edited: changed
            "BBB222;MA;Stolen\n"  # unchanged
            "CCC333;MA;Wanted\n"  # reason edited: changed
            "EEE555;MA;Stolen\n"  # added
            "FF#666;MA;Stolen\n"  # rejected; DDD444 is gone: removed
        ),
    )
    assert change.counts() == {"added": 1, "removed": 1, "unchanged": 1, "changed": 2, "rejected": 1}
    assert [e.plate for e in change.changed] == ["AAA111", "CCC333"]
    assert change.changed[0].attributes == {"VehicleColor": "Blue"}
    assert [e.plate for e in change.removed] == ["DDD444"]
    assert change.rejected[0].line == 6
    assert sorted(e.plate for e in change.entries) == ["AAA111", "BBB222", "CCC333", "EEE555"]


def test_the_same_plate_in_another_state_is_another_entry() -> None:
    change = diff(_parsed("ABC123;MA\n"), _parsed("ABC123;NY\n"))
    assert (len(change.added), len(change.removed), change.unchanged) == (1, 1, ())


def test_import_switches_the_store_over_whole() -> None:
    store = InMemoryHotlistStore()
    first = import_hotlist(store, "stolen", _parsed("AAA111;MA\nBBB222;MA\n"))
    assert first.counts()["added"] == 2 and store.version("stolen") == 1
    held = list(store.entries("stolen"))  # a matcher's view while the next import runs
    second = import_hotlist(store, "stolen", _parsed("BBB222;MA\nCCC333;MA\nbad!;MA\n"))
    assert second.counts() == {"added": 1, "removed": 1, "unchanged": 1, "changed": 0, "rejected": 1}
    assert second.rejected == (RejectedRow(3, second.rejected[0].reason),)
    assert [e.plate for e in held] == ["AAA111", "BBB222"]
    assert sorted(e.plate for e in store.entries("stolen")) == ["BBB222", "CCC333"]
    assert store.version("stolen") == 2


def test_an_import_diffed_against_an_old_version_is_refused() -> None:
    store = InMemoryHotlistStore()
    stale = diff(store.entries("stolen"), _parsed("AAA111;MA\n"))
    import_hotlist(store, "stolen", _parsed("BBB222;MA\n"))
    with pytest.raises(ConcurrentImport):
        store.apply("stolen", stale, expected_version=0)
    assert [e.plate for e in store.entries("stolen")] == ["BBB222"]


def test_each_file_format_imports_through_the_same_path() -> None:
    from rtcc.lpr.hotlists import PARSERS

    files = {"autovu": "ABC123;MA\n", "ncic": "LIC,LIS\nABC123,MA\n"}
    for kind, text in files.items():
        store = InMemoryHotlistStore()
        change = import_hotlist(store, kind, PARSERS[kind]([text.encode()], ImportOptions(kind)))
        assert [e.entry_id for e in change.added] == ["ABC123:MA"], kind
