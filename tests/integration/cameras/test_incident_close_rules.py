"""Who may close an incident, through the local stack: a CAD incident is closed by CAD or a
supervisor (403 for an officer, nothing changed); an officer closes only their own, a
supervisor any."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cameras.incident_helpers import cad_message, free_spot, post_cad

pytestmark = pytest.mark.integration


def report(session: Any, lat: float, lon: float) -> str:
    made = session.post("/api/incidents", json={"lat": lat, "lon": lon, "type": "Theft"})
    assert made.status_code == 201, made.text
    return made.json()["incident"]["incident_id"]


def test_who_may_close(local_stack: Any, api: Any) -> None:
    officer, supervisor = api.as_role("officer"), api.as_role("supervisor")
    message = cad_message()
    assert post_cad(local_stack, message).status_code == 200
    cad_id = f"cad-{message['incident_id']}"
    refused = officer.post(f"/api/incidents/{cad_id}/close")
    assert refused.status_code == 403 and "incident_id" in refused.text, refused.text
    assert officer.get(f"/api/incidents/{cad_id}").json()["incident"]["status"] == "open"
    assert supervisor.post(f"/api/incidents/{cad_id}/close").status_code == 200

    theirs = report(supervisor, *free_spot())
    refused = officer.post(f"/api/incidents/{theirs}/close")
    assert refused.status_code == 403 and "incident_id" in refused.text, refused.text
    mine = report(officer, *free_spot())
    assert officer.post(f"/api/incidents/{mine}/close").status_code == 200
    other = report(officer, *free_spot())
    assert supervisor.post(f"/api/incidents/{other}/close").status_code == 200
