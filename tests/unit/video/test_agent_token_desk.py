"""The admin's agent-token desk: a token is bound to the camera's current stream, so none is
handed out before camera-streams has made it (it would stop working once the stream exists)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rtcc.auth import Principal, Role
from rtcc.cameras.model import CameraSpot
from rtcc.errors import Conflict
from rtcc.video.agent_token_desk import AgentTokenDesk

CAMERA = "cam-0123456789ab"
OWNER = "own-0123456789abcdef"
BASE = CameraSpot(CAMERA, OWNER, "Porch", 47.6, -122.3, 90, "integrate", "always", "live", "rtcc-cam-x")


def desk(camera: CameraSpot, issued: list) -> AgentTokenDesk:
    def issue(owner: str, camera_id: str, days: float, now: float) -> str:
        issued.append(camera_id)
        return f"{owner}.{int(now + days * 86400)}.mac"

    return AgentTokenDesk(lambda _id: camera, issue, lambda *a: None, 365, lambda: 1_800_000_000.0)


def admin() -> Principal:
    return Principal(subject="sub-ada", username="ada", groups=frozenset({Role.ADMIN}))


def test_no_token_before_the_stream_is_made() -> None:
    issued: list = []
    with pytest.raises(Conflict) as refused:
        desk(replace(BASE, stream_name=None), issued).issue_token(admin(), CAMERA, None)
    assert refused.value.field == "camera_id" and "not made yet" in str(refused.value)
    assert issued == []


def test_a_token_once_the_stream_exists() -> None:
    issued: list = []
    answer = desk(BASE, issued).issue_token(admin(), CAMERA, 30)
    assert answer["camera_id"] == CAMERA and issued == [CAMERA]
