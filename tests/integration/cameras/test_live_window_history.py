"""Live windows' history through the local stack: ending a window keeps when it opened; an
incident's live_window flags follow each window's own times (one that ran out is not live
though the incident is open); the create entry names the cameras whose windows it opened."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.audit import AuditLog
from rtcc.store.incidents import LiveWindowRecord

from tests.integration.cameras.incident_helpers import city_camera, free_spot

pytestmark = pytest.mark.integration


def report(session: Any, lat: float, lon: float) -> str:
    made = session.post("/api/incidents", json={"lat": lat, "lon": lon, "type": "Theft"})
    assert made.status_code == 201, made.text
    return made.json()["incident"]["incident_id"]


def test_windows_keep_their_opening_and_flags_follow_them(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    lat, lon = free_spot()
    first = city_camera(lat + 0.0004, lon, "incident", bearing=180)
    second = city_camera(lat - 0.0004, lon, "incident", bearing=0)
    iid = report(officer, lat, lon)
    (entry,) = [e for e in AuditLog().entries(newest_first=True, limit=100) if e.target == iid]
    assert sorted(entry.detail["live_cameras"]) == sorted([first.camera_id, second.camera_id])
    flags = {c["camera_id"]: c["live_window"] for c in officer.get(f"/api/incidents/{iid}").json()["cameras"]}
    assert flags == {first.camera_id: True, second.camera_id: True}
    # The second camera's window ran out (the longest window passed) while the incident is open.
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds").replace("+00:00", "Z")
    LiveWindowRecord.get(second.camera_id, iid).update(actions=[LiveWindowRecord.ends_at.set(past)])
    flags = {c["camera_id"]: c["live_window"] for c in officer.get(f"/api/incidents/{iid}").json()["cameras"]}
    assert flags == {first.camera_id: True, second.camera_id: False}
    opened = LiveWindowRecord.get(first.camera_id, iid, consistent_read=True).opened_at
    time.sleep(1.2)  # the close is a later second than the opening
    assert officer.post(f"/api/incidents/{iid}/close").status_code == 200
    window = LiveWindowRecord.get(first.camera_id, iid, consistent_read=True)
    assert window.ended == 1 and window.opened_at == opened and window.ends_at > opened
