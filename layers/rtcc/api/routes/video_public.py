"""Camera agents' routes (`/api/public/video`, no login: the agent's token is the credential).

- POST /api/public/video/motion, `Authorization: Bearer <motion token>` (rtcc.video.agent_tokens:
  a cameras link token of scope `agent:<camera_id>`, minted by `rtcc cameras provision`),
  {camera_id, at: ISO 8601 with offset, score: 0..1} -> 202 {status: recorded | duplicate |
  ignored}. Token missing, malformed, forged, expired or another camera's: 401 (field token);
  the camera unknown 404, not integrated 403; a time far ahead or older than kept 422 (field at).
Motion only: no picture, no face, no person leaves the agent. Nothing of the token is logged.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.models.video import MotionIn

router = APIGatewayRouter()

_TAGS = ["video-public"]
_AUTH = Annotated[str | None, Header(alias="Authorization", description="Bearer <the camera's motion token>")]


@router.post("/api/public/video/motion", summary="A camera agent's motion event", tags=_TAGS)
def motion(body: MotionIn, authorization: _AUTH = None) -> Response[dict]:
    from rtcc.video.agent_tokens import bearer
    from rtcc.video.wiring import motion_desk

    answer = motion_desk().receive(bearer(authorization), body.camera_id, body.at, body.score)
    return Response(202, content_types.APPLICATION_JSON, answer)
