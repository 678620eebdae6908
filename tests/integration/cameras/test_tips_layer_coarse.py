"""The tips map layer through the local stack draws a tipster's pin on the 3-decimal grid
(~100 m), matches the box against the rounded point, and audits `tip.map` with the box and
the codes it showed."""

from __future__ import annotations

from typing import Any

import pytest
from rtcc.audit import AuditLog

from tests.integration.cameras.incident_helpers import free_spot

pytestmark = pytest.mark.integration


def newest(action: str, actor: str | None = None) -> Any:
    for entry in AuditLog().entries(newest_first=True, limit=100):
        if entry.action == action and (actor is None or entry.actor == actor):
            return entry
    raise AssertionError(f"no {action} entry")


def test_tip_pins_are_coarsened_and_the_map_read_names_them(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    lat, lon = free_spot()
    lat, lon = round(lat, 3) + 0.00037, round(lon, 3) + 0.00041  # not on the 3-decimal grid
    sent = api.post("/api/public/tips", json={"text": "A van here", "latitude": lat, "longitude": lon})
    assert sent.status_code in (200, 201), sent.text
    code = sent.json()["code"]
    bbox = f"{lat - 0.01},{lon - 0.01},{lat + 0.01},{lon + 0.01}"
    tips = officer.get("/api/map/layers/tips", params={"bbox": bbox})
    assert tips.status_code == 200, tips.text
    (tip,) = [f for f in tips.json()["features"] if f["properties"]["code"] == code]
    assert tip["geometry"]["coordinates"] == [round(lon, 3), round(lat, 3)]
    entry = newest("tip.map")
    assert code in entry.detail["codes"]
    assert entry.detail["bbox"] == [lat - 0.01, lon - 0.01, lat + 0.01, lon + 0.01]
    # A box around the exact pin that leaves out its grid point does not find it.
    tight = f"{lat - 0.0001},{lon - 0.0001},{lat + 0.0001},{lon + 0.0001}"
    features = officer.get("/api/map/layers/tips", params={"bbox": tight}).json()["features"]
    assert code not in [f["properties"]["code"] for f in features]
