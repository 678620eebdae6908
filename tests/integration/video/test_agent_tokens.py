"""Camera agents' motion tokens handed out by an administrator (POST /api/video/agent-tokens,
the api under its deployed IAM: GenerateMac on the cameras' link key): the token the motion
route then accepts, audited `video.agent_token.issued` without the token (nor in any log);
other roles 403 audited as refusals; unknown cameras 404; cameras that run no agent of ours
409; days beyond the setting and bad input 422 naming the field."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.integration.video.helpers import audits, city_camera, owner_camera

pytestmark = pytest.mark.integration

TOKENS = "/api/video/agent-tokens"


def _motion(stack: Any, camera_id: str, token: str) -> requests.Response:
    at = (datetime.now(UTC) - timedelta(seconds=2)).isoformat().replace("+00:00", "Z")
    body = {"camera_id": camera_id, "at": at, "score": 0.5}
    headers = {"Authorization": f"Bearer {token}"}
    return requests.post(stack.base_url + "/api/public/video/motion", json=body, headers=headers, timeout=30)


def test_an_admin_gets_a_token_the_motion_route_accepts_and_only_its_expiry_is_audited(
    local_stack: Any, api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    camera = owner_camera(local_stack, "incident")
    with caplog.at_level(logging.DEBUG):
        r = api.as_role("admin").post(TOKENS, json={"camera_id": camera.camera_id, "days": 30})
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    answer = r.json()
    assert set(answer) == {"camera_id", "token", "expires_at"} and answer["camera_id"] == camera.camera_id
    token, expires = answer["token"], datetime.fromisoformat(answer["expires_at"])
    assert timedelta(days=30) - timedelta(minutes=5) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert token.startswith(camera.owner_id + ".") and token not in caplog.text
    (entry,) = audits(camera.camera_id)
    assert entry.action == "video.agent_token.issued" and entry.role == "admin" and entry.actor
    assert entry.detail == {"owner_id": camera.owner_id, "days": 30, "expires_at": answer["expires_at"]}
    signature = token.rsplit(".", 1)[1]
    assert signature not in repr(entry) and token not in repr(entry)
    assert _motion(local_stack, camera.camera_id, token).status_code == 202
    # Another camera's token is not this one's.
    other = owner_camera(local_stack, "always")
    assert _motion(local_stack, other.camera_id, token).status_code == 401


def test_without_days_the_token_lives_as_long_as_the_setting_says(local_stack: Any, api: Any) -> None:
    from rtcc.video.settings import video_settings

    camera = owner_camera(local_stack, "always")
    r = api.as_role("admin").post(TOKENS, json={"camera_id": camera.camera_id})
    assert r.status_code == 201, r.text
    days = video_settings().agent_token_days
    left = datetime.fromisoformat(r.json()["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=days) - timedelta(minutes=5) < left <= timedelta(days=days)
    r = api.as_role("admin").post(TOKENS, json={"camera_id": camera.camera_id, "days": days + 1})
    assert r.status_code == 422 and r.json()["message"].startswith("days: "), r.text


@pytest.mark.parametrize("role", ["officer", "supervisor", "auditor"])
def test_anyone_but_an_admin_is_403_and_the_refusal_is_audited(local_stack: Any, api: Any, role: str) -> None:
    camera = owner_camera(local_stack, "always")
    r = api.as_role(role).post(TOKENS, json={"camera_id": camera.camera_id})
    assert r.status_code == 403 and r.json()["message"].startswith("camera_id: "), r.text
    assert "token" not in r.json()
    (entry,) = audits(camera.camera_id)
    assert (entry.action, entry.detail, entry.role) == ("video.agent_token.refused", {"reason": "role"}, role)
    assert (
        requests.post(
            local_stack.base_url + TOKENS, json={"camera_id": camera.camera_id}, timeout=30
        ).status_code
        == 401
    )


def test_an_unknown_camera_is_404_and_one_running_no_agent_of_ours_409(local_stack: Any, api: Any) -> None:
    admin = api.as_role("admin")
    r = admin.post(TOKENS, json={"camera_id": "cam-0000000000ff"})
    assert r.status_code == 404 and r.json()["message"].startswith("camera_id: "), r.text
    registered = owner_camera(local_stack, "always", level="register", stream_name=None, status="registered")
    for camera in (registered, city_camera(local_stack)):
        r = admin.post(TOKENS, json={"camera_id": camera.camera_id})
        assert r.status_code == 409 and r.json()["message"].startswith("camera_id: "), r.text
        assert [e.action for e in audits(camera.camera_id)] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "camera_id"),
        ({"camera_id": "cam-XYZ"}, "camera_id"),
        ({"camera_id": "cam-0123456789ab", "days": 0}, "days"),
        ({"camera_id": "cam-0123456789ab", "days": "30"}, "days"),
        ({"camera_id": "cam-0123456789ab", "owner_id": "own-0000000000000000"}, "owner_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(local_stack: Any, api: Any, body: dict, field: str) -> None:
    r = api.as_role("admin").post(TOKENS, json=body)
    assert r.status_code == 422 and field in r.text, r.text
