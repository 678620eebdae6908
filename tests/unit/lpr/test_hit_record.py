"""HitRecorder with in-memory ports: folding by the fold store's answer, what a new hit
publishes (flat, within the feed's size even with long names and ids), texts only for
feed+sms lists, counts only for new hits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.feed import SUMMARY_MAX_BYTES, feed_item
from rtcc.lpr.hit_record import FoldedInto, HitRecorder, ListInfo, fold_key, hit_day, new_hit_id
from rtcc.lpr.model import Hit, HotlistEntry, MatchKind, Read

AT = datetime(2026, 12, 2, 3, 15, 0, 123456, tzinfo=UTC)


class Folds:
    """The fold rule as the conditional put decides it: raised within the window either side."""

    def __init__(self) -> None:
        self.raised: dict[str, tuple[datetime, FoldedInto]] = {}

    def claim(self, key: str, day: str, hit_id: str, at: datetime, window: timedelta) -> FoldedInto | None:
        held = self.raised.get(key)
        if held and abs(at - held[0]) < window:
            return held[1]
        self.raised[key] = (at, FoldedInto(day, hit_id))
        return None


class Store:
    def __init__(self) -> None:
        self.hits: dict[str, dict[str, Any]] = {}
        self.reads: dict[str, int] = {}

    def add(self, day: str, hit_id: str, hit: dict[str, Any], read_seen_at: datetime) -> None:
        self.hits[hit_id], self.reads[hit_id] = hit, 1

    def fold(self, into: FoldedInto, at: datetime) -> int:
        self.reads[into.hit_id] += 1
        return self.reads[into.hit_id]


class Directory:
    def __init__(self, name: str = "Stolen", notify: str = "feed") -> None:
        self.info = ListInfo(name, notify)

    def lists(self, list_ids: set[str]) -> dict[str, ListInfo]:
        return dict.fromkeys(list_ids, self.info)

    def readers(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return dict.fromkeys(keys, "Main St eastbound")


class Sink:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def publish(self, summary: dict[str, Any], at: datetime) -> None:
        self.items.append((summary, at))

    def queue(self, day: str, hit_id: str) -> None:
        self.items.append((day, hit_id))

    def hits(self, at: datetime, n: int = 1) -> None:
        self.items.append(at)


def hit(at: datetime, camera: str = "cam-1", list_id: str = "stolen", entry_id: str = "e1") -> Hit:
    read = Read(
        "src-1",
        f"r{camera}{at.timestamp()}",
        "8RC1234",
        at,
        state="OR",
        camera_id=camera,
        lat=44.0,
        lon=-123.0,
    )
    entry = HotlistEntry(list_id, entry_id, "BRC1234", state="OR", reason="stolen", case_number="24-9")
    return Hit(read, entry, MatchKind.OCR_EQUIVALENT, "8RC1234", True)


def recorder(directory: Directory | None = None) -> tuple[HitRecorder, Store, Sink, Sink, Sink]:
    store, feed, texts, counts = Store(), Sink(), Sink(), Sink()
    made = HitRecorder(Folds(), store, directory or Directory(), feed, texts, counts, timedelta(seconds=300))
    return made, store, feed, texts, counts


def test_fold_within_the_window_and_raise_after_it() -> None:
    rec, store, feed, texts, counts = recorder()
    now = AT + timedelta(minutes=10)
    first, folded, later, other = rec.record(
        [
            hit(AT),
            hit(AT + timedelta(seconds=299)),
            hit(AT + timedelta(seconds=300)),
            hit(AT, camera="cam-2"),
        ],
        now,
    )
    assert not first["folded"] and folded == {
        "hit_id": first["hit_id"],
        "day": "2026-12-02",
        "folded": True,
        "reads": 2,
    }
    assert not later["folded"] and not other["folded"]
    assert len(store.hits) == 3 and len(counts.items) == 3 and texts.items == []
    assert [at for _, at in feed.items] == [now] * 3  # stamped when published, not when read
    assert rec.record([], now) == []


def test_a_redelivered_read_redoes_its_hit_without_counting_it_twice() -> None:
    rec, store, feed, texts, counts = recorder(Directory(notify="feed+sms"))
    (first,) = rec.record([hit(AT)], AT)
    (again,) = rec.record([hit(AT)], AT + timedelta(seconds=5))  # the vendor retried the request
    assert again["hit_id"] == first["hit_id"] and again["folded"] is False
    assert store.reads[first["hit_id"]] == 1 and len(counts.items) == 1
    assert (
        len(feed.items) == 2 and len(texts.items) == 2
    )  # each idempotent downstream (feed source, text claim)


def test_what_a_new_hit_publishes_and_stores() -> None:
    rec, store, feed, texts, _ = recorder(Directory(notify="feed+sms"))
    (new,) = rec.record([hit(AT)], AT)
    summary, _ = feed.items[0]
    assert summary["hit_id"] == new["hit_id"] and new["hit_id"].startswith("H20261202T031500123Z-")
    assert summary["kind"] == "ocr-equivalent" and summary["list_id"] == "stolen" and summary["reads"] == 1
    assert summary["reader_name"] == "Main St eastbound" and summary["list_name"] == "Stolen"
    # Nothing sensitive on the feed: no plate (nor the entry, whose id can be one), no place.
    assert (
        "8RC1234" not in json.dumps(summary) and "BRC1234" not in json.dumps(summary) and "lat" not in summary
    )
    assert texts.items == [("2026-12-02", new["hit_id"])]
    document = store.hits[new["hit_id"]]
    assert document["entry"] == {"entry_id": "e1", "plate": "BRC1234", "state": "OR", "reason": "stolen",
                                 "case_number": "24-9"}  # fmt: skip
    assert document["source_id"] == "src-1" and document["seen_at"] == AT.isoformat()


def test_the_feed_summary_fits_whatever_the_names() -> None:
    rec, _, feed, _, _ = recorder(Directory(name="N" * 100))
    long = hit(AT, camera="c" * 64, list_id="l" * 40, entry_id="nic:" + "9" * 60)
    rec.record([long], AT)
    summary, _ = feed.items[0]
    assert len(json.dumps(summary)) <= SUMMARY_MAX_BYTES
    assert summary["hit_id"] and summary["camera_id"] == "c" * 64
    feed_item("lpr-hits", "hit", summary["hit_id"], summary)  # the feed takes it


def test_ids_and_keys() -> None:
    assert hit_day(datetime(2026, 12, 1, 23, 0, tzinfo=UTC) + timedelta(hours=2)) == "2026-12-02"
    assert new_hit_id(hit(AT)) == new_hit_id(hit(AT))  # the same read and entry: the same hit
    assert new_hit_id(hit(AT)) != new_hit_id(hit(AT, entry_id="e2"))
    assert fold_key(hit(AT)) == "stolen#e1#src-1/cam-1#8RC1234"
