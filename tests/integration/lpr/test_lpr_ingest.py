"""POST /ingest/lpr/reads through the local gateway into lpr-ingest under its deployed IAM:
bearer and HMAC sources accepted; unknown, wrong, stale, disabled and revoked ones refused
with nothing stored; rotation's overlap; a batch with a bad item; an oversized body; a
duplicate delivery; heartbeats; the real OpenALPR capture (byte-order mark included)."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from rtcc.lpr.read_codec import read_from_json
from rtcc.lpr.search import index_keys
from rtcc.settings import reload_settings
from rtcc.store.lpr_reads import READ_ITEM, LprReadRecord, index_partition, read_key

from tests.integration.lpr.ingest_helpers import generic_read, new_source, post_bearer, post_signed, stored

pytestmark = pytest.mark.integration

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference-data" / "lpr"


def test_a_bearer_source_posts_a_read_stored_once_under_its_search_keys(local_stack: Any, api: Any) -> None:
    made = new_source(api)
    sid = made["source"]["source_id"]
    read = generic_read(state="OR", candidates=[{"plate": "TST12B", "confidence": 40}])
    r = post_bearer(local_stack, made["secret"], read)
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 1, "duplicates": 0, "heartbeats": 0, "refused": []}
    item = LprReadRecord.get(read_key(sid, read["read_id"]), READ_ITEM)
    stored_read = read_from_json(item.read)
    assert (stored_read.plate, stored_read.lat, stored_read.lon) == (
        "TST123",
        44.05,
        -123.09,
    )  # fixed reader's spot
    again = post_bearer(local_stack, made["secret"], [read, read])
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 2
    keys = index_keys(stored_read)
    assert {index for index, _ in keys} == {"plate", "ocr", "prefix", "reader", "cell"}
    for index, key in keys:  # one item per search key, even after the redelivery
        rows = [
            x
            for x in LprReadRecord.query(index_partition(index, key))
            if x.sk.endswith(f"#{sid}#{read['read_id']}")
        ]
        assert len(rows) == 1 and rows[0].expires == item.expires
    sources = api.as_role("admin").get("/api/lpr/sources").json()["sources"]
    [gate] = next(s for s in sources if s["source_id"] == sid)["readers"]
    assert gate["last_read_at"] is not None and gate["last_heartbeat_at"] is None


def test_an_hmac_source_posts_signed_reads_and_stale_or_wrong_signatures_are_401(
    local_stack: Any, api: Any
) -> None:
    made = new_source(api, auth="hmac")
    sid, key = made["source"]["source_id"], made["secret"]
    ok = generic_read()
    r = post_signed(local_stack, sid, key, ok)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    for bad in (
        post_signed(local_stack, sid, key, (stale := generic_read()), at=time.time() - 600),
        post_signed(local_stack, sid, key, (wrong := generic_read()), sign_with="x" * 43),
    ):
        assert bad.status_code == 401 and bad.json()["field"] == "Authorization"
    assert (
        stored(sid, ok["read_id"]) and not stored(sid, stale["read_id"]) and not stored(sid, wrong["read_id"])
    )
    # The HMAC key is no bearer token.
    assert post_bearer(local_stack, f"rtcc_lpr.{sid}.{key}", generic_read()).status_code == 401


def test_unknown_missing_and_wrong_credentials_are_401_and_store_nothing(local_stack: Any, api: Any) -> None:
    made = new_source(api)
    sid = made["source"]["source_id"]
    attempts = {
        None: generic_read(),
        "rtcc_lpr.src-000000000000." + "a" * 43: generic_read(),
        f"rtcc_lpr.{sid}." + "a" * 43: generic_read(),
        "garbage": generic_read(),
    }
    answers = [post_bearer(local_stack, token, read) for token, read in attempts.items()]
    assert [a.status_code for a in answers] == [401] * 4
    assert len({a.json()["error"] for a in answers}) == 1  # the same answer whatever the cause
    assert not any(stored(sid, read["read_id"]) for read in attempts.values())


def test_disabled_and_revoked_sources_are_403_and_store_nothing(local_stack: Any, api: Any) -> None:
    made = new_source(api)
    sid, admin = made["source"]["source_id"], api.as_role("admin")
    assert admin.post(f"/api/lpr/sources/{sid}/disable").json()["source"]["status"] == "disabled"
    refused = post_bearer(local_stack, made["secret"], read := generic_read())
    assert refused.status_code == 403 and not stored(sid, read["read_id"])
    assert admin.post(f"/api/lpr/sources/{sid}/enable").status_code == 200
    assert post_bearer(local_stack, made["secret"], generic_read()).status_code == 200
    assert admin.post(f"/api/lpr/sources/{sid}/revoke").json()["source"]["status"] == "revoked"
    refused = post_bearer(local_stack, made["secret"], read := generic_read())
    assert (
        refused.status_code == 403
        and "revoked" in refused.json()["error"]
        and not stored(sid, read["read_id"])
    )
    assert admin.post(f"/api/lpr/sources/{sid}/enable").status_code == 409  # final


@pytest.fixture
def short_overlap() -> Any:
    os.environ["RTCC_LPR_ROTATION_OVERLAP_HOURS"] = str(4 / 3600)  # 4 seconds
    reload_settings()
    yield 4.0
    os.environ.pop("RTCC_LPR_ROTATION_OVERLAP_HOURS")
    reload_settings()


@pytest.mark.parametrize("auth", ["bearer", "hmac"])
def test_after_a_rotation_the_old_secret_works_until_the_overlap_ends(
    local_stack: Any, api: Any, short_overlap: float, auth: str
) -> None:
    made = new_source(api, auth=auth)
    sid = made["source"]["source_id"]
    rotated = api.as_role("admin").post(f"/api/lpr/sources/{sid}/rotate")
    assert rotated.status_code == 200 and rotated.json()["previous_valid_until"]
    old, new = made["secret"], rotated.json()["secret"]
    assert old != new

    def post(secret: str) -> int:
        if auth == "bearer":
            return post_bearer(local_stack, secret, generic_read()).status_code
        return post_signed(local_stack, sid, secret, generic_read()).status_code

    assert (post(old), post(new)) == (200, 200)
    time.sleep(short_overlap + 0.5)
    assert (post(old), post(new)) == (401, 200)


def test_a_batch_with_bad_items_stores_the_rest_and_lists_each_refusal(local_stack: Any, api: Any) -> None:
    made = new_source(api)
    sid = made["source"]["source_id"]
    good, unknown_reader, bad_plate = generic_read(), generic_read("elsewhere"), generic_read(plate="AB!12")
    r = post_bearer(local_stack, made["secret"], [good, unknown_reader, bad_plate, 7])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1 and stored(sid, good["read_id"])
    assert [(x["index"], x["field"]) for x in body["refused"]] == [
        (1, "camera_id"),
        (2, "plate"),
        (3, "item"),
    ]
    assert not stored(sid, unknown_reader["read_id"]) and not stored(sid, bad_plate["read_id"])
    # Nothing storable at all: 400 naming the field, the refusals listed.
    nothing = post_bearer(local_stack, made["secret"], [generic_read("elsewhere")])
    assert (
        nothing.status_code == 400
        and nothing.json()["field"] == "camera_id"
        and len(nothing.json()["refused"]) == 1
    )
    malformed = post_bearer(local_stack, made["secret"], None, raw=b'{"read_id": ')
    assert malformed.status_code == 400 and malformed.json()["field"] == "body"


@pytest.fixture
def small_limit() -> Any:
    os.environ["RTCC_LPR_MAX_READ_BYTES"] = "2048"
    reload_settings()
    yield 2048
    os.environ.pop("RTCC_LPR_MAX_READ_BYTES")
    reload_settings()


def test_an_oversized_body_is_413_and_stores_nothing(local_stack: Any, api: Any, small_limit: int) -> None:
    made = new_source(api)
    sid = made["source"]["source_id"]
    reads = [generic_read() for _ in range(30)]
    assert len(json.dumps(reads)) > small_limit
    r = post_bearer(local_stack, made["secret"], reads)
    assert r.status_code == 413 and r.json()["field"] == "body"
    assert not any(stored(sid, read["read_id"]) for read in reads)
    # Also unauthenticated: the size is refused before anything else is read.
    assert post_bearer(local_stack, None, reads).status_code == 413


def test_a_heartbeat_marks_the_reader_alive(local_stack: Any, api: Any) -> None:
    made = new_source(api, vendor="openalpr", readers=("1001",))
    sid = made["source"]["source_id"]
    beat = {
        "data_type": "heartbeat",
        "agent_uid": "agent-1",
        "timestamp": int(time.time() * 1000) - 1000,
        "video_streams": [{"camera_id": 1001, "is_streaming": True}],
    }
    r = post_bearer(local_stack, made["secret"], beat)
    assert r.status_code == 200 and r.json()["heartbeats"] == 1, r.text
    sources = api.as_role("admin").get("/api/lpr/sources").json()["sources"]
    [reader] = next(s for s in sources if s["source_id"] == sid)["readers"]
    assert reader["last_heartbeat_at"] is not None and reader["last_read_at"] is None


def test_the_real_openalpr_capture_with_its_byte_order_mark_is_stored(local_stack: Any, api: Any) -> None:
    capture = REFERENCE / "openalpr_alpr_group_TestWebhook.json"
    if not capture.exists():
        pytest.skip(f"reference capture not present: {capture}")
    raw = capture.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    # Its times moved to now (a 2020 read is past any retention); every other byte as captured.
    now_ms = str(int(time.time() * 1000) - 5000).encode()
    raw = raw.replace(b"1609433731402", now_ms).replace(b"1609433731667", now_ms)
    document = json.loads(raw.decode("utf-8-sig"))
    made = new_source(api, vendor="openalpr", readers=(str(document["camera_id"]),))
    sid = made["source"]["source_id"]
    r = post_bearer(local_stack, made["secret"], None, raw=raw)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1 and r.json()["refused"] == []
    item = LprReadRecord.get(read_key(sid, document["best_uuid"]), READ_ITEM)
    read = read_from_json(item.read)
    assert (read.plate, read.state, read.vendor, read.camera_id) == ("A424761", "IN", "openalpr", "106232737")
    assert "vehicle_crop_jpeg" not in item.read and "jpeg" not in item.read  # no image kept


def test_a_read_of_a_listed_plate_is_a_hit_on_the_officers_feed_and_a_redelivery_adds_none(
    local_stack: Any, api: Any
) -> None:
    from tests.integration.lpr.hotlist_helpers import import_file, new_list

    plate = "W1" + uuid.uuid4().hex[:5].upper().replace("0", "X").replace("O", "Y")
    list_id = new_list()
    assert (
        import_file(list_id, f"PlateNumber;PlateState;Category\r\n{plate};OR;Stolen\r\n".encode())["added"]
        == 1
    )
    made = new_source(api)
    officer = api.as_role("officer")
    cursor = officer.get("/api/feed/lpr-hits").json()["cursor"]
    read = generic_read(plate=plate, state="OR")
    r = post_bearer(local_stack, made["secret"], read)
    # The source is not told it hit (it could probe the hotlists with made-up plates).
    assert r.status_code == 200 and "hits" not in r.json(), r.text
    items = officer.get("/api/feed/lpr-hits", params={"after": cursor}).json()["items"]
    [item] = [i for i in items if i["summary"]["list_id"] == list_id]
    # The feed names no plate (rtcc.lpr.hit_record.feed_summary); the hit's route has it.
    assert "plate" not in item["summary"] and item["summary"]["camera_id"] == "gate"
    assert officer.get(f"/api/lpr/hits/{item['ref']}").json()["hit"]["plate"] == plate
    again = post_bearer(local_stack, made["secret"], read)
    assert again.json()["duplicates"] == 1
    items = officer.get("/api/feed/lpr-hits", params={"after": cursor}).json()["items"]
    assert len([i for i in items if i["summary"]["list_id"] == list_id]) == 1


def _refusals(reason: str, minutes: list[str]) -> int:
    from rtcc.store.refusals import RefusalCountRecord

    keys = [("lpr-ingest", f"{m}#{reason}") for m in minutes]
    return sum(int(r.count or 0) for r in RefusalCountRecord.batch_get(keys))


def test_refusals_at_the_door_are_counted_for_the_minutes_audit_summary(local_stack: Any, api: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from rtcc.refusals import DOORS, minute_of

    assert DOORS["lpr-ingest"] == ("unauthenticated", "forbidden", "too_large")
    now = datetime.now(UTC)
    minutes = [minute_of(now + timedelta(minutes=k)) for k in (0, 1)]
    before = {r: _refusals(r, minutes) for r in DOORS["lpr-ingest"]}
    made = new_source(api)
    for _ in range(3):
        assert (
            post_bearer(local_stack, "rtcc_lpr.src-000000000000." + "a" * 43, generic_read()).status_code
            == 401
        )
    api.as_role("admin").post(f"/api/lpr/sources/{made['source']['source_id']}/disable")
    assert post_bearer(local_stack, made["secret"], generic_read()).status_code == 403
    after = {r: _refusals(r, minutes) for r in DOORS["lpr-ingest"]}
    assert after["unauthenticated"] - before["unauthenticated"] >= 3
    assert after["forbidden"] - before["forbidden"] >= 1
