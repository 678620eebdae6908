"""Officers' live video routes (`/api/video`), rtcc.video.live:

- POST /api/video/sessions {camera_id} -> 200 {camera, url (the HLS master playlist of a LIVE
  session), expires_at, mode: "LIVE"}; 403 when the caller's role or the owner's policy forbids
  it now (audited `video.refused`), 404 an unknown camera, 409 a camera with no video (registered
  only, stream not made yet, nothing sent in the last 30 s). An allowed view is audited
  `video.viewed` before it is answered and the owner gets a receipt (action "viewed").
  Answered with `Cache-Control: no-store` (the URL is a credential).
- GET /api/video/incidents/{incident_id}/cameras -> {incident_id, cameras: [camera +
  distance_m, motion_at, motion_score]}: up to `RTCC_VIDEO_GRID_SIZE` of the incident's
  nearest cameras that send video and may be watched now (audited `video.grid`); 403 to a
  role RTCC_VIDEO_VIEWERS does not name (audited `video.refused`, reason "role").
- POST /api/video/agent-tokens {camera_id, days?} -> 201 {camera_id, token, expires_at}: a camera
  agent's motion token for `rtcc cameras provision --motion-token-file` (rtcc.video.agent_token_desk):
  admins only (others 403, audited `video.agent_token.refused`), 404 unknown, 409 not an owner's
  integrated camera or its stream not made yet, audited `video.agent_token.issued` without the token.
camera = {camera_id, name, type, lat, lon, bearing_deg, level, policy, status} (rtcc.cameras.desk).
The session URL and the agent token are credentials: never logged or audited.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import audit, principal, require
from rtcc.auth import ALL_ROLES
from rtcc.cameras.incidents import INCIDENT_ID_PATTERN
from rtcc.models.video import AgentTokenIn, SessionIn

router = APIGatewayRouter()

_TAGS = ["video"]
_INCIDENT = Annotated[
    str, Path(pattern=INCIDENT_ID_PATTERN, description="Incident id: inc-<hex> or cad-<CAD id>")
]


def _audit(action: str, target: str, detail: dict) -> None:
    audit(router, action, target, detail=detail)  # type: ignore[arg-type]


# Any signed-in role reaches the route: the viewer role is checked inside, so a refusal by
# role is audited like a refusal by policy (an auditor trying a camera leaves a trace).
@router.post(
    "/api/video/sessions", middlewares=[require(*ALL_ROLES)], summary="Watch a camera live (HLS)", tags=_TAGS
)
def open_session(body: SessionIn) -> Response[dict]:
    from rtcc.video.wiring import live_desk

    answer = live_desk(_audit).open_session(principal(router), body.camera_id)  # type: ignore[arg-type]
    # The session URL is a credential (anyone holding it watches until it expires): no cache may keep it.
    return Response(200, content_types.APPLICATION_JSON, answer, headers={"Cache-Control": "no-store"})


# Any signed-in role reaches it: the viewer role (RTCC_VIDEO_VIEWERS) is checked inside, as
# for a session, so the grid never shows cameras to a role that may not watch them.
@router.get(
    "/api/video/incidents/<incident_id>/cameras",
    middlewares=[require(*ALL_ROLES)],
    summary="An incident's nearest cameras one may watch live now",
    tags=_TAGS,
)
def incident_cameras(incident_id: _INCIDENT) -> dict:
    from rtcc.video.wiring import check_viewer, incident_grid

    check_viewer(principal(router), _audit, "video.refused", incident_id, "incident_id")  # type: ignore[arg-type]
    return incident_grid(_audit).cameras(incident_id)


# Any signed-in role reaches it: the admin group is checked inside, so a refusal is audited.
@router.post(
    "/api/video/agent-tokens",
    middlewares=[require(*ALL_ROLES)],
    summary="A camera agent's motion token (admins; for rtcc cameras provision)",
    tags=_TAGS,
)
def agent_token(body: AgentTokenIn) -> Response[dict]:
    from rtcc.video.agent_token_desk import agent_token_desk

    answer = agent_token_desk(_audit).issue_token(principal(router), body.camera_id, body.days)  # type: ignore[arg-type]
    # A credential in the body: no cache may keep it.
    return Response(201, content_types.APPLICATION_JSON, answer, headers={"Cache-Control": "no-store"})
