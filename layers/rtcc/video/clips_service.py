"""Clips to a case (rtcc.video.clips): the officer's request (api) and the save (video-clip).

The request: role, the ask's fields, the camera (404; 409 without video), the owner's
choice over the range (403, audited `video.clip.refused`), then, audited
`video.clip.requested` before anything is written, the clip record (a conditional write:
the same clip asked again is a 409 unless it was refused or failed), the owner's receipt
(action "exported") and the job on the `video-clips` queue.

The save (safe to run twice): the clip moves queued -> saving; each part is fetched from the
stream (ClipSource), spooled to /tmp while its SHA-256 is computed (at most GetClip's 100 MB),
put under clips/ in the evidence bucket (its version id), then recorded as an evidence item
of the case (status received, the sniffed type, hash, version) with a chain-of-custody audit
entry, as an owner's upload is after intake. A part already recorded (an earlier delivery got
that far) is kept, not fetched again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from rtcc.auth import Principal, Role
from rtcc.cameras.incidents import iso
from rtcc.cameras.model import CITY_OWNER, is_camera_id
from rtcc.errors import Conflict, Forbidden, NotFound
from rtcc.video import clips
from rtcc.video.clips_declaration import CLIP_FUNCTIONS

Audit = Callable[[str, str, dict], None]
QUEUE = "video-clips"
#: GetClip answers at most 100 MB: a part this large may have been cut short, so it is halved.
CUT_BYTES = 99 * 1024 * 1024
#: How long a delivery holds a clip it saves: video-clip's timeout (dead by then). SQS shows a
#: job again only after its visibility timeout (960 s), so a redelivery finds the lease run out.
LEASE_S = next(f.timeout_s for f in CLIP_FUNCTIONS if f.name == "video-clip")
#: Why a clip was refused: the audit's `reason` -> what the officer is told.
REASONS = {
    "role": "saving a camera's video needs the viewer role (as live view does)",
    "paused": "its owner has paused sharing",
    "policy-request": "its owner shares footage on request only: send a footage request",
    "policy-incident": "its owner shares video only while an incident near it is open; no incident's "
    "window covers this range",
    "policy-always": "its video cannot be saved",
}


class NoVideoInRange(Exception):
    """The stream holds no fragment in the range (none sent, or past its retention)."""


class PartTooLarge(Exception):
    """Over GetClip's limit (200 fragments or 100 MB): the part is halved."""


class ClipSource(Protocol):
    def clip(self, stream_name: str, start: datetime, end: datetime) -> Iterator[bytes]: ...


# --- the request (api) ---------------------------------------------------------------------
def _viewers() -> tuple[Role, ...]:
    from rtcc.video.settings import video_settings

    return (Role.OFFICER,) if video_settings().viewers == "officer" else (Role.SUPERVISOR,)


def _camera(ask: clips.ClipAsk, audit: Audit) -> Any:
    """The camera, if the owner's choice covers the range (rtcc.video.live's rules)."""
    from rtcc.cameras.incidents_dynamodb import windows_of
    from rtcc.cameras.registry_dynamodb import get_camera
    from rtcc.video.live import STREAMED_LEVELS, refusal

    camera = get_camera(ask.camera_id)
    if camera is None:
        raise NotFound("no such camera", field="camera_id")
    if camera.level not in STREAMED_LEVELS or not camera.stream_name:
        raise Conflict(
            "the camera sends no video (registered only, or its stream is not made yet)", field="camera_id"
        )
    windows = windows_of(camera.camera_id) if camera.policy == "incident" else []
    reason = refusal(camera, clips.range_allowed(camera, list(windows), ask.start, ask.end))
    if reason:
        detail = {"reason": reason, "owner_id": camera.owner_id, "policy": camera.policy}
        audit("video.clip.refused", ask.camera_id, {**detail, "case_number": ask.case_number})
        raise Forbidden(REASONS[reason], field="camera_id")
    return camera


def request_clip(who: Principal, body: object, audit: Audit, now: datetime) -> dict[str, Any]:
    from rtcc.cameras.footage_service import agency
    from rtcc.cameras.receipts import Receipt
    from rtcc.cameras.receipts_dynamodb import receipt_book
    from rtcc.video import clips_dynamodb as db
    from rtcc.video.settings import video_settings

    target = body.get("camera_id") if isinstance(body, dict) else None
    if not who.has_any(_viewers()):
        # A camera id or "?": the caller's free text (a name, a phone number) never becomes an
        # entry of the append-only audit log.
        audit("video.clip.refused", target if is_camera_id(target) else "?", {"reason": "role"})
        raise Forbidden(REASONS["role"], field="camera_id")
    ask = clips.validate_ask(body, video_settings().max_clip_minutes, now)
    camera = _camera(ask, audit)
    clip = clips.clip_id(ask)
    detail = {
        "clip_id": clip,
        "start": clips.moment(ask.start),
        "end": clips.moment(ask.end),
        "owner_id": camera.owner_id,
    }
    audit("video.clip.requested", ask.camera_id, {**detail, "case_number": ask.case_number})
    record = db.create_clip(clip, ask, camera, who.username, now)
    if camera.owner_id != CITY_OWNER:
        receipt = Receipt(
            camera.owner_id, camera.camera_id, "exported", agency(), ask.case_number, clip, iso(now)
        )
        receipt_book().record(receipt)
    db.queue_clip(clip)
    return {"clip_id": clip, "clip": clips.clip_out(record)}


