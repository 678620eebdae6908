"""The operations map's layers through the local stack (api under its deployed IAM): the
declared layers listed; each layer's features inside a box (cameras by level/policy/status,
incidents, tips with a place (audited as a read of tips), today's plate hits at their fixed
reader with no plate, alert zones); a bad or too-wide box 400 naming `bbox`; unknown 404."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from rtcc.audit import AuditLog

from tests.integration.cameras.incident_helpers import city_camera, free_spot

pytestmark = pytest.mark.integration
#: Around the demo city the local stack's alert zones are (rtcc.alerts.zones.ZoneMap.demo).
ZONES_BOX = "47.5,-122.5,47.7,-122.2"


def box_around(lat: float, lon: float, d: float = 0.01) -> str:
    return f"{lat - d},{lon - d},{lat + d},{lon + d}"


def layer(officer: Any, name: str, bbox: str) -> Any:
    return officer.get(f"/api/map/layers/{name}", params={"bbox": bbox})


def test_layers_listed_and_boxes_checked(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    names = {entry["name"] for entry in officer.get("/api/map/layers").json()["layers"]}
    assert {"cameras", "incidents", "tips", "lpr-hits", "alert-zones"} <= names
    for bad in ("1,2,3", "a,b,c,d", "45,-123,44,-122", "44,-123,46,-122", "nan,1,2,3"):
        refused = layer(officer, "incidents", bad)
        assert refused.status_code == 400 and "bbox" in refused.text, bad
    assert layer(officer, "nope", "44,-123,44.1,-122.9").status_code == 404
    assert api.get("/api/map/layers").status_code == 401


def test_cameras_and_incidents_in_a_box(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    lat, lon = free_spot()
    camera = city_camera(lat, lon, "always", bearing=90)
    made = officer.post("/api/incidents", json={"lat": lat, "lon": lon, "type": "Fire", "notes": "Jane Roe"})
    iid = made.json()["incident"]["incident_id"]
    cams = layer(officer, "cameras", box_around(lat, lon))
    assert cams.status_code == 200, cams.text
    (feature,) = [f for f in cams.json()["features"] if f["id"] == camera.camera_id]
    assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    assert (feature["properties"]["policy"], feature["properties"]["level"]) == ("always", "city")
    incidents = layer(officer, "incidents", box_around(lat, lon)).json()["features"]
    (mine,) = [f for f in incidents if f["id"] == iid]
    assert mine["properties"]["type"] == "Fire" and "Jane" not in str(mine)
    far = layer(officer, "incidents", box_around(lat + 0.5, lon)).json()["features"]
    assert iid not in [f["id"] for f in far]


def test_tips_with_a_place_are_audited(local_stack: Any, api: Any) -> None:
    officer = api.as_role("officer")
    lat, lon = free_spot()
    sent = api.post(
        "/api/public/tips", json={"text": "A van parked here all night", "latitude": lat, "longitude": lon}
    )
    assert sent.status_code in (200, 201), sent.text
    tips = layer(officer, "tips", box_around(lat, lon))
    assert tips.status_code == 200, tips.text
    (tip,) = [f for f in tips.json()["features"] if f["properties"]["code"] == sent.json()["code"]]
    assert "van" not in str(tip)
    entry = AuditLog().entries(newest_first=True, limit=50)
    assert any(e.action == "tip.map" and e.detail.get("results", 0) >= 1 for e in entry)


def reader(kind: str, lat: float | None, lon: float | None) -> tuple[str, str]:
    from datetime import UTC, datetime

    from rtcc.store.lpr_sources import LprReaderRecord

    source, camera = "src-" + secrets.token_hex(6), "cam-" + secrets.token_hex(3)
    LprReaderRecord(
        source,
        camera,
        name="Map reader",
        kind=kind,
        lat=lat,
        lon=lon,
        registered_by="admin",
        registered_at=datetime.now(UTC).isoformat(),
    ).save()
    return source, camera


def test_plate_hits_at_their_fixed_reader_and_zones(local_stack: Any, api: Any) -> None:
    from tests.integration.lpr.test_lpr_hits_api import new_hit

    officer = api.as_role("officer")
    lat, lon = free_spot()
    fixed = new_hit(reader=reader("fixed", lat, lon))
    mobile = new_hit(reader=reader("mobile", None, None))
    hits = layer(officer, "lpr-hits", box_around(lat, lon))
    assert hits.status_code == 200, hits.text
    (feature,) = [f for f in hits.json()["features"] if f["id"] == fixed["hit_id"]]
    assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    assert "ABC1234" not in str(feature) and "plate" not in feature["properties"]
    wide = layer(officer, "lpr-hits", "43.6,-123.6,44.5,-122.7").json()["features"]
    assert mobile["hit_id"] not in [f["id"] for f in wide]  # a patrol car's path is not drawn
    zones = layer(officer, "alert-zones", ZONES_BOX)
    assert zones.status_code == 200 and zones.json()["features"]
    assert zones.json()["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
