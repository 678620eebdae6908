"""Officers save a camera's recorded video to a case (`/api/video-clips`), rtcc.video.clips:

- POST /api/video-clips {camera_id, case_number, start, end} -> 202 {clip_id, clip}: the range
  is fetched from the camera's stream by the `video-clip` function into the evidence bucket and
  recorded in the case as evidence (SHA-256, S3 version, chain of custody). 400 naming the field
  (a range over RTCC_VIDEO_MAX_CLIP_MINUTES, end not after start, end in the future, a bad case
  number), 404 an unknown camera, 409 a camera with no video or the same clip already queued
  or saved, 403 when the caller's role or the owner's policy over the range forbids it
  (audited `video.clip.refused`). Accepted clips are audited `video.clip.requested` before
  anything is written; the owner gets a receipt (action "exported").
- GET /api/video-clips/{clip_id} -> {clip: {status queued|saving|saved|refused|failed, reason,
  parts: [{evidence_id, key, version_id, sha256, size, ...}], gaps}}; 403 to a role
  RTCC_VIDEO_VIEWERS does not name (audited `video.clip.refused`, reason "role").
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import audit, principal, require
from rtcc.auth import ALL_ROLES

router = APIGatewayRouter()

_TAGS = ["video"]
_CLIP = Annotated[str, Path(pattern=r"^vc-[0-9a-f]{20}$", description="Clip id")]


def _audit(action: str, target: str, detail: dict) -> None:
    case = detail.pop("case_number", None)
    audit(router, action, target, case_number=case, detail=detail)  # type: ignore[arg-type]


# Any signed-in role reaches it: the viewer role is checked inside, so a refusal by role is
# audited like a refusal by the owner's policy (as live view does).
@router.post(
    "/api/video-clips",
    middlewares=[require(*ALL_ROLES)],
    summary="Save a camera's video to a case",
    tags=_TAGS,
)
def create(body: dict) -> Response[dict]:
    from rtcc.video.clips_service import request_clip, utc_now

    out = request_clip(principal(router), body, _audit, utc_now())  # type: ignore[arg-type]
    return Response(202, content_types.APPLICATION_JSON, out)


# Any signed-in role reaches it: the viewer role (RTCC_VIDEO_VIEWERS) is checked inside, as
# for saving one, so a role that may not save clips does not read them either.
@router.get(
    "/api/video-clips/<clip_id>", middlewares=[require(*ALL_ROLES)], summary="A saved clip", tags=_TAGS
)
def one(clip_id: _CLIP) -> dict:
    from rtcc.video.clips_service import get_clip
    from rtcc.video.wiring import check_viewer

    check_viewer(principal(router), _audit, "video.clip.refused", clip_id, "clip_id")  # type: ignore[arg-type]
    return get_clip(clip_id)
