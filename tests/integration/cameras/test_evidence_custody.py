"""Evidence swapped after intake (attacker review): an export whose clip's bytes no longer match
the SHA-256 intake recorded stops (export failed, a custody entry naming both hashes, no zip);
intake refuses to record its hash on an item that has meanwhile been pointed at another S3
version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rtcc.audit import AuditLog
from rtcc.aws_clients import client
from rtcc.cameras import evidence_jobs, evidence_s3
from rtcc.cameras import footage_dynamodb as db
from rtcc.store.footage import EvidenceRecord

from tests.integration.cameras.footage_helpers import footage_settings as footage_settings
from tests.integration.cameras.footage_helpers import wait_for
from tests.integration.cameras.test_footage_evidence import approved, clip, evidence_of, upload

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]


def custody_of(action: str, target: str) -> list[Any]:
    return [e for e in AuditLog().entries() if e.action == action and e.target == target]


def test_an_export_stops_when_a_clip_is_not_the_one_taken_in(local_stack: Any, api: Any) -> None:
    request_id, session, _ = approved(local_stack, api)
    plan = upload(local_stack, session, request_id, clip(4000))
    item = wait_for(lambda: evidence_of(api, request_id, plan["upload"]), what="intake")
    assert item["status"] == "received"
    case = api.as_role("officer").get(f"/api/footage/{request_id}").json()["request"]["case_number"]
    # Someone with write access swaps the bytes: a new version of the key, the item pointed at it.
    record = db.get_evidence(case, item["evidence_id"])
    swapped = client("s3").put_object(Bucket=db.evidence_bucket(), Key=record.s3_key, Body=clip(4000))
    record.update(actions=[EvidenceRecord.version_id.set(swapped["VersionId"])])
    officer = api.as_role("officer")
    started = officer.post(f"/api/footage/{request_id}/exports")
    assert started.status_code == 202, started.text
    export_id = started.json()["export"]["export_id"]

    def failed() -> dict | None:
        exports = officer.get(f"/api/footage/{request_id}").json()["exports"]
        return next((e for e in exports if e["export_id"] == export_id and e["status"] == "failed"), None)

    export = wait_for(failed, what="the refused export")
    assert export["sha256"] is None and export["files"] is None
    refused = custody_of("evidence.export.refused", export_id)
    assert refused and refused[-1].detail["evidence"] == item["evidence_id"]
    assert refused[-1].detail["sha256_at_intake"] == item["sha256"]
    assert refused[-1].detail["sha256_read"] != item["sha256"]
    assert not custody_of("evidence.exported", export_id)
    record = db.get_export(case, export_id)  # the record goes with the zip's week (TTL)
    assert (
        record.expires is not None and 6.9 < (record.expires - datetime.now(UTC)).total_seconds() / 86400 <= 7
    )


def test_intake_does_not_record_a_hash_on_an_item_pointed_elsewhere_meanwhile(
    local_stack: Any, api: Any
) -> None:
    request_id, _, owner = approved(local_stack, api)
    bucket, key = db.evidence_bucket(), f"clips/{request_id}/00000000000000aa/x.mp4"
    first = client("s3").put_object(Bucket=bucket, Key=key, Body=clip(3000))["VersionId"]
    other = client("s3").put_object(Bucket=bucket, Key=key, Body=clip(3000))["VersionId"]
    now = datetime.now(UTC).isoformat()
    record = EvidenceRecord(
        "CASE-SWAP-1",
        f"{request_id}#00000000000000aa",
        request_id=request_id,
        owner_id=owner,
        status="arrived",
        file_name="x.mp4",
        declared_type="video/mp4",
        declared_bytes=3000,
        parts=1,
        s3_key=key,
        version_id=first,
        started_at=now,
    )
    record.save()
    reading = evidence_s3.read_version

    def read_then_swap(key: str, version_id: str) -> Any:
        yield from reading(key, version_id)
        # While intake hashed version `first`, the item was pointed at `other`.
        db.get_evidence("CASE-SWAP-1", record.evidence_id).update(
            actions=[EvidenceRecord.version_id.set(other)]
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evidence_s3, "read_version", read_then_swap)
        outcome = evidence_jobs.take_in(
            "CASE-SWAP-1", record.evidence_id, "evidence-intake", datetime.now(UTC)
        )
    assert outcome == "already"
    after = db.get_evidence("CASE-SWAP-1", record.evidence_id)
    assert after.status == "arrived" and after.sha256 is None and after.version_id == other


def test_the_owners_file_name_reaches_no_key_custody_entry_or_zip(local_stack: Any, api: Any) -> None:
    """An owner's file name may say who they are: keys and zip members are named by ids."""
    import zipfile
    from io import BytesIO

    import requests

    request_id, session, _ = approved(local_stack, api)
    plan = upload(local_stack, session, request_id, clip(4000), file_name="Jane Roe 12 Elm St.mp4")
    item = wait_for(lambda: evidence_of(api, request_id, plan["upload"]), what="intake")
    assert item["status"] == "received" and item["file_name"] == "Jane_Roe_12_Elm_St.mp4"  # officers see it
    case = api.as_role("officer").get(f"/api/footage/{request_id}").json()["request"]["case_number"]
    assert db.get_evidence(case, item["evidence_id"]).s3_key == f"clips/{request_id}/{plan['upload']}.mp4"
    officer = api.as_role("officer")
    export_id = officer.post(f"/api/footage/{request_id}/exports").json()["export"]["export_id"]

    def ready() -> dict | None:
        exports = officer.get(f"/api/footage/{request_id}").json()["exports"]
        return next((e for e in exports if e["export_id"] == export_id and e["status"] == "ready"), None)

    wait_for(ready, what="the export")
    link = officer.post(f"/api/footage/{request_id}/exports/{export_id}/download").json()["url"]
    names = zipfile.ZipFile(BytesIO(requests.get(link, timeout=60).content)).namelist()
    assert f"evidence/{request_id}_{plan['upload']}.mp4" in names
    entries = [e for e in AuditLog().entries() if e.target in (item["evidence_id"], export_id, request_id)]
    assert entries and not any("Jane" in str(e) or "Elm" in str(e) for e in entries)
    assert not any("Jane" in name for name in names)


