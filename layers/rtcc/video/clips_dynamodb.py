"""Clips' records and objects (rtcc.store.video_clips, the cameras' `evidence` table and
evidence bucket, the `video-clips` queue): every read a key GetItem or Query, every step a
conditional write, so a job delivered twice cannot record a part twice or undo a result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from rtcc.cameras import footage_dynamodb as footage
from rtcc.cameras.evidence import is_accepted_video
from rtcc.cameras.incidents import iso
from rtcc.errors import Conflict, NotFound
from rtcc.store.footage import EvidenceRecord
from rtcc.store.video_clips import VideoClipRecord
from rtcc.video.clips import REDO, ClipAsk, moment

QUEUE = "video-clips"


def create_clip(clip_id: str, ask: ClipAsk, camera: Any, who: str, now: datetime) -> VideoClipRecord:
    """A new clip, or one asked again after it was refused or failed; else a 409 naming it."""
    record = VideoClipRecord(
        clip_id,
        case_number=ask.case_number,
        camera_id=ask.camera_id,
        stream_name=camera.stream_name,
        owner_id=camera.owner_id,
        start=moment(ask.start),
        end=moment(ask.end),
        status="queued",
        requested_by=who,
        requested_at=iso(now),
    )
    try:
        record.save(VideoClipRecord.clip_id.does_not_exist() | VideoClipRecord.status.is_in(*REDO))
    except PutError as error:
        if not footage._condition_failed(error):
            raise
        status = get_clip(clip_id).status
        raise Conflict(
            f"this range of this camera is already {status} for this case ({clip_id})", field="clip"
        ) from None
    return record


def queue_clip(clip_id: str) -> None:
    footage.send(QUEUE, [{"clip_id": clip_id}])


def get_clip(clip_id: str) -> VideoClipRecord:
    try:
        return VideoClipRecord.get(clip_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such clip", field="clip_id") from None


def claim(record: VideoClipRecord, now: datetime, lease_s: int) -> int | None:
    """queued -> saving, held by this delivery until `now + lease_s` (its lease, epoch s), or
    None while another delivery holds it: SQS may deliver one job twice at once, and two
    deliveries saving the same part would each write it and a custody entry for it. A
    redelivery after a crash finds the lease run out (or given back) and goes on."""
    at = int(now.timestamp())
    free = VideoClipRecord.saving_until.does_not_exist() | (VideoClipRecord.saving_until < at)
    try:
        record.update(
            actions=[VideoClipRecord.status.set("saving"), VideoClipRecord.saving_until.set(at + lease_s)],
            condition=(VideoClipRecord.status == "queued") | ((VideoClipRecord.status == "saving") & free),
        )
    except UpdateError as error:
        if not footage._condition_failed(error):
            raise
        return None
    return at + lease_s


def release(record: VideoClipRecord, lease: int) -> None:
    """A delivery that failed gives its lease back (if still its own): the next may go on."""
    try:
        record.update(
            actions=[VideoClipRecord.saving_until.remove()], condition=VideoClipRecord.saving_until == lease
        )
    except UpdateError as error:
        if not footage._condition_failed(error):
            raise


def finish(record: VideoClipRecord, status: str, now: datetime, **values: Any) -> None:
    """saved, refused or failed, once: only from queued or saving."""
    actions = [VideoClipRecord.status.set(status), VideoClipRecord.done_at.set(iso(now))]
    actions += [
        getattr(VideoClipRecord, name).set(value) for name, value in values.items() if value is not None
    ]
    try:
        record.update(actions=actions, condition=VideoClipRecord.status.is_in("queued", "saving"))
    except UpdateError as error:
        if not footage._condition_failed(error):
            raise


def put_part(key: str, body: Any) -> str:
    """One part's MP4 under clips/ (one PUT: a part is at most GetClip's 100 MB); its version."""
    from rtcc.aws_clients import client

    answer = client("s3").put_object(
        Bucket=footage.evidence_bucket(), Key=key, Body=body, ContentType="video/mp4"
    )
    return str(answer.get("VersionId") or "")


def record_part(clip: VideoClipRecord, part: dict[str, Any], actor: str, now: datetime) -> None:
    """The part as an evidence item of the case, taken in already (hashed as it arrived);
    refused like an upload if the bytes are not a video. Once: a second put changes nothing."""
    refused = None if is_accepted_video(part["content_type"]) else f"not a video ({part['content_type']})"
    item = EvidenceRecord(
        clip.case_number,
        part["evidence_id"],
        request_id=clip.clip_id,
        owner_id=clip.owner_id,
        camera_id=clip.camera_id,
        status="refused" if refused else "received",
        file_name=f"{clip.camera_id}_{part['start']}_{part['end']}.mp4".replace(":", ""),
        declared_type="video/mp4",
        declared_bytes=part["size"],
        parts=1,
        s3_key=part["key"],
        version_id=part["version_id"],
        sha256=part["sha256"],
        size=part["size"],
        content_type=part["content_type"],
        refused=refused,
        started_at=clip.requested_at,
        received_at=iso(now),
        received_by=actor,
    )
    try:
        item.save(EvidenceRecord.evidence_id.does_not_exist())
    except PutError as error:
        if not footage._condition_failed(error):
            raise


def recorded_parts(clip: VideoClipRecord) -> list[dict[str, Any]]:
    """The clip's parts already in the case (a Query of the case's items beginning with its id)."""
    return [
        {
            "evidence_id": item.evidence_id,
            "key": item.s3_key,
            "version_id": item.version_id,
            "sha256": item.sha256,
            "size": item.size,
            "content_type": item.content_type,
        }
        for item in footage.evidence_of(clip.case_number, clip.clip_id)
    ]
