"""Saving a camera's recorded video to a case: an officer names a camera, a case number and a
time range; the `video-clip` function fetches that range from the camera's Kinesis Video
Stream (GetClip, MP4) into the evidence bucket, where it is evidence like an owner's upload:
SHA-256, S3 version, an evidence item in the case and its chain-of-custody audit entry.

Pure rules here (no AWS). Who may, and which cameras, as for live view (rtcc.video.live):
the viewer role, and the owner's choice over the whole range: "always" yes (unless paused),
"incident" only when one incident's live window covers the range, "request" never (ask the
owner with a footage request instead). A range longer than `max_clip_minutes`, ending before
it starts, or in the future is refused by field. The same camera, case and range asked again
is the same clip (its id is derived from them): a 409 while it is queued or saved; after a
refusal or failure it may be asked again.

GetClip answers at most 200 fragments or 100 MB from the start of a range, so a clip is
fetched in parts of PART_SECONDS (each its own MP4 and evidence item); a part KVS still finds
too large is halved. A part with no video (a gap) is skipped and named; a clip with none at
all is refused ("no video in this range").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.cameras.footage import CASE_NUMBER
from rtcc.cameras.incidents import iso
from rtcc.cameras.live_windows import LiveWindow
from rtcc.cameras.model import CameraSpot, is_camera_id
from rtcc.errors import DomainError

CLIP_ID = re.compile(r"^vc-[0-9a-f]{20}$")
#: A part's length. GetClip answers at most 200 fragments (AWS cuts the rest silently; the
#: local stand-in refuses): 90 s is at most 182 of the agents' shortest (0.5 s) fragments,
#: boundary ones included. 100 MB in 90 s is 8.9 Mbit/s; a part that large is halved.
PART_SECONDS = 90
#: The shortest part halving goes to before a part is given up as too large.
MIN_PART_SECONDS = 10
#: A minute of clock skew between the officer's device and the server.
SKEW = timedelta(minutes=1)
STATUSES = ("queued", "saving", "saved", "refused", "failed")
#: Clips asked again only after these (a refusal: no video then; a failure).
REDO = ("refused", "failed")
NO_VIDEO = "no video in this range: the camera sent none then, or it is past the stream's retention"


@dataclass(frozen=True)
class ClipAsk:
    camera_id: str
    case_number: str
    start: datetime
    end: datetime


def _moment(body: dict, name: str) -> datetime:
    value = body.get(name)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise DomainError("an ISO 8601 time with its UTC offset is required", field=name)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: past datetime's range in UTC
        raise DomainError("a time between years 1 and 9999 in UTC is required", field=name) from None


def validate_ask(body: object, max_minutes: int, now: datetime) -> ClipAsk:
    """The ask, or a 400 naming the first field that breaks a rule."""
    if not isinstance(body, dict):
        raise DomainError("a JSON object is required", field="body")
    camera_id = body.get("camera_id")
    if not is_camera_id(camera_id):
        raise DomainError("a camera id (cam-<12 hex> or city-<id>) is required", field="camera_id")
    case = body.get("case_number")
    if not isinstance(case, str) or not CASE_NUMBER.fullmatch(case.strip()):
        raise DomainError("letters, digits and - (at most 40)", field="case_number")
    start, end = _moment(body, "start"), _moment(body, "end")
    if end <= start:
        raise DomainError("must be after start", field="end")
    if end > now + SKEW:
        raise DomainError("video of the future cannot be saved", field="end")
    if end - start > timedelta(minutes=max_minutes):
        raise DomainError(f"a clip may be at most {max_minutes} minutes long", field="end")
    return ClipAsk(str(camera_id), case.strip(), start, end)


def moment(at: datetime) -> str:
    """A range's end in UTC ISO 8601 to the millisecond (fragments are timed in ms)."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clip_id(ask: ClipAsk) -> str:
    """The same camera, case and range are the same clip (asking twice finds the first)."""
    key = f"{ask.case_number}\x00{ask.camera_id}\x00{moment(ask.start)}\x00{moment(ask.end)}"
    return "vc-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def range_allowed(camera: CameraSpot, windows: list[LiveWindow], start: datetime, end: datetime) -> bool:
    """Whether the owner's policy lets officers have video of [start, end] from `camera`."""
    if camera.policy == "always":
        return True
    if camera.policy == "incident":
        return any(w.opened_at <= iso(start) and iso(end) <= w.ends_at for w in windows)
    return False


def parts(start: datetime, end: datetime, seconds: int | None = None) -> list[tuple[datetime, datetime]]:
    """[start, end] in consecutive pieces of at most `seconds` (PART_SECONDS)."""
    step = timedelta(seconds=seconds or PART_SECONDS)
    out, at = [], start
    while at < end:
        out.append((at, min(end, at + step)))
        at = out[-1][1]
    return out


def halves(start: datetime, end: datetime) -> list[tuple[datetime, datetime]] | None:
    """A part too large for one GetClip split in two; None below MIN_PART_SECONDS."""
    if end - start < timedelta(seconds=2 * MIN_PART_SECONDS):
        return None
    middle = start + (end - start) / 2
    return [(start, middle), (middle, end)]


def evidence_id(clip: str, number: int) -> str:
    """`<clip id>#<part>`: the case's evidence of one clip is a key Query (begins_with)."""
    return f"{clip}#{number:03d}"


def clip_key(clip: str, number: int) -> str:
    """Under clips/ in the evidence bucket, named by ids only (never a place or a name)."""
    return f"clips/{clip}/{number:03d}.mp4"


def clip_out(record: Any) -> dict[str, Any]:
    """What officers see of a clip: its status, range and each saved part with its SHA-256."""
    return {
        "clip_id": record.clip_id,
        "camera_id": record.camera_id,
        "case_number": record.case_number,
        "start": record.start,
        "end": record.end,
        "status": record.status,
        "reason": record.reason,
        "requested_by": record.requested_by,
        "requested_at": record.requested_at,
        "done_at": record.done_at,
        "parts": list(record.parts or []),
        "gaps": list(record.gaps or []),
    }
