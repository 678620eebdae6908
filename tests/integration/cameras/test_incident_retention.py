"""Closed incidents are not kept forever: closing one sets its record's TTL to the close plus
`RTCC_CAMERAS_INCIDENT_DAYS` (an open one has none), the windows it opened go a day after
they end, and a record past its time reads as gone (404) before DynamoDB's TTL deletes it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.settings import reload_settings
from rtcc.store.incidents import RECORD, IncidentRecord, LiveWindowRecord, record_key

from tests.integration.cameras.incident_helpers import city_camera, free_spot

pytestmark = pytest.mark.integration


@pytest.fixture
def thirty_days(local_stack: Any) -> Iterator[None]:
    saved = os.environ.get("RTCC_CAMERAS_INCIDENT_DAYS")
    os.environ["RTCC_CAMERAS_INCIDENT_DAYS"] = "30"
    reload_settings()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("RTCC_CAMERAS_INCIDENT_DAYS", None)
        else:
            os.environ["RTCC_CAMERAS_INCIDENT_DAYS"] = saved
        reload_settings()


def test_a_closed_incident_expires_after_the_configured_days(api: Any, thirty_days: None) -> None:
    lat, lon = free_spot()
    watching = city_camera(lat + 0.0003, lon, policy="incident")
    officer = api.as_role("officer")
    made = officer.post("/api/incidents", json={"lat": lat, "lon": lon, "type": "Robbery", "notes": "A name"})
    assert made.status_code == 201, made.text
    iid = made.json()["incident"]["incident_id"]
    assert IncidentRecord.get(record_key(iid), RECORD, consistent_read=True).expires is None  # open: kept

    assert officer.post(f"/api/incidents/{iid}/close").status_code == 200
    record = IncidentRecord.get(record_key(iid), RECORD, consistent_read=True)
    assert record.expires is not None
    closed_for = record.expires - datetime.now(UTC)
    assert timedelta(days=29, hours=23) < closed_for <= timedelta(days=30), closed_for
    window = LiveWindowRecord.get(watching.camera_id, iid, consistent_read=True)
    assert window.ended == 1 and window.expires - datetime.now(UTC) <= timedelta(days=1)

    # Past its time, the record reads as gone even before TTL deletes it.
    record.update(actions=[IncidentRecord.expires.set(datetime.now(UTC) - timedelta(minutes=1))])
    assert officer.get(f"/api/incidents/{iid}").status_code == 404
