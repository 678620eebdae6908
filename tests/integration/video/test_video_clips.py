"""Clips to a case (POST /api/video-clips -> queue video-clips -> video-clip) against the local
stack under its deployed IAM: video fed through real PutMedia to the KVS stand-in, fetched with
GetClip into the evidence bucket, hashed, recorded as evidence of the case with its custody
entry and the owner's receipt; split into parts; a range with no video refused; duplicates,
bad fields, unknown or video-less cameras, the owner's policy and the caller's role refused."""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from rtcc.audit import AuditLog
from rtcc.aws_clients import client
from rtcc.cameras import footage_dynamodb as db
from rtcc.cameras.model import stream_name

from tests.support.kvs_feed import feed

pytestmark = pytest.mark.integration


def _camera(
    stack: Any, policy: str = "always", level: str = "integrate", stream: bool = True
) -> tuple[str, str]:
    """An integrated camera with its stream, as registration and camera-streams leave them."""
    from rtcc.store.camera_registry import CameraRecord

    camera_id, owner = f"cam-{secrets.token_hex(6)}", f"own-{secrets.token_hex(8)}"
    CameraRecord(
        camera_id,
        owner_id=owner,
        name="Shop door",
        camera_type="fixed",
        lat=12.5,
        lon=12.5,
        level=level,
        policy=policy,
        status="live",
        stream_name=stream_name(camera_id) if stream else None,
        created_at=time.time(),
        updated_at=time.time(),
    ).save()
    if stream:
        kvs = boto3.client(
            "kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region
        )
        kvs.create_stream(StreamName=stream_name(camera_id), DataRetentionInHours=24, MediaType="video/h264")
    return camera_id, owner


