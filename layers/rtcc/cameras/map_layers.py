"""The cameras capability's operations-map layers (rtcc.map_layers): registered cameras by
level, policy and status (the registry's locator, `in_box`: cells the box covers, bounded),
and the open and recent incidents (one Query of the board partition). Neither carries an
owner's contact nor an incident's notes or address: the console opens an incident through
GET /api/incidents/{id} (audited) for those."""

from __future__ import annotations

from typing import Any

from rtcc.lpr.geocells import BBox
from rtcc.map_layers import MAX_FEATURES, point


def cameras_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.cameras.incidents_dynamodb import camera_locator

    spots = camera_locator().in_box(bbox, MAX_FEATURES + 1)
    return [
        point(
            s.lat,
            s.lon,
            {
                "camera_id": s.camera_id,
                "name": s.name,
                "level": s.level,
                "policy": s.policy,
                "status": s.status,
                "bearing_deg": s.bearing_deg,
                "camera_type": s.camera_type,
            },
            s.camera_id,
        )
        for s in spots
    ]


def incidents_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.cameras.incidents_dynamodb import default_desk

    return [
        point(
            i.lat,
            i.lon,
            {
                "incident_id": i.incident_id,
                "type": i.type,
                "status": i.status,
                "active": i.active,
                "source": i.source,
                "updated_at": i.updated_at,
            },
            i.incident_id,
        )
        for i in default_desk().board()
        if bbox.contains(i.lat, i.lon)
    ]
