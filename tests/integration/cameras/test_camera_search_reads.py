"""Camera searches through the local stack (box, nearest) carry no owner_id or stream_name and
are audited `camera.search` (the box or the point and radius, the count); the audited
one-camera view keeps both."""

from __future__ import annotations

from typing import Any

import pytest
from rtcc.audit import AuditLog

from tests.integration.cameras.incident_helpers import city_camera, free_spot

pytestmark = pytest.mark.integration


def newest(action: str, actor: str | None = None) -> Any:
    for entry in AuditLog().entries(newest_first=True, limit=100):
        if entry.action == action and (actor is None or entry.actor == actor):
            return entry
    raise AssertionError(f"no {action} entry")


def test_camera_searches_carry_no_owner_and_are_audited(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    lat, lon = free_spot()
    camera = city_camera(lat, lon, "always", bearing=90)
    near = officer.get("/api/cameras/nearest", params={"lat": lat, "lon": lon, "radius_m": 100})
    assert near.status_code == 200, near.text
    (found,) = [c for c in near.json()["cameras"] if c["camera_id"] == camera.camera_id]
    assert "owner_id" not in found and "stream_name" not in found
    entry = newest("camera.search")
    assert entry.detail["point"] == [lat, lon] and entry.detail["radius_m"] == 100
    assert entry.detail["count"] == len(near.json()["cameras"])
    bbox = f"{lat - 0.01},{lon - 0.01},{lat + 0.01},{lon + 0.01}"
    box = officer.get("/api/cameras", params={"bbox": bbox})
    (found,) = [c for c in box.json()["cameras"] if c["camera_id"] == camera.camera_id]
    assert "owner_id" not in found and "stream_name" not in found
    entry = newest("camera.search")
    assert entry.detail["bbox"] == [lat - 0.01, lon - 0.01, lat + 0.01, lon + 0.01]
    assert entry.detail["count"] == len(box.json()["cameras"])
    assert "point" not in entry.detail
    one = officer.get(f"/api/cameras/{camera.camera_id}").json()["camera"]
    assert one["owner_id"] == "city" and "stream_name" in one  # the audited view keeps them
