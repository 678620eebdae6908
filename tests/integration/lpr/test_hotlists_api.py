"""The hotlist routes and lpr-import end to end on the local stack (every function under
its deployed IAM): lists, a file uploaded with the presigned form and imported by the
queue consumer with progress and a summary, rejected rows with line numbers, Latin-1 and
BOM files, the size limit, BOLO entries (wildcard, matched by key), and refusals."""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from rtcc.local.iam.identity import acting_as
from rtcc.lpr.keyed_hotlists import KeyedHotlists
from rtcc.lpr.model import MatchKind
from rtcc.settings import reload_settings

from tests.integration.lpr.hotlist_helpers import plate_read
from tests.reference import reference_path

pytestmark = pytest.mark.integration
BASE = "/api/lpr/hotlists"


def field_of(response: requests.Response) -> str:
    """The field an error names: the API answers {"message": "<field>: <problem>"}."""
    return response.json()["message"].split(":", 1)[0]


def create_list(api: Any, **extra: Any) -> str:
    list_id = "l" + uuid.uuid4().hex[:12]
    r = api.as_role("supervisor").post(BASE, json={"list_id": list_id, "name": f"List {list_id}", **extra})
    assert r.status_code == 201, r.text
    return list_id


def wait_done(api: Any, import_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = api.as_role("officer").get(f"{BASE}/imports/{import_id}").json()["import"]
        if found["state"] in ("done", "failed"):
            return found
        time.sleep(0.5)
    raise AssertionError(f"import {import_id} still {found['state']}")


def upload(api: Any, list_id: str, data: bytes, fmt: str = "autovu", declared: int | None = None) -> dict:
    sup = api.as_role("supervisor")
    r = sup.post(
        f"{BASE}/{list_id}/imports",
        json={"format": fmt, "filename": "list.txt", "bytes": declared or len(data)},
    )
    assert r.status_code == 201, r.text
    form = r.json()["upload"]
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("list.txt", data)}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    import_id = r.json()["import_id"]
    started = sup.post(f"{BASE}/imports/{import_id}/start")
    assert started.status_code == 202 and started.json()["import"]["state"] in ("queued", "running", "done")
    assert sup.post(f"{BASE}/imports/{import_id}/start").status_code == 409  # once
    return wait_done(api, import_id)


def matches(*reads) -> tuple[list, KeyedHotlists]:
    matcher = KeyedHotlists()
    with acting_as("lpr-ingest"):
        return matcher.match_many(list(reads), datetime.now(UTC)), matcher


def test_lists_are_created_by_supervisors_once_and_seen_by_officers(local_stack: Any, api: Any) -> None:
    list_id = create_list(api, priority=5, notify="feed+sms")
    again = api.as_role("supervisor").post(BASE, json={"list_id": list_id, "name": "x"})
    assert again.status_code == 409 and field_of(again) == "list_id"
    assert api.as_role("officer").post(BASE, json={"list_id": "zz-other", "name": "x"}).status_code == 403
    bad = api.as_role("supervisor").post(BASE, json={"list_id": "Not A Slug", "name": "x"})
    assert bad.status_code in (400, 422) and "list_id" in bad.text
    [mine] = [h for h in api.as_role("officer").get(BASE).json()["hotlists"] if h["list_id"] == list_id]
    assert (mine["priority"], mine["notify"], mine["version"], mine["entries"]) == (5, "feed+sms", 0, 0)


def test_a_generated_file_imports_with_progress_rejected_rows_and_a_diff_on_reimport(
    local_stack: Any, api: Any
) -> None:
    list_id = create_list(api, priority=10)
    rows = ["PlateNumber;PlateState;Category"] + [f"G{n:05d};MA;Stolen" for n in range(12_000)]
    rows[7] = "BAD PLATE!;MA;x"
    rows[9] = "G00100;ZZ;x"  # an unknown state
    done = upload(api, list_id, ("\r\n".join(rows) + "\r\n").encode())
    assert done["state"] == "done" and done["bytes_read"] == done["bytes_total"] > 0
    s = done["summary"]
    assert (s["version"], s["added"], s["rejected"]) == (1, 11_998, 2)
    assert [r["line"] for r in s["rejected_rows"]] == [8, 10]
    assert "BAD" not in str(s["rejected_rows"])  # reasons never quote the plate
    again = upload(api, list_id, ("\r\n".join(rows[:6000]) + "\r\nNEW001;NH;x\r\n").encode())["summary"]
    assert {k: again[k] for k in ("version", "added", "removed", "unchanged")} == {
        "version": 2,
        "added": 1,
        "removed": 6001,
        "unchanged": 5997,
    }
    hits = matches(plate_read("G00005"), plate_read("G07000"), plate_read("NEW0O1"))[0]
    assert len(hits[0]) == 1 and hits[1] == [] and hits[2][0].kind == MatchKind.OCR_EQUIVALENT
    [head] = [h for h in api.as_role("officer").get(BASE).json()["hotlists"] if h["list_id"] == list_id]
    assert (head["version"], head["entries"], head["importing"]) == (2, 5998, None)


