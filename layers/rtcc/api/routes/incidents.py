"""Officers' incidents (`/api/incidents`): the operations map's open and recent incidents,
an incident reported by tapping the map, one incident with its nearest cameras, closing it.

Creating and closing are audited before they are written (AuditedWrite): who, which
incident, its type; never the notes. Opening one incident with the cameras near it is a
sensitive read (residents' cameras and where they point): audited like a tip's view; it alone
carries the notes and the address. The list is the watch view, not audited: what, where and
when only (rtcc.cameras.incidents.board_view). New, updated and closed incidents reach every
officer's map through the live feed channel `incidents` (rtcc.cameras.incident_desk).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import AuditedWrite, audit, principal, require
from rtcc.auth import Role
from rtcc.cameras.incidents import INCIDENT_ID_PATTERN, Incident, board_view, view
from rtcc.models.incidents import IncidentIn

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]
_ID = Annotated[str, Path(pattern=INCIDENT_ID_PATTERN, description="Incident id: inc-<hex> or cad-<CAD id>")]


def _desk() -> Any:
    from rtcc.cameras.incidents_dynamodb import default_desk

    return default_desk()


def _intend(entry: AuditedWrite, opened: bool = False) -> Any:
    def intend(incident: Incident) -> None:
        detail = {"type": incident.type, "status": incident.status, "source": incident.source}
        if opened:  # which residents' cameras this incident made watchable live
            detail["live_cameras"] = list(incident.live_cameras)
        entry.intend(detail=detail)

    return intend


def camera_out(nearby: Any, live: set[str]) -> dict:
    cam = nearby.camera
    return {
        "camera_id": cam.camera_id,
        "name": cam.name,
        "lat": cam.lat,
        "lon": cam.lon,
        "bearing_deg": cam.bearing_deg,
        "level": cam.level,
        "policy": cam.policy,
        "status": cam.status,
        "distance_m": round(nearby.distance_m, 1),
        "facing": nearby.facing,
        # Watchable live now through a window this incident opened, by the window's own times
        # (rtcc.cameras.live_windows): one that ran out is not, though the incident is open.
        "live_window": cam.camera_id in live,
    }


@router.get("/api/incidents", middlewares=_OFFICERS, summary="Open and recent incidents", tags=["incidents"])
def list_incidents() -> dict:
    from rtcc.feed import LiveFeed

    # Taken before the read (reaching back rtcc.feed.SETTLE): nothing lands between the two.
    feed_cursor = LiveFeed().start()
    return {"incidents": [board_view(i) for i in _desk().board()], "feed_cursor": feed_cursor}


@router.post(
    "/api/incidents", middlewares=_OFFICERS, summary="Report an incident at a point", tags=["incidents"]
)
def create_incident(body: IncidentIn) -> Response[dict]:
    who = principal(router)  # type: ignore[arg-type]
    with AuditedWrite(router, "incident.create", "incidents") as entry:  # type: ignore[arg-type]
        # The id is made by the domain; the entry's target is set once it is known.
        def intend(incident: Incident) -> None:
            entry.target = incident.incident_id
            _intend(entry, opened=True)(incident)

        incident = _desk().create(body.lat, body.lon, body.type, body.notes, who.username, intend)
    return Response(201, content_types.APPLICATION_JSON, {"incident": view(incident)})


@router.get(
    "/api/incidents/<incident_id>",
    middlewares=_OFFICERS,
    summary="One incident and its nearest cameras",
    tags=["incidents"],
)
def get_incident(incident_id: _ID) -> dict:
    desk = _desk()
    incident, nearby = desk.one(incident_id)
    live = desk.live_now(incident, [n.camera.camera_id for n in nearby.cameras])
    cameras = [camera_out(n, live) for n in nearby.cameras]
    audit(router, "incident.view", incident_id, detail={"cameras": len(cameras)})  # type: ignore[arg-type]
    return {"incident": view(incident), "cameras": cameras}


@router.post(
    "/api/incidents/<incident_id>/close",
    middlewares=_OFFICERS,
    summary="Close an incident",
    tags=["incidents"],
)
def close_incident(incident_id: _ID) -> dict:
    who = principal(router)  # type: ignore[arg-type]
    # Officers close their own incidents, supervisors any; CAD's are CAD's (403 otherwise).
    supervisor = who.has_any([Role.SUPERVISOR])
    with AuditedWrite(router, "incident.close", incident_id) as entry:  # type: ignore[arg-type]
        incident = _desk().close(incident_id, who.username, _intend(entry), supervisor=supervisor)
    return {"incident": view(incident)}
