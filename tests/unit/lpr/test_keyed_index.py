"""rtcc.lpr.keyed_index: records by version (from/until), an import's key changes, the
rewrite that settles dead records and undoes an abandoned attempt."""

from __future__ import annotations

import json

from rtcc.lpr.hotlists.diff import diff
from rtcc.lpr.keyed_index import (
    KeyChange,
    clean,
    entry_from_dict,
    entry_item_key,
    entry_to_dict,
    key_changes,
    live_entries,
    rewrite,
    shapes_of,
)
from rtcc.lpr.model import HotlistEntry


def e(plate: str, reason: str = "stolen") -> HotlistEntry:
    return HotlistEntry("l", f"{plate}:", plate, reason=reason)


def test_an_entry_round_trips() -> None:
    from datetime import UTC, datetime

    entry = HotlistEntry(
        "l", "x", "KMX*", "MA", "r", "24-1", 5, datetime(2027, 1, 1, tzinfo=UTC), "sgt", {"Color": "red"}
    )
    back = entry_from_dict(json.loads(json.dumps(entry_to_dict(entry))))
    assert back == entry and back.attributes == {"Color": "red"}


def test_records_belong_to_their_versions() -> None:
    records = json.dumps(
        [
            {"entry": entry_to_dict(e("KMX111")), "from": 1, "until": 3},
            {"entry": entry_to_dict(e("KMX222")), "from": 3, "until": None},
        ]
    )
    assert [x.plate for x in live_entries(records, 2)] == ["KMX111"]
    assert [x.plate for x in live_entries(records, 3)] == ["KMX222"]
    assert live_entries(records, 0) == []


def test_an_import_touches_only_the_keys_of_its_diff() -> None:
    old = {x.entry_id: x for x in (e("KMX111"), e("KMX222"), e("KMX333"))}
    change = diff(old.values(), [e("KMX111"), e("KMX222", "found"), e("KMX444")])
    touched = key_changes(change, old)
    k = {p: entry_item_key(e(p))[0] for p in ("KMX111", "KMX222", "KMX333", "KMX444")}
    assert set(touched) == {k["KMX222"], k["KMX333"], k["KMX444"]}  # KMX111 unchanged: not written
    assert touched[k["KMX222"]].close == {"KMX222:"} and touched[k["KMX222"]].add[0].reason == "found"
    assert shapes_of([e("KMX*"), e("*X7Y*"), e("KMX111")]) == ["a3", "r3"]


def test_rewrite_closes_adds_drops_the_dead_and_undoes_an_abandoned_attempt() -> None:
    records = json.dumps(
        [
            {"entry": entry_to_dict(e("A")), "from": 1, "until": 2},  # dead at 2
            {"entry": entry_to_dict(e("B")), "from": 1, "until": None},  # live: to close
            {"entry": entry_to_dict(e("C")), "from": 3, "until": None},  # an abandoned attempt's add
            {"entry": entry_to_dict(e("D")), "from": 2, "until": 3},  # an abandoned attempt's close
        ]
    )
    out = rewrite(records, KeyChange(close={"B:"}, add=[e("E")]), current=2)
    assert [(r["entry"]["plate"], r["from"], r["until"]) for r in out] == [
        ("B", 1, 3),
        ("D", 2, None),
        ("E", 3, None),
    ]
    assert clean(json.dumps([{"entry": entry_to_dict(e("A")), "from": 1, "until": 2}]), 2) == []


def test_a_key_item_too_large_for_dynamodb_fails_the_import_clearly() -> None:
    import pytest
    from rtcc.lpr.hotlist_store_dynamodb import MAX_ITEM_JSON, item_json
    from rtcc.lpr.hotlists import HotlistFormatError

    record = {"entry": entry_to_dict(e("KMX*", reason="x" * 180)), "from": 1, "until": None}
    assert len(item_json([record] * 10)) < MAX_ITEM_JSON
    with pytest.raises(HotlistFormatError, match="share one probe key"):
        item_json([record] * 2000)
