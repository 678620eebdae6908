"""Camera agents' motion tokens handed out by an administrator (POST /api/video/agent-tokens).

Deployed, `rtcc cameras provision` runs with the operator's own AWS credentials, and the
cameras' link key lets only rtcc's functions compute MACs (infra/constructs/keys.py): the
operator cannot mint the agent's token. The api can (it holds GenerateMac on that key to check
owners' links and agents' tokens), so an administrator asks it for one and hands it to
provisioning (`--motion-token-file`).

The rules, in order (each refusal names its field):
1. role: the admin group only, else 403 audited `video.agent_token.refused` (reason "role");
2. the camera: unknown 404; not an owner's integrated camera (registered only, or the city's,
   which send no motion events), or its stream not made yet (the token is bound to it) 409;
3. days: at most `RTCC_VIDEO_AGENT_TOKEN_DAYS` (the default), else 422;
4. the token, audited `video.agent_token.issued` with the camera's owner and the expiry before
   it is answered. The token itself is a credential: never audited, never logged.
Pure rules here; `agent_token_desk()` wires the registry, KMS (rtcc.video.agent_tokens) and audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rtcc.auth import Principal, Role
from rtcc.cameras.model import CITY_OWNER, CameraSpot
from rtcc.errors import Conflict, Forbidden, Invalid, NotFound

Audit = Callable[[str, str, dict], None]


@dataclass
class AgentTokenDesk:
    cameras: Callable[[str], CameraSpot | None]  # the registry, by key
    issue: Callable[[str, str, float, float], str]  # (owner, camera, days, now) -> token
    audit: Audit  # (action, target, detail)
    max_days: int
    clock: Callable[[], float]

    def issue_token(self, who: Principal, camera_id: str, days: int | None) -> dict[str, Any]:
        # Group, not effective roles: no role implies admin, and only admins hand out agents' keys.
        if Role.ADMIN not in who.groups:
            self.audit("video.agent_token.refused", camera_id, {"reason": "role"})
            raise Forbidden("handing out a camera agent's token needs the admin role", field="camera_id")
        camera = self.cameras(camera_id)
        if camera is None:
            raise NotFound("no such camera", field="camera_id")
        if camera.level != "integrate" or camera.owner_id == CITY_OWNER:
            raise Conflict(
                "only an owner's integrated camera runs an agent that sends motion events", field="camera_id"
            )
        if not camera.stream_name:
            # A token is bound to the camera's current stream (rtcc.video.agent_tokens, `since`):
            # one minted before camera-streams makes it would stop working once it exists.
            raise Conflict(
                "the camera's video stream is not made yet; ask again in a minute", field="camera_id"
            )
        days = self.max_days if days is None else days
        if days > self.max_days:
            raise Invalid(f"at most {self.max_days} (RTCC_VIDEO_AGENT_TOKEN_DAYS)", field="days")
        token = self.issue(camera.owner_id, camera_id, days, self.clock())
        expires_at = _iso(int(token.split(".")[1]))  # the expiry the token carries (signed)
        detail = {"owner_id": camera.owner_id, "days": days, "expires_at": expires_at}
        self.audit("video.agent_token.issued", camera_id, detail)  # before the answer
        return {"camera_id": camera_id, "token": token, "expires_at": expires_at}


def _iso(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")


def agent_token_desk(audit: Audit) -> AgentTokenDesk:
    import time

    from rtcc.cameras.registry_dynamodb import get_camera, stream_since
    from rtcc.video import agent_tokens
    from rtcc.video.settings import video_settings

    def issue(owner_id: str, camera_id: str, days: float, now: float) -> str:
        return agent_tokens.issue(owner_id, camera_id, days, since=stream_since(camera_id), now=now)

    return AgentTokenDesk(get_camera, issue, audit, video_settings().agent_token_days, time.time)