def test_latin1_and_bom_files(local_stack: Any, api: Any) -> None:
    list_id = create_list(api)
    latin = "PlateNumber;PlateState;Category\r\nLAT111;QC;Volé à Montréal\r\n".encode("latin-1")
    assert upload(api, list_id, latin)["summary"]["added"] == 1
    bom = "\ufeffPlateNumber;PlateState;Category\r\nBOM222;QC;Volé\r\n".encode()
    s = upload(api, list_id, bom)["summary"]
    assert (s["added"], s["removed"], s["rejected"]) == (1, 1, 0)
    [[hit]] = matches(plate_read("BOM222"))[0]
    assert hit.entry.reason == "Volé"


def test_the_documented_autovu_entries_import(local_stack: Any, api: Any) -> None:
    doc = reference_path("hotlists", "genetec_autovu_hotlist_doc_excerpts.md").read_text()
    valid = re.search(r"for example, (\S+) and (\S+) are both valid entries", doc)
    wildcard = re.search(r"contains the license plate entry (\S+):", doc)
    assert valid and wildcard
    list_id = create_list(api)
    s = upload(api, list_id, f"{valid[1]}\n{valid[2]}\n{wildcard[1]};\n".encode())["summary"]
    assert (s["added"], s["rejected"]) == (3, 0)
    hits = matches(plate_read("A8C123", state="CA"))[0][0]
    assert {(h.entry.entry_id, h.kind) for h in hits if h.entry.list_id == list_id} == {
        ("ABC123:", MatchKind.OCR_EQUIVALENT),
        ("ABC123:CA", MatchKind.OCR_EQUIVALENT),
    }


def test_an_oversized_file_is_refused_and_nothing_imported(local_stack: Any, api: Any, monkeypatch) -> None:
    list_id = create_list(api)
    monkeypatch.setenv("RTCC_LPR_MAX_HOTLIST_BYTES", "2048")
    reload_settings()
    try:
        r = api.as_role("supervisor").post(
            f"{BASE}/{list_id}/imports", json={"format": "autovu", "filename": "big.txt", "bytes": 4096}
        )
        assert r.status_code == 413 and field_of(r) == "bytes"
        # A file bigger than it said (S3 enforces the form's range when deployed; the
        # emulator does not): the import refuses it before reading it.
        failed = upload(api, list_id, b"BIG123;MA\r\n" * 400, declared=1000)
    finally:
        monkeypatch.delenv("RTCC_LPR_MAX_HOTLIST_BYTES")
        reload_settings()
    assert failed["state"] == "failed" and "limit" in failed["error"] and failed["summary"] is None
    [head] = [h for h in api.as_role("officer").get(BASE).json()["hotlists"] if h["list_id"] == list_id]
    assert (head["version"], head["importing"]) == (0, None)


def test_a_bolo_with_wildcards_matches_by_key_and_is_withdrawn(local_stack: Any, api: Any) -> None:
    list_id = create_list(api, priority=1)
    sup = api.as_role("supervisor")
    expires = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    bolo = {
        "plate": "7K*Q9",
        "reason": "Armed robbery suspect",
        "case_number": "24-1234",
        "expires_at": expires,
    }
    missing = sup.post(f"{BASE}/{list_id}/entries", json={**bolo, "case_number": ""})
    assert missing.status_code == 422 and field_of(missing) == "case_number"
    far = sup.post(f"{BASE}/{list_id}/entries", json={**bolo, "expires_at": "2099-01-01T00:00:00+00:00"})
    assert far.status_code == 422 and field_of(far) == "expires_at"
    assert api.as_role("officer").post(f"{BASE}/{list_id}/entries", json=bolo).status_code == 403
    r = sup.post(f"{BASE}/{list_id}/entries", json=bolo)
    assert r.status_code == 201, r.text
    entry = r.json()["entry"]
    assert entry["entered_by"] and entry["plate"] == "7K*Q9"
    assert wait_done(api, r.json()["import"]["import_id"])["summary"]["added"] == 1

    hits, matcher = matches(plate_read("7KXYQ9"))
    [hit] = [h for h in hits[0] if h.entry.list_id == list_id]
    assert hit.kind == MatchKind.WILDCARD
    # No scan: one read's keys, bounded by the lists' shapes, not by any list's entries.
    assert matcher.keys_read <= sum(1 + len(h.shapes) for h in matcher.heads.values())

    gone = sup.delete(f"{BASE}/{list_id}/entries/{requests.utils.quote(entry['entry_id'], safe='')}")
    assert gone.status_code == 200
    assert wait_done(api, gone.json()["import"]["import_id"])["summary"]["removed"] == 1
    assert [h for h in matches(plate_read("7KXYQ9"))[0][0] if h.entry.list_id == list_id] == []


