"""rtcc.lpr.ingest.ReadIngest over in-memory ports: authentication before anything is read,
refusals by item, registered readers, de-duplication, the order of writes (a read's own item
last, after its hits), reader times; nothing stored for a refused request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.errors import DomainError
from rtcc.lpr import sources as rules
from rtcc.lpr.ingest import IngestRules, NothingStored, ReadIngest, SourceGate
from rtcc.lpr.reads import ReadPayloadTooLarge
from rtcc.lpr.retention import policy
from rtcc.lpr.source_admin import SourceAdmin

from tests.unit.lpr.test_sources import Audit, FakeSealer, MemoryStore

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class MemoryReads:
    def __init__(self, log: list) -> None:
        self.items: dict = {}
        self.index: list = []
        self.log = log

    def stored(self, reads):
        return {(r.source_id, r.read_id) for r in reads if (r.source_id, r.read_id) in self.items}

    def put_index(self, reads):
        self.log.append("index")
        self.index.extend(reads)

    def put_reads(self, reads):
        self.log.append("reads")
        for read, ttl in reads:
            self.items[(read.source_id, read.read_id)] = (read, ttl)


class Matcher:
    def __init__(self, log: list, fail: bool = False) -> None:
        self.log, self.fail = log, fail

    def match_many(self, reads, now):
        self.log.append("match")
        if self.fail:
            raise RuntimeError("hotlists unavailable")
        return [["hit"] if r.plate == "HOT123" else [] for r in reads]


class Hits:
    def __init__(self, log: list) -> None:
        self.log = log

    def record(self, hits, now):
        self.log.append("hits")
        return [{"hit_id": str(i)} for i, _ in enumerate(hits)]


def setup(fail: bool = False, max_bytes: int = 100_000):
    store, sealer, log = MemoryStore(), FakeSealer(), []
    admin = SourceAdmin(store, sealer, timedelta(hours=1))
    issued = admin.create("s", "generic", "bearer", "root", NOW, Audit())
    sid = issued.source.source_id
    admin.add_reader(
        sid,
        {"camera_id": "gate", "name": "Gate", "kind": "fixed", "lat": 44.0, "lon": -123.0},
        "root",
        NOW,
        Audit(),
    )
    admin.add_reader(sid, {"camera_id": "car", "name": "Car 7", "kind": "mobile"}, "root", NOW, Audit())
    reads = MemoryReads(log)
    rules_ = IngestRules(retention=policy(), max_bytes=max_bytes, skew=timedelta(minutes=5))
    gate = SourceGate(store, sealer, rules_.skew)
    ingest = ReadIngest(gate, store, reads, rules_, Matcher(log, fail), Hits(log), clock=lambda: NOW)
    return ingest, admin, issued, reads, log


def read(read_id: str, plate: str = "ABC123", camera: str = "gate", **extra) -> dict:
    return {
        "read_id": read_id,
        "plate": plate,
        "camera_id": camera,
        "time": (NOW - timedelta(minutes=1)).isoformat(),
    } | extra


def post(ingest, token: str, items) -> object:
    return ingest.receive({"Authorization": f"Bearer {token}"}, json.dumps(items).encode())


def test_a_batch_is_stored_with_hits_before_the_reads_own_items() -> None:
    ingest, _, issued, reads, log = setup()
    result = post(ingest, issued.secret, [read("r1"), read("r2", "HOT123", "car", lat=44.1, lon=-123.1)])
    assert result.body() == {"accepted": 2, "duplicates": 0, "heartbeats": 0, "refused": []}
    assert result.hits == 1  # logged and counted, never told to the source
    assert log == ["index", "match", "hits", "reads"]
    gate_read = reads.items[(issued.source.source_id, "r1")][0]
    assert (gate_read.lat, gate_read.lon) == (44.0, -123.0)  # the fixed reader's position
    ttl = reads.items[(issued.source.source_id, "r1")][1]
    assert ttl == int((gate_read.seen_at + timedelta(days=30)).timestamp())
    touched = ingest.store.reader_rows[(issued.source.source_id, "gate")]
    assert touched.last_read_at == gate_read.seen_at and touched.last_heartbeat_at is None


def test_a_failed_match_leaves_no_read_item_so_a_redelivery_is_done_whole() -> None:
    ingest, _, issued, reads, log = setup(fail=True)
    with pytest.raises(RuntimeError):
        post(ingest, issued.secret, [read("r1")])
    assert reads.items == {} and log == ["index", "match"]
    ingest.matcher.fail = False
    assert post(ingest, issued.secret, [read("r1")]).accepted == 1


def test_a_redelivery_stores_nothing_new() -> None:
    ingest, _, issued, reads, log = setup()
    post(ingest, issued.secret, [read("r1")])
    log.clear()
    again = post(ingest, issued.secret, [read("r1"), read("r1")])
    assert (again.accepted, again.duplicates) == (0, 2) and log == []


def test_an_unregistered_camera_is_refused_by_item_and_the_rest_stored() -> None:
    ingest, _, issued, reads, _ = setup()
    result = post(ingest, issued.secret, [read("r1", camera="elsewhere"), read("r2"), {"plate": "X"}])
    assert result.accepted == 1
    refused = result.body()["refused"]
    reason = "not a registered reader of this source"
    assert refused[0] == {"index": 0, "field": "camera_id", "reason": reason}
    assert {r["index"] for r in refused} == {0, 2} and refused[-1]["index"] == 2


def test_nothing_storable_is_a_400_naming_the_field() -> None:
    ingest, _, issued, reads, log = setup()
    with pytest.raises(NothingStored) as caught:
        post(ingest, issued.secret, [read("r1", camera="elsewhere")])
    assert (
        caught.value.status == 400 and caught.value.field == "camera_id" and reads.items == {} and log == []
    )


@pytest.mark.parametrize("case", ["unknown", "wrong", "none", "disabled", "revoked"])
def test_a_refused_source_stores_nothing(case: str) -> None:
    ingest, admin, issued, reads, log = setup()
    sid = issued.source.source_id
    token = {
        "unknown": rules.bearer_token("src-000000000000", "a" * 43),
        "wrong": rules.bearer_token(sid, "a" * 43),
        "none": None,
    }.get(case, issued.secret)
    if case in ("disabled", "revoked"):
        admin.change_status(sid, case[:-1] if case == "disabled" else "revoke", NOW, Audit())
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with pytest.raises(DomainError) as caught:
        ingest.receive(headers, json.dumps([read("r1")]).encode())
    assert caught.value.status == (403 if case in ("disabled", "revoked") else 401)
    assert reads.items == {} and log == []


def test_an_oversized_body_is_413_before_authentication() -> None:
    ingest, _, _, reads, _ = setup(max_bytes=2048)
    with pytest.raises(ReadPayloadTooLarge):
        ingest.receive({}, b"[" + b" " * 2048 + b"]")
    assert reads.items == {}


def test_hmac_requests_open_the_key_once_per_sealed_value() -> None:
    ingest, admin, _, reads, _ = setup()
    issued = admin.create("h", "generic", "hmac", "root", NOW, Audit())
    sid = issued.source.source_id
    admin.add_reader(sid, {"camera_id": "gate", "name": "G", "kind": "mobile"}, "root", NOW, Audit())
    for n in range(2):
        body = json.dumps(read(f"h{n}")).encode()
        stamp = int(NOW.timestamp())
        headers = {
            "X-Rtcc-Source": sid,
            "X-Rtcc-Timestamp": str(stamp),
            "X-Rtcc-Signature": rules.signature(issued.secret, stamp, body),
        }
        assert ingest.receive(headers, body).accepted == 1
    assert ingest.gate.sealer.opened == 1
    stale = int((NOW - timedelta(minutes=6)).timestamp())
    body = json.dumps(read("h9")).encode()
    with pytest.raises(DomainError) as caught:
        ingest.receive(
            {
                "X-Rtcc-Source": sid,
                "X-Rtcc-Timestamp": str(stale),
                "X-Rtcc-Signature": rules.signature(issued.secret, stale, body),
            },
            body,
        )
    assert caught.value.status == 401


def test_a_bearer_token_does_not_pass_as_an_hmac_source() -> None:
    ingest, admin, _, _, _ = setup()
    issued = admin.create("h", "generic", "hmac", "root", NOW, Audit())
    with pytest.raises(DomainError) as caught:
        ingest.receive(
            {"Authorization": "Bearer " + rules.bearer_token(issued.source.source_id, issued.secret)}, b"{}"
        )
    assert caught.value.status == 401


def test_heartbeats_mark_registered_readers_only() -> None:
    ingest, _, issued, reads, _ = setup()
    stamp = int((NOW - timedelta(seconds=30)).timestamp() * 1000)
    beat = {
        "data_type": "heartbeat",
        "agent_uid": "agent",
        "timestamp": stamp,
        "video_streams": [
            {"camera_id": "gate", "is_streaming": True},
            {"camera_id": "nope", "is_streaming": True},
        ],
    }
    result = post(ingest, issued.secret, beat)
    assert result.heartbeats == 1 and result.accepted == 0
    assert ingest.store.reader_rows[(issued.source.source_id, "gate")].last_heartbeat_at == NOW - timedelta(
        seconds=30
    )