def _at(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


@pytest.fixture(scope="module")
def recorded(local_stack: Any) -> dict[str, Any]:
    """A camera whose stream holds 8 s of video that ended just now."""
    camera_id, owner = _camera(local_stack)
    feeder = feed(local_stack, stream_name(camera_id), seconds=8, live=False).join()
    assert len(feeder.persisted()) == len(feeder.sent) >= 4, feeder.acks
    first, last = feeder.sent[0], feeder.sent[-1]
    end_ms = last.producer_ms + last.frames * 1000 // 15
    return {"camera_id": camera_id, "owner": owner, "start_ms": first.producer_ms, "end_ms": end_ms}


def _wait(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _done(officer: Any, clip_id: str) -> dict:
    def check() -> dict | None:
        clip = officer.get(f"/api/video-clips/{clip_id}").json()["clip"]
        return clip if clip["status"] not in ("queued", "saving") else None

    return _wait(check, f"clip {clip_id}")


def _ask(recorded: dict, case: str, **changes: Any) -> dict:
    return {
        "camera_id": recorded["camera_id"],
        "case_number": case,
        "start": _at(recorded["start_ms"]),
        "end": _at(recorded["end_ms"]),
    } | changes


def _entries(action: str, target: str) -> list[Any]:
    return [e for e in AuditLog().entries() if e.action == action and e.target == target]


def _object(key: str, version: str) -> bytes:
    return client("s3").get_object(Bucket=db.evidence_bucket(), Key=key, VersionId=version)["Body"].read()


def test_a_clip_is_saved_to_the_case_as_evidence_with_its_custody(
    local_stack: Any, api: Any, recorded: dict
) -> None:
    import av
    from rtcc.cameras.receipts_dynamodb import receipt_book

    officer, case = api.as_role("officer"), f"VC-{secrets.token_hex(3)}"
    answer = officer.post("/api/video-clips", json=_ask(recorded, case))
    assert answer.status_code == 202, answer.text
    clip_id = answer.json()["clip_id"]
    clip = _done(officer, clip_id)
    assert clip["status"] == "saved" and clip["gaps"] == [], clip
    (part,) = clip["parts"]
    data = _object(part["key"], part["version_id"])
    assert part["sha256"] == hashlib.sha256(data).hexdigest() and part["size"] == len(data)
    assert part["content_type"] == "video/mp4" and part["key"] == f"clips/{clip_id}/001.mp4"
    with av.open(io.BytesIO(data)) as container:  # a playable MP4 of the fed pattern
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 15 * 6
    item = db.get_evidence(case, part["evidence_id"])
    assert (item.status, item.sha256, item.version_id, item.request_id) == (
        "received",
        part["sha256"],
        part["version_id"],
        clip_id,
    )
    assert (item.camera_id, item.owner_id, item.received_by) == (
        recorded["camera_id"],
        recorded["owner"],
        "video-clip",
    )
    (custody,) = _entries("evidence.received", part["evidence_id"])
    assert custody.case_number == case and custody.detail["sha256"] == part["sha256"]
    assert custody.detail["version_id"] == part["version_id"] and custody.detail["clip"] == clip_id
    (asked,) = _entries("video.clip.requested", recorded["camera_id"] + "")[-1:]
    assert asked.case_number == case and asked.detail["clip_id"] == clip_id
    receipts = [r for r in receipt_book().of_owner(recorded["owner"]) if r.request_id == clip_id]
    assert [(r.action, r.case_number) for r in receipts] == [("exported", case)]
    # The same clip asked again: a 409 naming it, nothing queued.
    again = officer.post("/api/video-clips", json=_ask(recorded, case))
    assert again.status_code == 409 and again.json()["message"].startswith("clip:") and clip_id in again.text


def test_a_long_clip_is_fetched_in_parts(
    local_stack: Any, api: Any, recorded: dict, monkeypatch: Any
) -> None:
    from rtcc.video import clips

    monkeypatch.setattr(clips, "PART_SECONDS", 3)  # the function runs in this process
    officer, case = api.as_role("officer"), f"VC-{secrets.token_hex(3)}"
    answer = officer.post("/api/video-clips", json=_ask(recorded, case))
    assert answer.status_code == 202, answer.text
    clip = _done(officer, answer.json()["clip_id"])
    assert clip["status"] == "saved" and len(clip["parts"]) == 3, clip
    ids = [p["evidence_id"] for p in clip["parts"]]
    assert ids == [f"{clip['clip_id']}#{n:03d}" for n in (1, 2, 3)]
    case_items = {e.evidence_id: e for e in db.evidence_of(case)}
    assert sorted(case_items) == ids and all(e.status == "received" for e in case_items.values())
    for part in clip["parts"]:
        assert hashlib.sha256(_object(part["key"], part["version_id"])).hexdigest() == part["sha256"]


def test_a_range_with_no_video_is_refused_and_may_be_asked_again(
    local_stack: Any, api: Any, recorded: dict
) -> None:
    officer, case = api.as_role("officer"), f"VC-{secrets.token_hex(3)}"
    hour_ago = recorded["start_ms"] - 3_600_000
    body = _ask(recorded, case, start=_at(hour_ago), end=_at(hour_ago + 60_000))
    answer = officer.post("/api/video-clips", json=body)
    assert answer.status_code == 202, answer.text
    clip = _done(officer, answer.json()["clip_id"])
    assert clip["status"] == "refused" and clip["parts"] == [] and "no video in this range" in clip["reason"]
    assert len(clip["gaps"]) == 1 and db.evidence_of(case) == []
    # Refused, not saved: the officer may ask again (the same clip id, queued anew).
    again = officer.post("/api/video-clips", json=body)
    assert again.status_code == 202 and again.json()["clip_id"] == clip["clip_id"]
    assert _done(officer, clip["clip_id"])["status"] == "refused"


def _minutes_after(recorded: dict, minutes: float) -> str:
    return _at(recorded["start_ms"] + int(minutes * 60_000))


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"end": "start"}, 400, "end"),  # end not after start
        ({"end": "before"}, 400, "end"),
        ({"start": "31 minutes before"}, 400, "end"),  # over RTCC_VIDEO_MAX_CLIP_MINUTES (30)
        ({"end": "tomorrow"}, 400, "end"),
        ({"start": "2026-12-01 10:00"}, 400, "start"),  # no UTC offset
        ({"case_number": "no spaces"}, 400, "case_number"),
        ({"camera_id": "../etc"}, 400, "camera_id"),
        ({"camera_id": "cam-000000000000"}, 404, "camera_id"),
    ],
)
def test_bad_asks_are_refused_by_field(
    local_stack: Any, api: Any, recorded: dict, changes: dict, status: int, field: str
) -> None:
    moments = {
        "start": _at(recorded["start_ms"]),
        "before": _at(recorded["start_ms"] - 1000),
        "31 minutes before": _at(recorded["end_ms"] - 31 * 60_000),
        "tomorrow": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    body = _ask(recorded, f"VC-{secrets.token_hex(3)}") | {k: moments.get(v, v) for k, v in changes.items()}
    answer = api.as_role("officer").post("/api/video-clips", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["message"].startswith(f"{field}:"), answer.text


def test_cameras_without_video_are_409(local_stack: Any, api: Any, recorded: dict) -> None:
    registered, _ = _camera(local_stack, level="register", stream=False)
    answer = api.as_role("officer").post(
        "/api/video-clips", json=_ask(recorded, "VC-1", camera_id=registered)
    )
    assert answer.status_code == 409 and answer.json()["message"].startswith("camera_id:"), answer.text


@pytest.mark.parametrize(("policy", "says"), [("request", "on request only"), ("incident", "no incident")])
def test_the_owners_policy_over_the_range_is_kept_and_refusals_audited(
    local_stack: Any, api: Any, recorded: dict, policy: str, says: str
) -> None:
    camera_id, _ = _camera(local_stack, policy=policy)
    answer = api.as_role("officer").post("/api/video-clips", json=_ask(recorded, "VC-2", camera_id=camera_id))
    assert answer.status_code == 403 and says in answer.json()["message"], answer.text
    (refused,) = _entries("video.clip.refused", camera_id)
    assert refused.detail["reason"] == f"policy-{policy}" and refused.case_number == "VC-2"
    assert not _entries("video.clip.requested", camera_id)


def test_a_role_that_may_not_watch_may_not_save_and_is_audited(
    local_stack: Any, api: Any, recorded: dict
) -> None:
    answer = api.as_role("auditor").post("/api/video-clips", json=_ask(recorded, "VC-3"))
    assert answer.status_code == 403 and answer.json()["message"].startswith("camera_id:"), answer.text
    assert any(
        e.detail.get("reason") == "role" for e in _entries("video.clip.refused", recorded["camera_id"])
    )
    assert api.as_role("officer").get("/api/video-clips/vc-00000000000000000000").status_code == 404


def _clip_size(stack: Any, camera_id: str, start_ms: int, end_ms: int) -> int:
    archived = boto3.client(
        "kinesis-video-archived-media", endpoint_url=stack.kvs_media.url, region_name=stack.settings.region
    )
    selector = {
        "FragmentSelectorType": "PRODUCER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": start_ms / 1000, "EndTimestamp": end_ms / 1000},
    }
    return len(
        archived.get_clip(StreamName=stream_name(camera_id), ClipFragmentSelector=selector)["Payload"].read()
    )


def test_a_part_at_getclips_size_limit_is_halved(
    local_stack: Any, api: Any, recorded: dict, monkeypatch: Any
) -> None:
    """GetClip answers at most 100 MB: a part that large may be cut, so it is fetched in halves."""
    from rtcc.video import clips, clips_service

    whole = _clip_size(local_stack, recorded["camera_id"], recorded["start_ms"], recorded["end_ms"])
    monkeypatch.setattr(clips_service, "CUT_BYTES", whole - 1)  # the whole range is "too large"
    monkeypatch.setattr(clips, "MIN_PART_SECONDS", 1)
    officer, case = api.as_role("officer"), f"VC-{secrets.token_hex(3)}"
    answer = officer.post("/api/video-clips", json=_ask(recorded, case))
    assert answer.status_code == 202, answer.text
    clip = _done(officer, answer.json()["clip_id"])
    assert clip["status"] == "saved" and len(clip["parts"]) >= 2, clip
    assert all(part["size"] < whole for part in clip["parts"])
    assert sorted(e.evidence_id for e in db.evidence_of(case)) == [p["evidence_id"] for p in clip["parts"]]


class _Broken:
    def clip(self, stream_name: str, start: datetime, end: datetime) -> Any:
        raise RuntimeError("KVS is down")


def test_a_clip_failing_on_its_last_delivery_is_marked_failed(
    local_stack: Any, api: Any, recorded: dict, monkeypatch: Any
) -> None:
    """Earlier deliveries raise (SQS retries); the last one records "failed" so the officer
    sees it and may ask again."""
    import json

    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from rtcc.cameras.registry_dynamodb import get_camera
    from rtcc.local.iam.identity import acting_as
    from rtcc.video import clips
    from rtcc.video import clips_dynamodb as clip_db

    from functions import video_clip

    now = datetime.now(UTC)
    ask = clips.validate_ask(_ask(recorded, f"VC-{secrets.token_hex(3)}"), 30, now)
    clip_id = clips.clip_id(ask)
    clip_db.create_clip(clip_id, ask, get_camera(recorded["camera_id"]), "officer", now)  # not queued
    monkeypatch.setattr(video_clip, "kvs_clip_source", _Broken)

    def delivery(count: int) -> SQSRecord:
        body = json.dumps({"clip_id": clip_id})
        return SQSRecord(
            {"messageId": f"m{count}", "body": body, "attributes": {"ApproximateReceiveCount": str(count)}}
        )

    with acting_as("video-clip"):
        with pytest.raises(RuntimeError, match="KVS is down"):
            video_clip.record_handler(delivery(1))
        assert clip_db.get_clip(clip_id).status == "saving"
        assert video_clip.record_handler(delivery(3)) == "failed"
    clip = api.as_role("officer").get(f"/api/video-clips/{clip_id}").json()["clip"]
    assert clip["status"] == "failed" and clip["reason"] == "not saved after 3 attempts (RuntimeError)"
    assert "KVS is down" not in clip["reason"]  # an error's text may carry internals: only its kind
