"""A camera agent's motion token belongs to one integration of its camera: moved to Register
(camera-streams deletes its stream, the registry forgets it) and integrated again (a new stream
set), the former agent's token is refused (401) and a newly issued one works. Through the local
stack: tokens from POST /api/video/agent-tokens, events to POST /api/public/video/motion."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from rtcc.cameras.model import stream_name
from rtcc.cameras.registry_dynamodb import change_camera, set_stream

from tests.integration.video.helpers import owner_camera

pytestmark = pytest.mark.integration

MOTION = "/api/public/video/motion"


def _motion(stack: Any, camera_id: str, token: str, ago_s: float) -> requests.Response:
    at = (datetime.now(UTC) - timedelta(seconds=ago_s)).isoformat().replace("+00:00", "Z")
    body = {"camera_id": camera_id, "at": at, "score": 0.5}
    return requests.post(
        stack.base_url + MOTION, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def _token(api: Any, camera_id: str) -> str:
    r = api.as_role("admin").post("/api/video/agent-tokens", json={"camera_id": camera_id})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _integrate(camera_id: str) -> None:
    """What the owner's level change and camera-streams leave: level integrate, a stream set."""
    change_camera(camera_id, lambda spot: replace(spot, level="integrate"))
    set_stream(camera_id, stream_name(camera_id), "offline")


def _register(camera_id: str) -> None:
    change_camera(camera_id, lambda spot: replace(spot, level="register"))
    set_stream(camera_id, None, "registered")


def test_a_token_of_an_earlier_integration_is_refused(local_stack: Any, api: Any) -> None:
    camera = owner_camera(local_stack, "always", level="register", stream_name=None, status="registered")
    _integrate(camera.camera_id)
    old = _token(api, camera.camera_id)
    assert _motion(local_stack, camera.camera_id, old, ago_s=30).status_code == 202
    _register(camera.camera_id)
    _integrate(camera.camera_id)  # the same camera id, the same stream name again
    refused = _motion(local_stack, camera.camera_id, old, ago_s=20)
    assert refused.status_code == 401 and refused.json()["message"].startswith("token: "), refused.text
    new = _token(api, camera.camera_id)
    assert _motion(local_stack, camera.camera_id, new, ago_s=10).status_code == 202
    # A status change (live/offline follows video) keeps the stream: the token stays good.
    set_stream(camera.camera_id, stream_name(camera.camera_id), "live")
    assert _motion(local_stack, camera.camera_id, new, ago_s=5).status_code == 202