def _export(api: Any, request_id: str, status: str) -> tuple[str, dict]:
    officer = api.as_role("officer")
    export_id = officer.post(f"/api/footage/{request_id}/exports").json()["export"]["export_id"]

    def done() -> dict | None:
        exports = officer.get(f"/api/footage/{request_id}").json()["exports"]
        return next((e for e in exports if e["export_id"] == export_id and e["status"] == status), None)

    return export_id, wait_for(done, what=f"the export {status}")


def test_a_large_export_goes_up_in_parts_and_keeps_its_version(
    local_stack: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past one PUT's size the zip is sent as a multipart upload (s3:PutObject, and kms:Decrypt of
    the data key for its parts, as granted): the download is the whole zip, by the version
    completion answered."""
    import zipfile
    from io import BytesIO

    import requests

    monkeypatch.setattr(evidence_s3, "SINGLE_PUT_MAX", 1)
    request_id, session, _ = approved(local_stack, api)
    plan = upload(local_stack, session, request_id, clip(4000))
    wait_for(lambda: evidence_of(api, request_id, plan["upload"]), what="intake")
    export_id, _ = _export(api, request_id, "ready")
    officer = api.as_role("officer")
    link = officer.post(f"/api/footage/{request_id}/exports/{export_id}/download").json()["url"]
    assert "versionId=" in link
    archive = zipfile.ZipFile(BytesIO(requests.get(link, timeout=60).content))
    assert "manifest.json" in archive.namelist() and archive.testzip() is None


def test_an_export_larger_than_the_functions_disk_is_refused_whole(
    local_stack: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deployed, the zip is built in evidence-export's /tmp (10 GiB): a case whose clips would
    not fit fails at once with a custody entry saying why, and no zip is written."""
    monkeypatch.setattr(evidence_jobs, "EXPORT_MAX_BYTES", 100)
    request_id, session, _ = approved(local_stack, api)
    plan = upload(local_stack, session, request_id, clip(4000))
    wait_for(lambda: evidence_of(api, request_id, plan["upload"]), what="intake")
    export_id, export = _export(api, request_id, "failed")
    assert export["sha256"] is None
    refused = custody_of("evidence.export.refused", export_id)
    assert refused and refused[0].detail["reason"] == "too large" and refused[0].detail["max_bytes"] == 100
    assert not custody_of("evidence.exported", export_id)
