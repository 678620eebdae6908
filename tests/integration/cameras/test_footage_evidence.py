"""Clips and evidence through the local stack: an owner approves, uploads a clip in parts with
real HTTP PUTs to the presigned SigV4 UploadPart URLs, and completes it; evidence-intake (under
its deployed IAM) records the clip with the SHA-256 of exactly those bytes and their S3 version;
a file that is not video is refused and recorded; an oversize clip is a 400 at `size`; uploads
wait for an approval; an export's zip passes `rtcc evidence verify`, a tampered copy fails."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
from rtcc.cli import main

from tests.integration.cameras.footage_helpers import footage_settings as footage_settings
from tests.integration.cameras.footage_helpers import wait_for
from tests.integration.cameras.test_footage_requests import owner_api, public, sent_request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]

MIB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def clip(size: int, head: bytes = MP4_HEAD) -> bytes:
    return head + os.urandom(size - len(head))


def upload(
    local_stack: Any, session: requests.Session, request_id: str, data: bytes, **declared: Any
) -> dict:
    """Start, PUT every part to its presigned URL, complete: the complete answer."""
    body = {"file_name": "porch.mp4", "content_type": "video/mp4", "size": len(data), **declared}
    started = session.post(public(local_stack, request_id, "/uploads"), json=body, timeout=30)
    assert started.status_code == 201, started.text
    plan = started.json()
    parts = []
    for part in plan["parts"]:
        offset = (part["part_number"] - 1) * plan["part_size"]
        put = requests.put(part["url"], data=data[offset : offset + plan["part_size"]], timeout=60)
        assert put.status_code == 200, put.text
        parts.append({"part_number": part["part_number"], "etag": put.headers["ETag"]})
    done = session.post(
        public(local_stack, request_id, f"/uploads/{plan['upload']}/complete"),
        json={"parts": parts},
        timeout=60,
    )
    assert done.status_code == 202, done.text
    return {**plan, "parts_sent": len(parts)}


def evidence_of(api: Any, request_id: str, upload_hex: str, settled: bool = True) -> dict | None:
    detail = api.as_role("officer").get(f"/api/footage/{request_id}").json()
    for item in detail["evidence"]:
        if item["evidence_id"].endswith(upload_hex) and (
            not settled or item["status"] in ("received", "refused")
        ):
            return item
    return None


def approved(local_stack: Any, api: Any) -> tuple[str, requests.Session, str]:
    request_id, token, owner, _ = sent_request(local_stack, api)
    session = owner_api(local_stack, token)
    assert session.post(public(local_stack, request_id, "/approve"), timeout=30).status_code == 200
    return request_id, session, owner


def test_an_approved_owner_uploads_a_clip_in_parts_and_it_is_hashed(local_stack: Any, api: Any) -> None:
    request_id, session, owner = approved(local_stack, api)
    data = clip(6 * MIB + 1000)  # two parts: 5 MiB and the rest
    plan = upload(local_stack, session, request_id, data)
    assert plan["parts_sent"] == 2
    item = wait_for(lambda: evidence_of(api, request_id, plan["upload"]), what="intake")
    assert item["status"] == "received", item
    assert item["sha256"] == hashlib.sha256(data).hexdigest() and item["size"] == len(data)
    assert item["content_type"] == "video/mp4" and item["version_id"]
    from rtcc.audit import AuditLog

    custody = [
        e for e in AuditLog().entries() if e.action == "evidence.received" and e.target == item["evidence_id"]
    ]
    assert custody and custody[-1].detail["sha256"] == item["sha256"]
    assert custody[-1].detail["version_id"] == item["version_id"]
    from rtcc.cameras.receipts_dynamodb import receipt_book

    assert "uploaded" in [r.action for r in receipt_book().of_owner(owner, 10)]
    view = session.get(public(local_stack, request_id), timeout=30).json()
    assert [u["status"] for u in view["uploads"]] == ["received"]


def test_a_file_that_is_not_video_is_refused_and_recorded(local_stack: Any, api: Any) -> None:
    request_id, session, _ = approved(local_stack, api)
    data = clip(4096, head=b"\xff\xd8\xff\xe0\x00\x10JFIF")  # a photo called porch.mp4
    plan = upload(local_stack, session, request_id, data)
    item = wait_for(lambda: evidence_of(api, request_id, plan["upload"]), what="intake")
    assert (
        item["status"] == "refused"
        and item["content_type"] == "image/jpeg"
        and "image/jpeg" in item["refused"]
    )
    assert item["sha256"] == hashlib.sha256(data).hexdigest()  # recorded all the same


def test_uploads_are_refused_before_approval_oversize_or_not_video(local_stack: Any, api: Any) -> None:
    request_id, token, _, _ = sent_request(local_stack, api)
    session = owner_api(local_stack, token)
    body = {"file_name": "a.mp4", "content_type": "video/mp4", "size": 1000}
    early = session.post(public(local_stack, request_id, "/uploads"), json=body, timeout=30)
    assert early.status_code == 409, early.text
    assert session.post(public(local_stack, request_id, "/approve"), timeout=30).status_code == 200
    big = session.post(
        public(local_stack, request_id, "/uploads"), json={**body, "size": 20 * MIB + 1}, timeout=30
    )
    assert big.status_code == 400 and big.json()["message"].startswith("size:"), big.text
    photo = session.post(
        public(local_stack, request_id, "/uploads"), json={**body, "content_type": "image/jpeg"}, timeout=30
    )
    assert photo.status_code == 400 and photo.json()["message"].startswith("content_type:"), photo.text
    wrong = session.post(
        public(local_stack, request_id, "/uploads/0123456789abcdef/complete"), json={"parts": []}, timeout=30
    )
    assert wrong.status_code == 404, wrong.text


def test_an_export_verifies_and_a_tampered_copy_does_not(local_stack: Any, api: Any, tmp_path: Path) -> None:
    request_id, session, _ = approved(local_stack, api)
    clips = [clip(3000), clip(5000, head=b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm")]
    uploads = [
        upload(local_stack, session, request_id, clips[0]),
        upload(local_stack, session, request_id, clips[1], file_name="yard.webm", content_type="video/webm"),
    ]
    for plan in uploads:
        assert wait_for(lambda p=plan: evidence_of(api, request_id, p["upload"]))["status"] == "received"
    officer = api.as_role("officer")
    started = officer.post(f"/api/footage/{request_id}/exports")
    assert started.status_code == 202, started.text
    export_id = started.json()["export"]["export_id"]

    def ready() -> dict | None:
        exports = officer.get(f"/api/footage/{request_id}").json()["exports"]
        return next((e for e in exports if e["export_id"] == export_id and e["status"] == "ready"), None)

    export = wait_for(ready, what="the export")
    assert export["files"] == 2 and "url" not in export  # no link listed to every officer
    # Only the requesters' role gets a link, signed afresh per download and audited.
    from rtcc.settings import reload_settings

    route = f"/api/footage/{request_id}/exports/{export_id}/download"
    os.environ["RTCC_CAMERAS_REQUESTERS"] = "supervisor"
    reload_settings()
    try:
        assert officer.post(route).status_code == 403
        link = api.as_role("supervisor").post(route)
    finally:
        os.environ["RTCC_CAMERAS_REQUESTERS"] = "officer"
        reload_settings()
    assert link.status_code == 200, link.text
    assert "X-Amz-Signature=" in link.json()["url"] and link.json()["sha256"] == export["sha256"]
    assert (
        officer.post(f"/api/footage/{request_id}/exports/ex-20260101T000000-00000000/download").status_code
        == 404
    )
    from rtcc.audit import AuditLog

    downloads = [
        e for e in AuditLog().entries() if e.action == "evidence.export.download" and e.target == export_id
    ]
    assert downloads and downloads[-1].case_number
    download = requests.get(link.json()["url"], timeout=60)
    assert download.status_code == 200
    good = tmp_path / "export.zip"
    good.write_bytes(download.content)
    assert hashlib.sha256(download.content).hexdigest() == export["sha256"]
    assert main(["evidence", "verify", str(good)]) == 0
    # The city's key, from the api (not from the zip), is the one the manifest is signed with.
    key = officer.get("/api/footage/signing-key")
    assert key.status_code == 200, key.text
    city_pem = tmp_path / "city.pem"
    city_pem.write_text(key.json()["public_key_pem"])
    assert main(["evidence", "verify", str(good), "--public-key", str(city_pem)]) == 0
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert {"manifest.json", "manifest.sig", "signing-key.pem", "signing-key.json"} <= set(members)
    assert sorted(
        hashlib.sha256(b).hexdigest() for n, b in members.items() if n.startswith("evidence/")
    ) == sorted(hashlib.sha256(c).hexdigest() for c in clips)
    from rtcc.audit import AuditLog

    exported = [e for e in AuditLog().entries() if e.action == "evidence.exported" and e.target == export_id]
    assert exported[-1].detail["manifest_sha256"] == hashlib.sha256(members["manifest.json"]).hexdigest()
    assert exported[-1].detail["signing_key_fingerprint"] == key.json()["fingerprint_sha256"]
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(
                name,
                data if not name.endswith("mp4") else data[:-1] + bytes([data[-1] ^ 0xFF]),
            )
    assert main(["evidence", "verify", str(tampered)]) == 1
