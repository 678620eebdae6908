"""The CAD webhook through the local stack (cameras-cad under its deployed IAM): a signed
incident stored with its live windows and announced on the feed; a forged, a stale and an
unsigned request 401 with nothing stored and the refusal counted; a malformed body 400 naming
the field; too large 413; the same message twice one record; an older update never over a
newer one; CAD's close ends the live windows; a closed incident refuses updates (409)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.audit import AuditLog
from rtcc.refusals import CAD_DOOR, minute_of
from rtcc.store.incidents import RECORD, IncidentRecord, LiveWindowRecord, record_key
from rtcc.store.refusals import RefusalCountRecord

from tests.integration.cameras.incident_helpers import cad_message, city_camera, post_cad

pytestmark = pytest.mark.integration


def stored(cad_id: str) -> dict | None:
    try:
        record = IncidentRecord.get(record_key(f"cad-{cad_id}"), RECORD, consistent_read=True)
    except IncidentRecord.DoesNotExist:
        return None
    return json.loads(record.incident)


def refusals_in(minute: str) -> int:
    try:
        item = RefusalCountRecord.get(CAD_DOOR, f"{minute}#unauthenticated", consistent_read=True)
    except RefusalCountRecord.DoesNotExist:
        return 0
    return int(item.count or 0)


def test_signed_incident_is_stored_once_and_announced(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    cursor = officer.get("/api/incidents").json()["feed_cursor"]
    message = cad_message()
    lat, lon = message["location"]["lat"], message["location"]["lon"]
    camera = city_camera(lat, lon + 0.0004, "incident", bearing=270)
    ok = post_cad(local_stack, message)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"incident_id": f"cad-{message['incident_id']}", "outcome": "stored"}
    again = post_cad(local_stack, message)  # CAD's retry
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    incident = stored(message["incident_id"])
    assert incident and incident["revision"] == 0 and incident["live_cameras"] == [camera.camera_id]
    iid = incident["incident_id"]
    items = [
        i
        for i in officer.get("/api/feed/incidents", params={"after": cursor}).json()["items"]
        if i["ref"] == iid
    ]
    assert [i["kind"] for i in items] == ["new"]
    assert "Jane" not in json.dumps(items) and "Main St" not in json.dumps(items)
    (entry,) = [e for e in AuditLog().entries(newest_first=True, limit=200) if e.target == iid]
    assert (entry.actor, entry.action) == ("cad", "incident.create")
    # The officer's map shows it with its nearest cameras.
    one = officer.get(f"/api/incidents/{iid}").json()
    assert (
        one["incident"]["notes"] == "caller Jane Roe" and one["cameras"][0]["camera_id"] == camera.camera_id
    )


def test_updates_in_order_and_closing_ends_the_windows(local_stack: Any) -> None:
    start = datetime.now(UTC) - timedelta(minutes=2)
    first = cad_message(at=start)
    lat, lon = first["location"]["lat"], first["location"]["lon"]
    camera = city_camera(lat + 0.0003, lon, "incident", bearing=180)
    assert post_cad(local_stack, first).json()["outcome"] == "stored"
    newer = first | {
        "time": (start + timedelta(seconds=60)).isoformat(),
        "status": "updated",
        "type": "Robbery",
    }
    older = first | {
        "time": (start + timedelta(seconds=30)).isoformat(),
        "status": "updated",
        "type": "Older",
    }
    assert post_cad(local_stack, newer).json()["outcome"] == "stored"
    assert post_cad(local_stack, older).json()["outcome"] == "unchanged"
    incident = stored(first["incident_id"])
    assert incident and (incident["type"], incident["status"], incident["revision"]) == (
        "Robbery",
        "updated",
        1,
    )
    iid = incident["incident_id"]
    assert LiveWindowRecord.get(camera.camera_id, iid, consistent_read=True).ended == 0
    closing = first | {"time": (start + timedelta(seconds=90)).isoformat(), "status": "closed"}
    assert post_cad(local_stack, closing).json()["outcome"] == "stored"
    assert LiveWindowRecord.get(camera.camera_id, iid, consistent_read=True).ended == 1
    assert stored(first["incident_id"])["status"] == "closed"
    later = first | {"time": (start + timedelta(seconds=100)).isoformat(), "status": "updated"}
    refused = post_cad(local_stack, later)
    assert refused.status_code == 409 and refused.json()["field"] == "status"


def test_forged_stale_and_unsigned_are_401_with_nothing_stored(local_stack: Any) -> None:
    minute = minute_of(datetime.now(UTC))
    counted = refusals_in(minute)
    message = cad_message()
    forged = post_cad(local_stack, message, secret="not-the-secret")
    stale = post_cad(local_stack, message, at=time.time() - 301)
    unsigned = post_cad(local_stack, message, header="")
    future = post_cad(local_stack, message, at=time.time() + 301)
    for answer in (forged, stale, unsigned, future):
        assert answer.status_code == 401, answer.text
        assert answer.json()["field"] == "X-Rtcc-Signature"
    assert stored(message["incident_id"]) is None
    # Counted at the door, per minute (rtcc.refusals): four more, across this minute and the next.
    later = minute_of(datetime.now(UTC))
    added = refusals_in(minute) - counted + (refusals_in(later) if later != minute else 0)
    assert added == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": {"lat": "x", "lon": 1}}, "location.lat"),
        ({"status": "reopened"}, "status"),
        ({"incident_id": "a b"}, "incident_id"),
        ({"time": "2026-12-02 06:00"}, "time"),
    ],
)
def test_malformed_is_a_400_naming_the_field(local_stack: Any, change: dict, field: str) -> None:
    message = cad_message() | change
    refused = post_cad(local_stack, message)
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == field
    assert stored(str(message["incident_id"])) is None


def test_not_json_and_too_large(local_stack: Any) -> None:
    refused = post_cad(local_stack, None, raw=b"{not json")
    assert refused.status_code == 400 and refused.json()["field"] == "body"
    big = cad_message(notes="x" * 70_000)
    assert post_cad(local_stack, big).status_code == 413
    assert stored(big["incident_id"]) is None