def get_clip(clip_id: str) -> dict[str, Any]:
    from rtcc.video import clips_dynamodb as db

    return {"clip": clips.clip_out(db.get_clip(clip_id))}


# --- the save (video-clip) -----------------------------------------------------------------
def _spool(chunks: Iterator[bytes]) -> tuple[Any, Any]:
    """The part in a temporary file (rewound) and its hashing reader (SHA-256, size, head)."""
    from rtcc.cameras.evidence import HashingReader

    reader, spool = HashingReader(), tempfile.TemporaryFile(dir=tempfile.gettempdir())
    for chunk in chunks:
        reader.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    return spool, reader


def _fetch(
    source: ClipSource, stream: str, start: datetime, end: datetime
) -> list[tuple[Any, Any, datetime, datetime]]:
    """[(spool, reader, start, end)] of one part, halved while over GetClip's limit; [] no video."""
    try:
        spool, reader = _spool(source.clip(stream, start, end))
    except NoVideoInRange:
        return []
    except PartTooLarge:
        spool = None
    if spool is not None and reader.size < CUT_BYTES:
        return [(spool, reader, start, end)]
    if spool is not None:
        spool.close()
    pieces = clips.halves(start, end)
    if pieces is None:
        raise RuntimeError("a part of at least 10 s is over GetClip's 100 MB: not saved")
    return [got for a, b in pieces for got in _fetch(source, stream, a, b)]


def _keep(record: Any, number: int, piece: tuple, actor: str, now: datetime) -> dict[str, Any]:
    """One fetched piece put in the bucket and recorded as evidence, custody entry first."""
    from rtcc.cameras.evidence import sniff
    from rtcc.cameras.evidence_jobs import custody
    from rtcc.video import clips_dynamodb as db

    spool, reader, start, end = piece
    evidence_id, key = clips.evidence_id(record.clip_id, number), clips.clip_key(record.clip_id, number)
    with spool:
        version = db.put_part(key, spool)
    part = {
        "evidence_id": evidence_id,
        "key": key,
        "version_id": version,
        "sha256": reader.hexdigest(),
        "size": reader.size,
        "content_type": sniff(reader.head),
        "start": clips.moment(start),
        "end": clips.moment(end),
    }
    detail = {**part, "evidence": evidence_id, "clip": record.clip_id, "camera": record.camera_id}
    detail |= {"stream": record.stream_name, "source": "kinesis video GetClip (PRODUCER_TIMESTAMP)"}
    custody(actor, "evidence.received", evidence_id, record.case_number, detail)
    db.record_part(record, part, actor, now)
    return part


def _known(record: Any) -> dict[str, dict[str, Any]]:
    """Parts an earlier delivery of this job already recorded (evidence items of the clip)."""
    from rtcc.video import clips_dynamodb as db

    return {part["evidence_id"]: part for part in db.recorded_parts(record)}


def save_clip(clip_id: str, source: ClipSource, actor: str, now: datetime) -> str:
    """Fetch, store and record the clip's parts; "saved", "refused" (no video), "already", or
    "busy" (another delivery of the job is saving it now: this one lets it)."""
    from rtcc.video import clips_dynamodb as db

    record = db.get_clip(clip_id)
    if record.status not in ("queued", "saving"):
        return "already"
    lease = db.claim(record, now, LEASE_S)
    if lease is None:
        return "busy"
    try:
        return _save(record, source, actor, now)
    except Exception:
        db.release(record, lease)  # SQS's next delivery need not wait the lease out
        raise


def _save(record: Any, source: ClipSource, actor: str, now: datetime) -> str:
    from rtcc.video import clips_dynamodb as db

    clip_id = record.clip_id
    known, saved, gaps = _known(record), [], []
    start, end = datetime.fromisoformat(record.start), datetime.fromisoformat(record.end)
    for a, b in clips.parts(start, end):
        pieces = _fetch(source, record.stream_name, a, b)
        if not pieces:
            gaps.append({"start": clips.moment(a), "end": clips.moment(b)})
        for piece in pieces:
            number = len(saved) + 1
            earlier = known.get(clips.evidence_id(clip_id, number))
            if earlier is not None:
                piece[0].close()
            saved.append(earlier or _keep(record, number, piece, actor, now))
    if not saved:
        db.finish(record, "refused", now, reason=clips.NO_VIDEO, gaps=gaps)
        return "refused"
    db.finish(record, "saved", now, parts=saved, gaps=gaps)
    return "saved"


def fail_clip(clip_id: str, reason: str, now: datetime) -> None:
    """The last delivery failed too: the officer sees "failed" and may ask again."""
    from rtcc.video import clips_dynamodb as db

    db.finish(db.get_clip(clip_id), "failed", now, reason=reason)


def utc_now() -> datetime:
    return datetime.now(UTC)
