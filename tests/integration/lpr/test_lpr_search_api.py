"""Purpose-bound search through the local stack (api under its deployed IAM): refused without
a purpose, with an unknown one, without a case number, or with nothing that bounds it (400
naming the field, nothing audited); by plate exact, OCR-equivalent and wildcard, by reader and
by area, each a key Query; audited before the results with who, purpose, case and query and
no results; counted per purpose; an item past its TTL and a read past retention never returned."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.audit import AuditLog
from rtcc.lpr.counts_dynamodb import DynamoCounts
from rtcc.lpr.model import Read
from rtcc.lpr.read_codec import read_to_json
from rtcc.lpr.reads_dynamodb import sort_time
from rtcc.lpr.search import index_keys
from rtcc.lpr.transparency import month_of
from rtcc.store.lpr_reads import LprReadRecord, index_partition

pytestmark = pytest.mark.integration


def store(read: Read, expires: datetime | None = None) -> None:
    """A read's index items as the ingest writes them (rtcc.lpr.reads_dynamodb)."""
    for index, key in index_keys(read):
        LprReadRecord(
            index_partition(index, key),
            f"{sort_time(read.seen_at)}#{read.source_id}#{read.read_id}",
            read=read_to_json(read),
            expires=expires or read.seen_at + timedelta(days=30),
        ).save()


def a_read(plate: str, ago: timedelta, **kw: Any) -> Read:
    read_id = "".join(random.choices(string.ascii_lowercase, k=10))
    fields = {"camera_id": "cam-" + read_id[:6], "lat": 10.0 + random.random(), "lon": 20.0 + random.random()}
    return Read("src-search", read_id, plate, datetime.now(UTC) - ago, state="OR", **{**fields, **kw})


def plate() -> str:
    return "WB3" + "".join(random.choices(string.digits, k=4))


def window(**body: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "purpose": "stolen vehicle",
        "case_number": "24-" + "".join(random.choices(string.digits, k=6)),
        "start": (now - timedelta(days=2)).isoformat(),
        "end": now.isoformat(),
        **body,
    }


def searches_audited() -> int:
    return sum(e.action == "lpr.search" for e in AuditLog().entries(newest_first=True, limit=500))


def test_purposes_and_refusals(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    searches_before = searches_audited()
    purposes = officer.get("/api/lpr/search/purposes")
    assert purposes.status_code == 200 and "stolen vehicle" in purposes.json()["purposes"]
    for body, field in (
        (window(purpose=None, plate="ABC123"), "purpose"),
        (window(purpose="curiosity", plate="ABC123"), "purpose"),
        (window(case_number=None, plate="ABC123"), "case_number"),
        (window(case_number="no spaces", plate="ABC123"), "case_number"),
        (window(), "plate"),  # nothing bounds it: never "all reads"
        (window(plate="A*"), "plate"),  # a wildcard needs 3 leading characters
        (window(plate="ABC123", mode="fuzzy"), "mode"),
        (window(plate="ABC123", start="yesterday"), "start"),
        (window(plate="ABC123", area=[1, 2, 3]), "area"),
    ):
        refused = officer.post("/api/lpr/search", json=body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["message"].startswith(f"{field}:"), refused.text
    assert api.post("/api/lpr/search", json=window(plate="ABC123")).status_code == 401
    assert searches_audited() == searches_before  # a refused search reads nothing, records nothing


def test_search_by_plate_reader_and_area_is_audited_first(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    text = plate()
    read = a_read(text, timedelta(hours=3))
    other = a_read(plate(), timedelta(hours=2), camera_id=read.camera_id)
    store(read), store(other)
    searches_before = DynamoCounts().months([month_of(datetime.now(UTC))])
    before = searches_before.get(month_of(datetime.now(UTC)))

    def found(**body: Any) -> set[str]:
        answer = officer.post("/api/lpr/search", json=window(**body))
        assert answer.status_code == 200, answer.text
        assert answer.json()["lookups"] >= 1
        return {r["read_id"] for r in answer.json()["reads"]}

    assert found(plate=text) == {read.read_id}
    assert found(plate=text.replace("B", "8"), mode="ocr-equivalent") == {read.read_id}
    assert found(plate=text.replace("B", "8")) == set()  # exact: an 8 is not a B
    assert found(plate=text[:5] + "*", mode="wildcard") == {read.read_id}
    assert found(reader_id=read.camera_id) == {read.read_id, other.read_id}
    box = [read.lat - 0.001, read.lon - 0.001, read.lat + 0.001, read.lon + 0.001]
    assert read.read_id in found(area=box)
    # Audited: who, why, which case, the query; never a result.
    body = window(plate=text)
    answer = officer.post("/api/lpr/search", json=body)
    (entry,) = [
        e for e in AuditLog().entries(newest_first=True, limit=100) if e.case_number == body["case_number"]
    ]
    assert entry.action == "lpr.search" and entry.purpose == "stolen vehicle" and entry.actor
    assert entry.detail["query"]["plate"] == text and entry.detail["query"]["mode"] == "exact"
    assert read.read_id not in str(entry.detail) and answer.json()["reads"]
    after = DynamoCounts().months([month_of(datetime.now(UTC))])[month_of(datetime.now(UTC))]
    assert after.searches["stolen vehicle"] >= (before.searches["stolen vehicle"] if before else 0) + 7


def test_expired_reads_are_never_returned(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    text = plate()
    live = a_read(text, timedelta(days=1))
    ttl_passed = a_read(text, timedelta(hours=5))  # its TTL has passed; DynamoDB has not deleted it yet
    store(live), store(ttl_passed, expires=datetime.now(UTC) - timedelta(minutes=1))
    past_retention = a_read(
        text, timedelta(days=30, hours=2)
    )  # written under a longer retention, still in the table
    store(past_retention, expires=datetime.now(UTC) + timedelta(days=30))
    start = datetime.now(UTC) - timedelta(days=30, hours=3)
    body = window(
        plate=text, start=start.isoformat(), end=(start + timedelta(days=30, hours=2, minutes=59)).isoformat()
    )
    answer = officer.post("/api/lpr/search", json=body)
    assert answer.status_code == 200, answer.text
    assert {r["read_id"] for r in answer.json()["reads"]} == {live.read_id}
    (got,) = answer.json()["reads"]
    assert got["plate"] == text and got["state"] == "OR" and got["camera_id"] == live.camera_id


def test_a_search_reading_too_many_items_stops_short(local_stack: Any, api: Any, monkeypatch: Any) -> None:
    import rtcc.lpr.search_dynamodb as search_dynamodb

    camera = "cam-" + "".join(random.choices(string.ascii_lowercase, k=8))
    for i in range(5):
        store(a_read(plate(), timedelta(hours=1, minutes=i), camera_id=camera))
    # A busy reader's days read through for a pattern none of them match: bounded, and said so.
    monkeypatch.setattr(search_dynamodb, "MAX_EXAMINED", 3, raising=False)
    answer = api.as_role("officer").post(
        "/api/lpr/search", json=window(reader_id=camera, plate="*QQQ9", mode="wildcard")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["reads"] == [] and answer.json()["truncated"] is True
