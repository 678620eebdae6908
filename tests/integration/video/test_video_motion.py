"""Camera agents' motion events through the local stack (POST /api/public/video/motion, the
api under its deployed IAM): a token of scope `agent:<camera id>` under the cameras' link key
(GenerateMac), events stored as the camera's last (a conditional put: retries and late events
are duplicates), an "offline" camera turned live; every wrong token 401, unknown camera 404,
a camera without video 403, bad input 422 naming the field, nothing stored. And an incident's
grid (GET /api/video/incidents/{id}/cameras) showing the nearest watchable cameras with their
last motion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from rtcc.cameras import owner_links
from rtcc.cameras.registry_dynamodb import get_camera
from rtcc.store.video import CameraMotionRecord
from rtcc.video import agent_tokens

from tests.integration.video.helpers import audits, city_camera, owner_camera

pytestmark = pytest.mark.integration

MOTION = "/api/public/video/motion"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def post(stack: Any, body: Any, token: str | None, scheme: str = "Bearer") -> requests.Response:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return requests.post(stack.base_url + MOTION, json=body, headers=headers, timeout=30)


def event(camera_id: str, ago_s: float = 2, score: float = 0.3) -> dict:
    return {"camera_id": camera_id, "at": _iso(datetime.now(UTC) - timedelta(seconds=ago_s)), "score": score}


def stored(camera_id: str) -> CameraMotionRecord | None:
    try:
        return CameraMotionRecord.get(camera_id, consistent_read=True)
    except CameraMotionRecord.DoesNotExist:
        return None


def test_an_agents_event_is_kept_as_its_cameras_last(local_stack: Any) -> None:
    camera = owner_camera(local_stack, "always")  # offline: stream made, no video seen
    token = agent_tokens.issue(camera.owner_id, camera.camera_id, 1)
    first = event(camera.camera_id, ago_s=5, score=0.42)
    r = post(local_stack, first, token)
    assert r.status_code == 202 and r.json() == {"status": "recorded"}, r.text
    item = stored(camera.camera_id)
    assert item is not None and item.score == 0.42 and item.expires > datetime.now(UTC) + timedelta(hours=23)
    assert get_camera(camera.camera_id).status == "live"  # its agent speaks: the map shows it live
    # A retry of the same event, and a late older one: kept out.
    assert post(local_stack, first, token).json() == {"status": "duplicate"}
    assert post(local_stack, event(camera.camera_id, ago_s=60, score=0.9), token).json() == {
        "status": "duplicate"
    }
    assert stored(camera.camera_id).score == 0.42
    newer = post(local_stack, event(camera.camera_id, ago_s=1, score=1), token)
    assert newer.status_code == 202 and stored(camera.camera_id).score == 1
    # Machine events are not officers' reads: nothing audited, no token anywhere in the log.
    assert audits(camera.camera_id) == []


def test_every_wrong_token_is_401_and_nothing_is_kept(local_stack: Any) -> None:
    camera = owner_camera(local_stack, "always")
    other = owner_camera(local_stack, "always")
    good = agent_tokens.issue(camera.owner_id, camera.camera_id, 1)
    owner, expires, sig = good.split(".")
    wrong = {
        "missing": None,
        "empty": "",
        "another scheme": None,
        "forged": f"{owner}.{expires}.{'A' * len(sig)}",
        "longer life claimed": f"{owner}.{int(expires) + 86_400}.{sig}",
        "another camera's": agent_tokens.issue(other.owner_id, other.camera_id, 1),
        "expired": agent_tokens.issue(camera.owner_id, camera.camera_id, -1),
        "the owner's portal link": owner_links.issue(camera.owner_id, "portal", 1),
    }
    for name, token in wrong.items():
        scheme = "Basic" if name == "another scheme" else "Bearer"
        r = post(local_stack, event(camera.camera_id), good if name == "another scheme" else token, scheme)
        assert r.status_code == 401, (name, r.text)
        assert r.json()["message"].startswith("token: "), name
    assert stored(camera.camera_id) is None


def test_a_genuine_token_for_a_camera_that_is_gone_or_without_video(local_stack: Any) -> None:
    ghost = "cam-" + "0" * 11 + "1"
    token = agent_tokens.issue("own-" + "0" * 16, ghost, 1)
    r = post(local_stack, event(ghost), token)
    assert r.status_code == 404 and r.json()["message"].startswith("camera_id: ")
    registered = owner_camera(local_stack, "always", level="register", stream_name=None, status="registered")
    token = agent_tokens.issue(registered.owner_id, registered.camera_id, 1)
    r = post(local_stack, event(registered.camera_id), token)
    assert r.status_code == 403 and r.json()["message"].startswith("camera_id: ")
    paused = owner_camera(local_stack, "always", status="paused")
    r = post(local_stack, event(paused.camera_id), agent_tokens.issue(paused.owner_id, paused.camera_id, 1))
    assert r.status_code == 202 and r.json() == {"status": "ignored", "reason": "paused"}
    assert stored(paused.camera_id) is None and get_camera(paused.camera_id).status == "paused"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": "high"}, "score"),
        ({"score": 1.5}, "score"),
        ({"score": None}, "score"),
        ({"at": "2026-01-02T03:04:05"}, "at"),  # no offset
        ({"at": "yesterday"}, "at"),
        ({"at": None}, "at"),
        ({"camera_id": 7}, "camera_id"),
        ({"camera_id": "city-main"}, "camera_id"),  # the city's cameras run no agent of ours
        ({"face": "none"}, "face"),
    ],
)
def test_bad_input_is_422_naming_the_field(local_stack: Any, change: dict, field: str) -> None:
    camera = owner_camera(local_stack, "always")
    token = agent_tokens.issue(camera.owner_id, camera.camera_id, 1)
    body = {**event(camera.camera_id), **change}
    r = post(local_stack, body, token)
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith(f"{field}: "), r.text
    assert stored(camera.camera_id) is None


@pytest.mark.parametrize(("ago_s", "why"), [(-600, "future"), (25 * 3600, "older")])
def test_times_out_of_bounds_are_422_at(local_stack: Any, ago_s: float, why: str) -> None:
    camera = owner_camera(local_stack, "always")
    r = post(
        local_stack,
        event(camera.camera_id, ago_s=ago_s),
        agent_tokens.issue(camera.owner_id, camera.camera_id, 1),
    )
    assert r.status_code == 422 and r.json()["message"].startswith("at: ") and why in r.json()["message"]
    assert stored(camera.camera_id) is None


def test_an_incidents_grid_shows_its_nearest_watchable_cameras_with_motion(
    local_stack: Any, api: Any
) -> None:
    officer = api.as_role("officer")
    anchor = owner_camera(local_stack, "always")
    here = (anchor.lat, anchor.lon)
    near = lambda dy: (here[0] + dy, here[1])  # noqa: E731 - a point dy degrees north
    incident_cam = owner_camera(local_stack, "incident", where=near(0.0004), status="live")
    owner_camera(local_stack, "request", where=near(0.0001))  # never live
    owner_camera(
        local_stack, "always", where=near(0.0002), level="register", stream_name=None, status="registered"
    )
    city = city_camera(local_stack, "always", where=near(0.0006))
    owner_camera(local_stack, "always", where=near(0.5))  # beyond the radius
    assert (
        post(
            local_stack,
            event(anchor.camera_id, score=0.7),
            agent_tokens.issue(anchor.owner_id, anchor.camera_id, 1),
        ).status_code
        == 202
    )
    made = officer.post("/api/incidents", json={"lat": here[0], "lon": here[1], "type": "Robbery"})
    assert made.status_code == 201, made.text
    iid = made.json()["incident"]["incident_id"]
    r = officer.get(f"/api/video/incidents/{iid}/cameras")
    assert r.status_code == 200, r.text
    cams = r.json()["cameras"]
    assert [c["camera_id"] for c in cams] == [anchor.camera_id, incident_cam.camera_id, city.camera_id]
    assert cams[0]["motion_score"] == 0.7 and cams[0]["motion_at"] and cams[0]["distance_m"] < 5
    assert cams[1]["motion_at"] is None and 40 < cams[1]["distance_m"] < 50
    assert "owner_id" not in cams[0] and "stream_name" not in cams[0]
    (entry,) = [e for e in audits(iid) if e.action == "video.grid"]
    assert entry.detail == {"cameras": [c["camera_id"] for c in cams]}
    assert officer.post(f"/api/incidents/{iid}/close").status_code == 200
    closed = officer.get(f"/api/video/incidents/{iid}/cameras").json()["cameras"]
    assert [c["camera_id"] for c in closed] == [anchor.camera_id, city.camera_id]  # its windows ended
    assert officer.get("/api/video/incidents/inc-000000000000/cameras").status_code == 404
    assert officer.get("/api/video/incidents/not-an-id/cameras").status_code == 422
    assert api.as_role("auditor").get(f"/api/video/incidents/{iid}/cameras").status_code == 403


def test_the_map_shows_recent_motion_of_cameras_shared_live_only(local_stack: Any, api: Any) -> None:
    anchor = owner_camera(local_stack, "always")
    near = (anchor.lat + 0.001, anchor.lon)
    on_request = owner_camera(local_stack, "request", where=near)
    stale = owner_camera(local_stack, "always", where=(anchor.lat - 0.001, anchor.lon))
    owner_camera(local_stack, "always", where=(anchor.lat, anchor.lon + 0.001))  # no motion at all
    for camera, ago in ((anchor, 3), (on_request, 3), (stale, 600)):  # stale: past RTCC_VIDEO_MOTION_RECENT_S
        token = agent_tokens.issue(camera.owner_id, camera.camera_id, 1)
        assert post(local_stack, event(camera.camera_id, ago_s=ago, score=0.5), token).status_code == 202
    box = f"{anchor.lat - 0.01},{anchor.lon - 0.01},{anchor.lat + 0.01},{anchor.lon + 0.01}"
    r = api.as_role("officer").get("/api/map/layers/motion", params={"bbox": box})
    assert r.status_code == 200, r.text
    (feature,) = r.json()["features"]
    assert feature["id"] == anchor.camera_id and feature["properties"]["motion_score"] == 0.5
    assert "owner_id" not in feature["properties"]
    assert "motion" in [
        layer["name"] for layer in api.as_role("officer").get("/api/map/layers").json()["layers"]
    ]
