"""Upload and export limits (attacker review): a presigned UploadPart URL does not bound what is
sent, so the api checks the bytes really sent (ListParts) before completing: more or less than
declared, or over the limit, and the upload is aborted (no object, nothing locked) and the item
recorded as refused; an owner uploads at most 10 clips per request; a second export of a case
is refused while one is queued."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from rtcc.aws_clients import client
from rtcc.cameras import footage_dynamodb as db
from rtcc.store.footage import EvidenceExportRecord, EvidenceRecord

from tests.integration.cameras.footage_helpers import footage_settings as footage_settings
from tests.integration.cameras.test_footage_evidence import approved, clip, evidence_of
from tests.integration.cameras.test_footage_requests import public

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]


def test_more_bytes_than_declared_are_refused_and_nothing_is_kept(local_stack: Any, api: Any) -> None:
    request_id, session, _ = approved(local_stack, api)
    body = {"file_name": "porch.mp4", "content_type": "video/mp4", "size": 3000}
    started = session.post(public(local_stack, request_id, "/uploads"), json=body, timeout=30)
    assert started.status_code == 201, started.text
    plan = started.json()
    put = requests.put(plan["parts"][0]["url"], data=clip(9000), timeout=60)  # 9000 sent, 3000 declared
    assert put.status_code == 200
    done = session.post(
        public(local_stack, request_id, f"/uploads/{plan['upload']}/complete"),
        json={"parts": [{"part_number": 1, "etag": put.headers["ETag"]}]},
        timeout=60,
    )
    assert done.status_code == 400, done.text
    assert done.json()["message"].startswith("size:") and "9000 bytes sent, 3000 declared" in done.text
    item = evidence_of(api, request_id, plan["upload"])
    assert item is not None and item["status"] == "refused" and item["size"] == 9000
    case = api.as_role("officer").get(f"/api/footage/{request_id}").json()["request"]["case_number"]
    record = db.get_evidence(case, item["evidence_id"])
    with pytest.raises(ClientError):  # aborted: no object was made (nor a locked version)
        client("s3").head_object(Bucket=db.evidence_bucket(), Key=record.s3_key)


def test_an_owner_uploads_at_most_ten_clips_per_request(local_stack: Any, api: Any) -> None:
    request_id, session, _ = approved(local_stack, api)
    body = {"file_name": "porch.mp4", "content_type": "video/mp4", "size": 3000}
    for _ in range(10):
        assert (
            session.post(public(local_stack, request_id, "/uploads"), json=body, timeout=30).status_code
            == 201
        )
    eleventh = session.post(public(local_stack, request_id, "/uploads"), json=body, timeout=30)
    assert eleventh.status_code == 409 and eleventh.json()["message"].startswith("uploads:")


def test_a_second_export_waits_for_the_queued_one(local_stack: Any, api: Any) -> None:
    request_id, _, owner = approved(local_stack, api)
    case = api.as_role("officer").get(f"/api/footage/{request_id}").json()["request"]["case_number"]
    now = datetime.now(UTC).isoformat()
    EvidenceRecord(
        case,
        f"{request_id}#00000000000000bb",
        request_id=request_id,
        owner_id=owner,
        status="received",
        file_name="x.mp4",
        declared_type="video/mp4",
        declared_bytes=1,
        parts=1,
        s3_key=f"clips/{request_id}/x.mp4",
        started_at=now,
    ).save()
    EvidenceExportRecord(
        case,
        "ex-20260101T000000-0000000a",
        request_id=request_id,
        status="queued",
        requested_by="o",
        requested_at=now,
    ).save()
    again = api.as_role("officer").post(f"/api/footage/{request_id}/exports")
    assert again.status_code == 409, again.text
    assert again.json()["message"].startswith("case_number:") and "already queued" in again.text
