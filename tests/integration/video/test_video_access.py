"""Who may reach live video and clips, and what caches may keep (review fixes): the session
answer carries a credential (the HLS URL) and says `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.video.helpers import owner_camera

pytestmark = pytest.mark.integration

SESSIONS = "/api/video/sessions"


def test_a_session_answer_is_not_cached(local_stack: Any, api: Any) -> None:
    """The HLS URL lets anyone holding it watch until it expires: no browser or proxy cache
    may keep the answer (as the agent-token answer)."""
    from tests.support.kvs_feed import feed

    camera = owner_camera(local_stack, "always")
    feeder = feed(local_stack, camera.stream_name, seconds=4)
    try:
        feeder.wait_persisted(1)
        r = api.as_role("officer").post(SESSIONS, json={"camera_id": camera.camera_id})
    finally:
        feeder.stop()
    assert r.status_code == 200, r.text
    assert "SessionToken=" in r.json()["url"]
    assert r.headers.get("Cache-Control") == "no-store"
