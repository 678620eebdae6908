"""Who may reach live video and clips, and what caches may keep (review fixes): the session
answer carries a credential (the HLS URL) and says `Cache-Control: no-store`; the incident
grid and a clip's record follow RTCC_VIDEO_VIEWERS as a session does (403, audited)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.video.helpers import audits, owner_camera

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


# --- RTCC_VIDEO_VIEWERS holds for the incident grid and clips as for a session ----------------
@pytest.fixture
def supervisors_only(monkeypatch: Any) -> Iterator[None]:
    """RTCC_VIDEO_VIEWERS=supervisor for one test, the settings reloaded after it is restored."""
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_VIDEO_VIEWERS", "supervisor")
    reload_settings()
    try:
        yield
    finally:
        monkeypatch.undo()
        reload_settings()


def _refused_by_role(target: str, action: str) -> None:
    (entry,) = audits(target)
    assert entry.action == action and entry.detail == {"reason": "role"} and entry.role == "officer"


@pytest.mark.usefixtures("supervisors_only")
def test_the_incident_grid_follows_the_viewers_setting(local_stack: Any, api: Any) -> None:
    incident_id = f"inc-{secrets.token_hex(6)}"  # none such: only a viewer learns that (404)
    path = f"/api/video/incidents/{incident_id}/cameras"
    r = api.as_role("officer").get(path)
    assert r.status_code == 403 and r.json()["message"].startswith("incident_id: "), r.text
    _refused_by_role(incident_id, "video.refused")
    assert api.as_role("supervisor").get(path).status_code == 404


@pytest.mark.usefixtures("supervisors_only")
def test_a_clip_follows_the_viewers_setting(local_stack: Any, api: Any) -> None:
    clip_id = f"vc-{secrets.token_hex(10)}"
    r = api.as_role("officer").get(f"/api/video-clips/{clip_id}")
    assert r.status_code == 403 and r.json()["message"].startswith("clip_id: "), r.text
    _refused_by_role(clip_id, "video.clip.refused")
    assert api.as_role("supervisor").get(f"/api/video-clips/{clip_id}").status_code == 404


def test_by_default_officers_reach_the_grid_and_clips(local_stack: Any, api: Any) -> None:
    from rtcc.settings import reload_settings

    assert "RTCC_VIDEO_VIEWERS" not in os.environ
    reload_settings()
    incident_id, clip_id = f"inc-{secrets.token_hex(6)}", f"vc-{secrets.token_hex(10)}"
    officer = api.as_role("officer")
    assert officer.get(f"/api/video/incidents/{incident_id}/cameras").status_code == 404
    assert officer.get(f"/api/video-clips/{clip_id}").status_code == 404
    assert audits(incident_id) == [] and audits(clip_id) == []