def test_unknown_lists_and_imports_are_404(local_stack: Any, api: Any) -> None:
    sup = api.as_role("supervisor")
    r = sup.post(f"{BASE}/nosuchlist/imports", json={"format": "autovu", "filename": "a", "bytes": 10})
    assert r.status_code == 404 and field_of(r) == "list_id"
    assert api.as_role("officer").get(f"{BASE}/imports/imp-{'0' * 32}").status_code == 404
    bad = sup.post(f"{BASE}/nosuchlist/imports", json={"format": "xlsx", "filename": "a", "bytes": 10})
    assert bad.status_code in (400, 422) and "format" in bad.text
    assert os.environ.get("RTCC_LPR_MAX_HOTLIST_BYTES") is None


def test_the_hotlist_calls_are_the_granted_ones(local_stack: Any, api: Any) -> None:
    """After an import through the console's doors: the form's upload was signed by the api
    (its PutObject under uploads/), lpr-import read and wrote keys in batches only, and
    nothing of the hotlist tables was ever scanned by anyone."""
    list_id = create_list(api)
    assert upload(api, list_id, b"IAM123;MA\r\n")["state"] == "done"
    matches(plate_read("IAM123"))
    calls = requests.get(local_stack.base_url + "/dev/aws-calls", timeout=10).json()["calls"]

    def seen(function: str, action: str, resource: str) -> bool:
        return any(
            c["function"] == function and c["action"] == action and resource in c["resource"] and c["allowed"]
            for c in calls
        )

    assert seen("api", "s3:PutObject", "lpr-hotlists/uploads/")
    assert seen("lpr-import", "dynamodb:BatchWriteItem", "lpr-hotlist-keys")
    assert seen("lpr-import", "s3:GetObject", "lpr-hotlists/uploads/")
    assert seen("lpr-ingest", "dynamodb:BatchGetItem", "lpr-hotlist-keys")
    hotlist_tables = ("lpr-hotlists", "lpr-hotlist-keys", "lpr-imports")
    assert not [c for c in calls if c["action"] == "dynamodb:Scan" and c["resource"].endswith(hotlist_tables)]
    mine = ("lpr-hotlist", "lpr-imports")  # the tables and the bucket of hotlists
    assert not [c for c in calls if not c["allowed"] and any(name in c["resource"] for name in mine)]


def test_a_bolo_entered_while_the_list_is_importing_waits_for_it(local_stack: Any, api: Any) -> None:
    import threading

    from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore

    list_id = create_list(api)
    store = DynamoHotlistStore()
    store.lease(list_id, "imp-held-by-a-file-import", datetime.now(UTC))
    timer = threading.Timer(5, store.release, (list_id, "imp-held-by-a-file-import"))
    timer.start()
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    bolo = {"plate": "9WQ*", "reason": "Hit and run", "case_number": "24-77", "expires_at": expires}
    started = time.monotonic()
    r = api.as_role("supervisor").post(f"{BASE}/{list_id}/entries", json=bolo)
    assert r.status_code == 201
    done = wait_done(api, r.json()["import"]["import_id"], timeout=60)
    timer.join()
    assert done["state"] == "done" and done["summary"]["added"] == 1
    assert time.monotonic() - started < 60  # not the queue's 16-minute visibility timeout


def test_an_import_started_before_its_file_was_uploaded_fails_at_once(local_stack: Any, api: Any) -> None:
    # The upload failed (or was never sent) and the supervisor pressed start: lpr-import
    # says "not uploaded" on its first delivery, not a 403 from HeadObject retried by the
    # queue for an hour while the console's progress bar waits.
    list_id, sup = create_list(api), api.as_role("supervisor")
    r = sup.post(f"{BASE}/{list_id}/imports", json={"format": "autovu", "filename": "a.txt", "bytes": 10})
    import_id = r.json()["import_id"]
    assert sup.post(f"{BASE}/imports/{import_id}/start").status_code == 202
    failed = wait_done(api, import_id, timeout=30)
    assert failed["state"] == "failed" and failed["error"] == "the file was not uploaded"


def test_an_imported_file_is_deleted_once_its_version_is_live(local_stack: Any, api: Any) -> None:
    # The upload holds every plate of the file: kept until the uploads' 7-day expiry it
    # would outlive an entry withdrawn the next day. A BOLO's edit likewise.
    from rtcc.aws_clients import client
    from rtcc.lpr.hotlist_store_dynamodb import hotlist_bucket, upload_key

    list_id = create_list(api)
    done = upload(api, list_id, b"GONE77;MA\r\n")
    expires = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    bolo = {"plate": "BOLO77", "state": "MA", "reason": "r", "case_number": "C-1", "expires_at": expires}
    entered = api.as_role("supervisor").post(f"{BASE}/{list_id}/entries", json=bolo)
    assert done["state"] == "done" and entered.status_code == 201, entered.text
    edit = wait_done(api, entered.json()["import"]["import_id"])
    assert edit["state"] == "done"
    for import_id in (done["import_id"], edit["import_id"]):
        key = upload_key(import_id)
        # Every version gone, no delete marker left: a plain delete would keep it 30 days.
        listed = client("s3").list_object_versions(Bucket=hotlist_bucket(), Prefix=key)
        assert listed.get("Versions", []) + listed.get("DeleteMarkers", []) == []
