"""Live video sessions through the local stack (the api under its deployed IAM): refusals by
role and by the owner's policy (403, audited `video.refused`, nothing asked of KVS), unknown
cameras (404), cameras without video (409), bad input (422/400 naming the field), and an
allowed view: a LIVE HLS URL that plays from the KVS stand-in, audited `video.viewed`, with
the owner's receipt. Motion: tests/integration/video/test_video_motion.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.integration.video.helpers import api_calls, audits, city_camera, owner_camera, receipts

pytestmark = pytest.mark.integration

SESSIONS = "/api/video/sessions"


def _refusal(entry: Any) -> dict:
    assert entry.action == "video.refused"
    return entry.detail


@pytest.mark.parametrize(
    ("policy", "reason"), [("request", "policy-request"), ("incident", "policy-incident")]
)
def test_a_policy_that_forbids_it_now_is_403_audited_and_kvs_is_not_asked(
    local_stack: Any, api: Any, policy: str, reason: str
) -> None:
    camera = owner_camera(local_stack, policy)
    r = api.as_role("officer").post(SESSIONS, json={"camera_id": camera.camera_id})
    assert r.status_code == 403, r.text
    assert r.json()["message"].startswith("camera_id: ")
    (entry,) = audits(camera.camera_id)
    detail = _refusal(entry)
    assert detail["reason"] == reason and detail["owner_id"] == camera.owner_id and entry.actor
    assert receipts(camera.owner_id) == []
    assert api_calls(local_stack, "kinesisvideo:GetDataEndpoint", camera.stream_name) == []


def test_a_paused_camera_is_403_paused(local_stack: Any, api: Any) -> None:
    camera = owner_camera(local_stack, "always", status="paused")
    r = api.as_role("supervisor").post(SESSIONS, json={"camera_id": camera.camera_id})
    assert r.status_code == 403 and "paused" in r.json()["message"]
    assert _refusal(audits(camera.camera_id)[0])["reason"] == "paused"


def test_an_auditor_is_refused_by_role_and_that_is_audited(local_stack: Any, api: Any) -> None:
    camera = city_camera(local_stack)
    r = api.as_role("auditor").post(SESSIONS, json={"camera_id": camera.camera_id})
    assert r.status_code == 403 and r.json()["message"].startswith("camera_id: ")
    (entry,) = audits(camera.camera_id)
    assert _refusal(entry) == {"reason": "role"} and entry.role == "auditor"


def test_unknown_camera_is_404_and_no_login_401(local_stack: Any, api: Any) -> None:
    r = api.as_role("officer").post(SESSIONS, json={"camera_id": "cam-000000000000"})
    assert r.status_code == 404 and r.json()["message"].startswith("camera_id: ")
    assert (
        requests.post(
            local_stack.base_url + SESSIONS, json={"camera_id": "cam-000000000000"}, timeout=30
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "camera_id"),
        ({"camera_id": 12}, 422, "camera_id"),
        ({"camera_id": ["cam-0123456789ab"]}, 422, "camera_id"),
        ({"camera_id": "cam-XYZ"}, 422, "camera_id"),
        ({"camera_id": "../cam-0123456789ab"}, 422, "camera_id"),
        ({"camera_id": "cam-0123456789ab", "mode": "ON_DEMAND"}, 422, "mode"),
        ([], 422, "body"),
    ],
)
def test_bad_input_names_the_field(api: Any, body: Any, status: int, field: str) -> None:
    r = api.as_role("officer").post(SESSIONS, json=body)
    assert r.status_code == status, r.text
    assert r.json()["message"].startswith(f"{field}: "), r.text


def test_malformed_json_is_400(api: Any) -> None:
    r = api.as_role("officer").post(SESSIONS, data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"].startswith("body: ")


def test_a_camera_without_video_is_409(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    registered = owner_camera(local_stack, "always", level="register", stream_name=None, status="registered")
    r = officer.post(SESSIONS, json={"camera_id": registered.camera_id})
    assert r.status_code == 409 and "footage requests only" in r.json()["message"]
    not_made = owner_camera(local_stack, "always", stream_name=None)
    r = officer.post(SESSIONS, json={"camera_id": not_made.camera_id})
    assert r.status_code == 409 and "not ready" in r.json()["message"]
    # Neither is a view: nothing audited as one, no receipt.
    for camera in (registered, not_made):
        assert [e.action for e in audits(camera.camera_id)] == []
        assert receipts(camera.owner_id) == []


def test_a_stream_the_registry_names_but_kvs_lacks_is_409(local_stack: Any, api: Any) -> None:
    """GetDataEndpoint answers ResourceNotFoundException (the grant covers the name: cam-*)."""
    camera = owner_camera(local_stack, "always", made=False)
    r = api.as_role("officer").post(SESSIONS, json={"camera_id": camera.camera_id})
    assert r.status_code == 409 and "not ready" in r.json()["message"], r.text
    (call,) = api_calls(local_stack, "kinesisvideo:GetDataEndpoint", camera.stream_name)
    assert call["allowed"]
    assert audits(camera.camera_id) == [] and receipts(camera.owner_id) == []


def test_an_allowed_view_plays_is_audited_and_receipted(local_stack: Any, api: Any) -> None:
    """A camera whose owner shares live at any time, its agent sending video: the URL the
    api answers fetches a master playlist, its media playlist and a fragment from the KVS
    stand-in; the view is audited before the answer and the owner gets a receipt."""
    from rtcc.cameras.registry_dynamodb import get_camera

    from tests.support.kvs_feed import feed

    camera = owner_camera(local_stack, "always")  # offline: made, no video seen yet
    feeder = feed(local_stack, camera.stream_name, seconds=8)
    try:
        feeder.wait_persisted(1)
        r = api.as_role("officer").post(SESSIONS, json={"camera_id": camera.camera_id})
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["mode"] == "LIVE" and out["camera"]["camera_id"] == camera.camera_id
        assert "owner_id" not in out["camera"] and "stream_name" not in out["camera"]
        expires = datetime.fromisoformat(out["expires_at"].replace("Z", "+00:00"))
        assert 290 < (expires - datetime.now(UTC)).total_seconds() <= 300
        assert out["url"].startswith(local_stack.kvs_media.url)
        assert "/getHLSMasterPlaylist.m3u8?" in out["url"]
        master = requests.get(out["url"], timeout=30)
        assert master.status_code == 200 and master.text.startswith("#EXTM3U"), master.text
        media_line = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
        media = requests.get(urljoin(out["url"], media_line), timeout=30)
        assert media.status_code == 200 and "#EXTINF" in media.text, media.text
        segment = next(line for line in media.text.splitlines() if line and not line.startswith("#"))
        assert requests.get(urljoin(media.url, segment), timeout=30).content
    finally:
        feeder.stop()
    (entry,) = audits(camera.camera_id)
    assert entry.action == "video.viewed" and entry.detail["owner_id"] == camera.owner_id
    assert "SessionToken" not in json.dumps(entry.detail) and out["url"] not in json.dumps(entry.detail)
    (receipt,) = receipts(camera.owner_id)
    assert (receipt.action, receipt.camera_id) == ("viewed", camera.camera_id) and receipt.agency
    assert get_camera(camera.camera_id).status == "live"  # the registry follows its video
    (endpoint,) = api_calls(local_stack, "kinesisvideo:GetDataEndpoint", camera.stream_name)
    (session,) = api_calls(local_stack, "kinesisvideo:GetHLSStreamingSessionURL", camera.stream_name)
    assert endpoint["allowed"] and session["allowed"]


@pytest.mark.parametrize("status", ["offline", "live"])
def test_an_incident_near_an_incident_policy_camera_opens_it(local_stack: Any, api: Any, status: str) -> None:
    """Refused while no incident is open near it; once one is, the owner's policy allows it
    (the view then depends on video: here none is flowing, so 409, not 403); closed, 403."""
    from rtcc.cameras.registry_dynamodb import get_camera

    officer = api.as_role("officer")
    # "offline" as camera-streams leaves an integrated camera (its agent sends no motion), or
    # "live" as motion left it: a window is permission either way (live_windows.eligible).
    camera = owner_camera(local_stack, "incident", status=status)
    assert officer.post(SESSIONS, json={"camera_id": camera.camera_id}).status_code == 403
    made = officer.post(
        "/api/incidents", json={"lat": camera.lat + 0.0003, "lon": camera.lon, "type": "Burglary"}
    )
    assert made.status_code == 201 and made.json()["incident"]["live_cameras"] == [camera.camera_id]
    r = officer.post(SESSIONS, json={"camera_id": camera.camera_id})
    assert r.status_code == 409 and "no video" in r.json()["message"], r.text
    assert [e.action for e in audits(camera.camera_id)] == ["video.refused"]
    # KVS had no video for 30 s: the registry follows (offline until video or motion again).
    assert get_camera(camera.camera_id).status == "offline"
    iid = made.json()["incident"]["incident_id"]
    assert officer.post(f"/api/incidents/{iid}/close").status_code == 200
    assert officer.post(SESSIONS, json={"camera_id": camera.camera_id}).status_code == 403
