"""A read's whole path through the local stack, every function under its deployed IAM: an
admin registers a source and a reader, a supervisor enters a BOLO on a feed+sms list, the
source posts a read whose plate is an OCR look-alike of the entry's; the hit is stored and
listed, appears on the officers' live feed, the watch desk is texted (no plate), a second
read of the same car folds into the hit, the officer rejects it, and an investigator's
search finds the read as lpr-ingest wrote it (the sort-key range of rtcc.lpr.search_dynamodb
matches rtcc.lpr.reads_dynamodb's keys)."""

from __future__ import annotations

import json
import os
import random
import string
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from rtcc.settings import reload_settings

pytestmark = pytest.mark.integration


def wait_for(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.5)
    return value


@pytest.fixture
def desk(local_stack: Any) -> Iterator[str]:
    number = "+1541555" + "".join(random.choices(string.digits, k=4))
    os.environ["RTCC_LPR_HIT_TEXT_TO"] = number
    reload_settings()
    try:
        yield number
    finally:
        os.environ.pop("RTCC_LPR_HIT_TEXT_TO", None)
        reload_settings()


def source_with_reader(api: Any) -> tuple[str, str]:
    admin = api.as_role("admin")
    created = admin.post(
        "/api/lpr/sources", json={"name": "Main St agent", "vendor": "generic", "auth": "bearer"}
    )
    assert created.status_code == 201, created.text
    source_id, token = created.json()["source"]["source_id"], created.json()["secret"]
    reader = {
        "camera_id": "main-east",
        "name": "Main St eastbound",
        "kind": "fixed",
        "lat": 44.05,
        "lon": -123.09,
    }
    assert admin.post(f"/api/lpr/sources/{source_id}/readers", json=reader).status_code == 201
    return source_id, token


def bolo(api: Any, plate: str) -> str:
    supervisor = api.as_role("supervisor")
    list_id = "e2e" + uuid.uuid4().hex[:8]
    body = {"list_id": list_id, "name": "Stolen (e2e)", "priority": 10, "notify": "feed+sms"}
    assert supervisor.post("/api/lpr/hotlists", json=body).status_code == 201
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    entry = {
        "plate": plate,
        "state": "OR",
        "reason": "stolen vehicle",
        "case_number": "24-5150",
        "expires_at": expires,
    }
    added = supervisor.post(f"/api/lpr/hotlists/{list_id}/entries", json=entry)
    assert added.status_code == 201, added.text
    import_id = added.json()["import"]["import_id"]

    def done() -> bool:
        state = supervisor.get(f"/api/lpr/hotlists/imports/{import_id}").json()["import"]["state"]
        assert state != "failed"
        return state == "done"

    wait_for(done)
    return list_id


def post_read(local_stack: Any, token: str, plate: str, seen: datetime) -> dict:
    read = {"read_id": uuid.uuid4().hex, "plate": plate, "state": "OR", "camera_id": "main-east",
            "time": seen.isoformat()}  # fmt: skip
    answer = requests.post(
        local_stack.base_url + "/ingest/lpr/reads",
        data=json.dumps(read),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json() | {"read_id": read["read_id"]}


def test_a_read_becomes_a_hit_the_officer_sees_and_decides(local_stack: Any, api: Any, desk: str) -> None:
    officer = api.as_role("officer")
    digits = "".join(random.choices(string.digits, k=4))
    entered, seen_as = f"B8R{digits}", f"88R{digits}"  # the camera read the B as an 8
    source_id, token = source_with_reader(api)
    list_id = bolo(api, entered)
    cursor = officer.get("/api/feed/lpr-hits").json()["cursor"]
    seen = datetime.now(UTC) - timedelta(seconds=90)
    posted = post_read(local_stack, token, seen_as, seen)
    assert posted["accepted"] == 1 and "hits" not in posted, posted

    def listed() -> list[dict]:
        day = seen.strftime("%Y-%m-%d")
        return [
            h
            for h in officer.get("/api/lpr/hits", params={"day": day}).json()["hits"]
            if h["list_id"] == list_id
        ]

    (hit,) = wait_for(listed)
    assert hit["kind"] == "ocr-equivalent" and hit["plate"] == seen_as and hit["entry"]["plate"] == entered
    assert hit["reader_name"] == "Main St eastbound" and hit["list_name"] == "Stolen (e2e)"
    items = officer.get("/api/feed/lpr-hits", params={"after": cursor}).json()["items"]
    assert [i["ref"] for i in items].count(hit["hit_id"]) == 1
    (text,) = wait_for(
        lambda: requests.get(local_stack.base_url + "/dev/outbox", params={"to": desk}, timeout=30).json()[
            "messages"
        ]
    )
    assert hit["hit_id"] in text["body"] and seen_as not in text["body"] and entered not in text["body"]
    # The same car half a minute later: folded, not a second hit.
    again = post_read(local_stack, token, seen_as, seen + timedelta(seconds=30))
    assert again["accepted"] == 1
    (hit,) = listed()
    assert hit["reads"] == 2
    rejected = officer.post(
        f"/api/lpr/hits/{hit['hit_id']}/verdict",
        json={"verdict": "reject", "reason": "misread", "revision": 0},
    )
    assert rejected.status_code == 200 and rejected.json()["hit"]["verification"]["reason"] == "misread"
    # The investigator's search reads what lpr-ingest wrote, by key.
    now = datetime.now(UTC)
    search = {"purpose": "stolen vehicle", "case_number": "24-5150", "plate": seen_as,
              "start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}  # fmt: skip
    found = officer.post("/api/lpr/search", json=search)
    assert found.status_code == 200, found.text
    assert {r["read_id"] for r in found.json()["reads"]} == {posted["read_id"], again["read_id"]}
    assert {r["source_id"] for r in found.json()["reads"]} == {source_id}
    by_reader = officer.post("/api/lpr/search", json={**search, "plate": None, "reader_id": "main-east"})
    assert posted["read_id"] in {r["read_id"] for r in by_reader.json()["reads"]}
