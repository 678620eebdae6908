"""Officers' incidents through the local stack (api under its deployed IAM): create by a tap
(audited, 201), the list of open and recent ones with a feed cursor, one incident with its
nearest cameras (distance, facing, policy; audited), close (audited; closed is final: 409),
the live windows the incident opened for its policy-"incident" cameras ended by the close,
the feed item carrying no notes, and bad input refused 400 naming the field, nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rtcc.audit import AuditLog
from rtcc.cameras.live_windows import is_live_allowed
from rtcc.store.incidents import BOARD, IncidentRecord, LiveWindowRecord

from tests.integration.cameras.incident_helpers import city_camera, free_spot

pytestmark = pytest.mark.integration


def audit_actions(target: str) -> list[str]:
    return [e.action for e in AuditLog().entries(newest_first=True, limit=300) if e.target == target]


def feed_items(officer: Any, cursor: str, incident_id: str) -> list[dict]:
    page = officer.get("/api/feed/incidents", params={"after": cursor})
    assert page.status_code == 200, page.text
    return [i for i in page.json()["items"] if i["ref"] == incident_id]


def test_create_list_one_with_cameras_and_close(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    lat, lon = free_spot()
    # North of the point, facing south (towards it), sharing live during incidents; one that
    # shares on request only; one far beyond the radius.
    watching = city_camera(lat + 0.0005, lon, "incident", bearing=180)
    asked = city_camera(lat - 0.0008, lon, "request", bearing=None)
    city_camera(lat + 0.05, lon, "incident")
    cursor = officer.get("/api/incidents").json()["feed_cursor"]
    made = officer.post(
        "/api/incidents", json={"lat": lat, "lon": lon, "type": "Robbery", "notes": "Jane Roe's car"}
    )
    assert made.status_code == 201, made.text
    incident = made.json()["incident"]
    iid = incident["incident_id"]
    assert incident["status"] == "open" and incident["live_cameras"] == [watching.camera_id]
    assert audit_actions(iid) == ["incident.create"]
    listed = officer.get("/api/incidents").json()["incidents"]
    assert [i for i in listed if i["incident_id"] == iid][0]["type"] == "Robbery"
    one = officer.get(f"/api/incidents/{iid}")
    assert one.status_code == 200, one.text
    cams = one.json()["cameras"]
    assert [c["camera_id"] for c in cams] == [watching.camera_id, asked.camera_id]
    first = cams[0]
    assert first["facing"] is True and first["policy"] == "incident" and first["live_window"] is True
    assert 50 < first["distance_m"] < 60 and cams[1]["live_window"] is False
    assert "incident.view" in audit_actions(iid)
    assert is_live_allowed(watching.camera_id, datetime.now(UTC))
    (item,) = feed_items(officer, cursor, iid)
    assert item["kind"] == "new" and "Jane" not in str(item["summary"])
    closed = officer.post(f"/api/incidents/{iid}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["incident"]["status"] == "closed" and closed.json()["incident"]["closed_by"]
    assert audit_actions(iid)[0] == "incident.close"
    assert not is_live_allowed(watching.camera_id, datetime.now(UTC))
    window = LiveWindowRecord.get(watching.camera_id, iid, consistent_read=True)
    assert window.ended == 1
    assert officer.post(f"/api/incidents/{iid}/close").status_code == 409
    assert [i["kind"] for i in feed_items(officer, cursor, iid)] == ["new", "closed"]
    # Recent: still on the map's list, marked closed, with its board item expiring.
    (listed,) = [i for i in officer.get("/api/incidents").json()["incidents"] if i["incident_id"] == iid]
    assert listed["active"] is False
    assert IncidentRecord.get(BOARD, iid, consistent_read=True).expires is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 95, "lon": 1, "type": "x"}, "lat"),
        ({"lat": "44", "lon": 1, "type": "x"}, "lat"),
        ({"lat": 44, "lon": -123, "type": "<b>"}, "type"),
        ({"lat": 44, "lon": -123}, "type"),
        ({"lat": 44, "lon": -123, "type": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(local_stack: Any, api: Any, body: dict, field: str) -> None:
    officer = api.as_role("officer")
    before = len(officer.get("/api/incidents").json()["incidents"])
    refused = officer.post("/api/incidents", json=body)
    # A value of the wrong type or shape is the API's validation answer (422, as every route's);
    # a value of the right type the domain refuses is a 400. Both name the field.
    assert refused.status_code in (400, 422), refused.text
    assert field in refused.text
    assert len(officer.get("/api/incidents").json()["incidents"]) == before


def test_unknown_and_unauthenticated(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    assert officer.get("/api/incidents/inc-000000000000").status_code == 404
    assert officer.post("/api/incidents/inc-000000000000/close").status_code == 404
    assert officer.get("/api/incidents/not-an-id").status_code in (400, 422)
    assert api.get("/api/incidents").status_code == 401
