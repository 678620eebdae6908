"""The incidents list through the local stack carries no notes or address: only the audited
one-incident view has them (the list is the watch view, not audited)."""

from __future__ import annotations

from typing import Any

import pytest
from rtcc.audit import AuditLog

from tests.integration.cameras.incident_helpers import cad_message, post_cad

pytestmark = pytest.mark.integration


def newest(action: str, actor: str | None = None) -> Any:
    for entry in AuditLog().entries(newest_first=True, limit=100):
        if entry.action == action and (actor is None or entry.actor == actor):
            return entry
    raise AssertionError(f"no {action} entry")


def test_incident_list_has_no_notes_or_address(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    message = cad_message()
    assert post_cad(local_stack, message).status_code in (200, 201, 202)
    iid = f"cad-{message['incident_id']}"
    listed = {i["incident_id"]: i for i in officer.get("/api/incidents").json()["incidents"]}
    item = listed[iid]
    assert "notes" not in item and "address" not in item and "Jane" not in str(item)
    assert "Main St" not in str(item)
    assert item["lat"] == message["location"]["lat"] and item["type"] == "Law:Burglary"
    assert {"status", "source", "revision", "active", "updated_at"} <= set(item)
    one = officer.get(f"/api/incidents/{iid}").json()["incident"]
    assert one["notes"] == "caller Jane Roe" and one["address"] == "100 Main St"
