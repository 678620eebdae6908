"""Recording hits through the local stack, as lpr-ingest under its deployed IAM: two reads of
one car at one reader within the fold window make one hit (the second counted into it),
a read past the window raises again, two ingests racing on one car make one hit, each new
hit reaches the officers' live feed (GET /api/feed/lpr-hits), a hit on a feed+sms list is
queued for lpr-notify and one on a feed list is not, and the transparency counters count."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.local.iam.identity import acting_as
from rtcc.lpr.counts_dynamodb import DynamoCounts
from rtcc.lpr.hit_record import HitRecorder
from rtcc.lpr.model import Hit, HotlistEntry, MatchKind, Read
from rtcc.lpr.transparency import month_of
from rtcc.store.lpr_hits import LprHitRecord, day_partition
from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistRecord
from rtcc.store.lpr_sources import LprReaderRecord

pytestmark = pytest.mark.integration


def make_list(notify: str = "feed") -> str:
    list_id = "t" + secrets.token_hex(4)
    now = datetime.now(UTC).isoformat()
    LprHotlistRecord(LISTS_PARTITION, list_id, name=f"Stolen {list_id}", notify=notify, updated_at=now).save()
    return list_id


def make_reader() -> tuple[str, str]:
    source, camera = "src-" + secrets.token_hex(6), "cam-" + secrets.token_hex(3)
    now = datetime.now(UTC).isoformat()
    LprReaderRecord(
        source, camera, name="Main St eastbound", kind="fixed", registered_by="admin", registered_at=now
    ).save()
    return source, camera


def hit(list_id: str, reader: tuple[str, str], at: datetime, plate: str = "ABC1234") -> Hit:
    read = Read(
        source_id=reader[0], read_id=secrets.token_hex(6), plate=plate, seen_at=at, state="MA",
        camera_id=reader[1], lat=44.05, lon=-123.08,
    )  # fmt: skip
    entry = HotlistEntry(list_id, "e1", "ABC1234", state="MA", reason="stolen", case_number="24-1001")
    return Hit(read, entry, MatchKind.EXACT, plate, True)


def record(hits: list[Hit], now: datetime | None = None) -> list[dict[str, Any]]:
    with acting_as("lpr-ingest"):
        return HitRecorder().record(hits, now or datetime.now(UTC))


def stored(result: dict[str, Any]) -> LprHitRecord:
    return LprHitRecord.get(day_partition(result["day"]), result["hit_id"], consistent_read=True)


def test_two_reads_within_the_window_fold_into_one_hit(local_stack: Any) -> None:
    list_id, reader = make_list(), make_reader()
    first_at = datetime.now(UTC) - timedelta(minutes=20)
    first, second = record(
        [hit(list_id, reader, first_at), hit(list_id, reader, first_at + timedelta(seconds=120))]
    )
    assert first["folded"] is False and second["folded"] is True
    assert second["hit_id"] == first["hit_id"] and second["reads"] == 2
    record_ = stored(first)
    assert record_.reads == 2 and record_.list_id == list_id
    # A read before the raised one (delivered late) within the window folds too.
    (early,) = record([hit(list_id, reader, first_at - timedelta(seconds=30))])
    assert early["hit_id"] == first["hit_id"] and early["reads"] == 3
    # The window is fixed from the raised hit: 300 s after it, the car raises again.
    (later,) = record([hit(list_id, reader, first_at + timedelta(seconds=300))])
    assert later["folded"] is False and later["hit_id"] != first["hit_id"]
    # Another reader, the same car: a hit of its own.
    (elsewhere,) = record([hit(list_id, make_reader(), first_at + timedelta(seconds=10))])
    assert elsewhere["folded"] is False


def test_a_redelivered_read_names_the_same_hit_once(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    cursor = officer.get("/api/feed/lpr-hits").json()["cursor"]
    list_id, reader = make_list(), make_reader()
    same = hit(list_id, reader, datetime.now(UTC) - timedelta(seconds=40))
    (first,) = record([same])
    (again,) = record([same])  # the ingest failed after the hit and the vendor sent it again
    assert again["hit_id"] == first["hit_id"] and again["folded"] is False
    assert stored(first).reads == 1
    # Published again (the first attempt may have failed before it): the console keys its
    # cards by hit id, so a repeat replaces the card, never adds one.
    items = officer.get("/api/feed/lpr-hits", params={"after": cursor}).json()["items"]
    assert 1 <= [i["ref"] for i in items].count(first["hit_id"]) <= 2


def test_a_fold_item_lasts_no_longer_than_it_must(local_stack: Any) -> None:
    from rtcc.lpr.hits_dynamodb import DynamoFolds
    from rtcc.store.lpr_hits import LprFoldRecord

    at, window = datetime.now(UTC), timedelta(seconds=300)
    with acting_as("lpr-ingest"):
        DynamoFolds(timedelta(days=30)).claim("t#e#c#LONG1", "2026-12-02", "H1", at, window)
        DynamoFolds(timedelta(minutes=3)).claim("t#e#c#SHORT1", "2026-12-02", "H2", at, window)
    kept = LprFoldRecord.get("t#e#c#LONG1").expires - at
    short = LprFoldRecord.get("t#e#c#SHORT1").expires - at
    assert timedelta(days=1) < kept < timedelta(days=1, minutes=6)  # a day at most, whatever the retention
    assert (
        window - timedelta(seconds=1) <= short < window + timedelta(seconds=30)
    )  # NH's 3 minutes: the window, not a day


def test_racing_ingests_make_one_hit(local_stack: Any) -> None:
    list_id, reader = make_list(), make_reader()
    at = datetime.now(UTC) - timedelta(minutes=5)
    results: list[dict[str, Any]] = []

    def one(offset: int) -> None:
        results.extend(record([hit(list_id, reader, at + timedelta(seconds=offset))]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r["hit_id"] for r in results}) == 1
    assert sum(not r["folded"] for r in results) == 1
    assert stored(results[0]).reads == 4


def test_a_new_hit_reaches_the_officers_feed_without_the_plate(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    cursor = officer.get("/api/feed/lpr-hits").json()["cursor"]
    list_id, reader = make_list(), make_reader()
    (new,) = record([hit(list_id, reader, datetime.now(UTC) - timedelta(seconds=5))])
    items = officer.get("/api/feed/lpr-hits", params={"after": cursor}).json()["items"]
    (item,) = [i for i in items if i["ref"] == new["hit_id"]]
    summary = item["summary"]
    assert item["kind"] == "hit"
    assert summary["list_name"] == f"Stolen {list_id}" and summary["reader_name"] == "Main St eastbound"
    assert summary["kind"] == "exact" and summary["state_agrees"] is True and summary["reads"] == 1
    assert "ABC1234" not in str(item) and "lat" not in summary  # the hit's route has those
    # A fold is not news: no second item.
    record([hit(list_id, reader, datetime.now(UTC) - timedelta(seconds=4))])
    items = officer.get("/api/feed/lpr-hits", params={"after": cursor}).json()["items"]
    assert [i["ref"] for i in items].count(new["hit_id"]) == 1


def test_hits_are_counted_for_transparency(local_stack: Any) -> None:
    at = datetime.now(UTC) - timedelta(seconds=30)
    month = month_of(at)

    def hits() -> int:
        counts = DynamoCounts().months([month]).get(month)
        return counts.hits if counts else 0

    before = hits()
    list_id, reader = make_list(), make_reader()
    record([hit(list_id, reader, at), hit(list_id, reader, at + timedelta(seconds=1))])
    assert hits() == before + 1  # the fold is no new hit
    with acting_as("lpr-ingest"):
        DynamoCounts().reads([hit(list_id, reader, at).read, hit(list_id, reader, at).read])
    counts = DynamoCounts().months([month])[month]
    assert counts.hits >= 1 and counts.reads >= 2 and reader[1] in counts.readers


def test_a_fold_item_naming_a_hit_never_stored_is_taken_over(local_stack: Any) -> None:
    from rtcc.lpr.hit_record import fold_key, hit_day
    from rtcc.lpr.hits_dynamodb import DynamoFolds

    list_id, reader = make_list(), make_reader()
    at = datetime.now(UTC) - timedelta(seconds=20)
    lost = hit(list_id, reader, at)
    # Its raiser claimed the fold, then failed before storing the hit, and was never resent.
    with acting_as("lpr-ingest"):
        DynamoFolds(timedelta(days=30)).claim(
            fold_key(lost), hit_day(at), "H20200101T000000000Z-deadbeef", at, timedelta(seconds=300)
        )
    # The car seen again: a hit the officers see, not a failed ingest for the rest of the window.
    (later,) = record([hit(list_id, reader, at + timedelta(seconds=10))])
    assert later["folded"] is False and stored(later).reads == 1
    (again,) = record([hit(list_id, reader, at + timedelta(seconds=15))])
    assert again["folded"] is True and again["hit_id"] == later["hit_id"]


def test_two_sources_cameras_of_one_id_are_two_readers(local_stack: Any) -> None:
    list_id, (first_source, camera) = make_list(), make_reader()
    second_source = "src-" + secrets.token_hex(6)
    now = datetime.now(UTC).isoformat()
    LprReaderRecord(
        second_source, camera, name="Harbor Rd", kind="fixed", registered_by="admin", registered_at=now
    ).save()
    at = datetime.now(UTC) - timedelta(seconds=30)
    # The same camera id at two vendors' sources (OpenALPR numbers its cameras): two places,
    # so the car seen at the second a minute later is a hit of its own, not a fold.
    (here,) = record([hit(list_id, (first_source, camera), at)])
    (there,) = record([hit(list_id, (second_source, camera), at + timedelta(seconds=20))])
    assert here["folded"] is False and there["folded"] is False and here["hit_id"] != there["hit_id"]
