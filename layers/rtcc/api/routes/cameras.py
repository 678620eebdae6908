"""Officers' camera registry routes (`/api/cameras`): cameras in a box (the map), one camera
(audited), and the nearest cameras to a point. No answer carries an owner's contact: the
api cannot open it (the cameras vault key lets it Encrypt only).

- GET /api/cameras?bbox=s,w,n,e&limit=500 -> {cameras: [camera]} (paused ones included, shown as such);
- GET /api/cameras/nearest?lat=&lon=&count=4&radius_m=400 -> {cameras: [camera + distance_m,
  facing], items_read} (facing cameras preferred among near-equals; paused ones left out);
  both audited `camera.search` (the box or the point and radius, and how many were answered);
- GET /api/cameras/{camera_id} -> {camera: camera + owner_id + stream_name, owner: {kind,
  status} | null} (audited `camera.view`).
camera = {camera_id, name, type, lat, lon, bearing_deg, level, policy, status}. Whose camera it
is (owner_id) and its stream's name come only from the audited one-camera view: a search
answer must not let an officer list one resident's cameras or reach their streams unrecorded.
"""

from __future__ import annotations

import math
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import audit, require
from rtcc.auth import Role
from rtcc.cameras.desk import camera_out
from rtcc.errors import DomainError, NotFound
from rtcc.lpr.geocells import BBox

router = APIGatewayRouter()

_OFFICERS = [require(Role.OFFICER)]
_TAGS = ["cameras"]
_CAMERA = Annotated[
    str, Path(pattern=r"^(cam-[0-9a-f]{12}|city-[A-Za-z0-9_-]{1,64})$", description="Camera id")
]


def _searched(where: dict, count: int) -> None:
    # Where was looked at and how much was found: no camera ids, owners or contacts.
    audit(router, "camera.search", "cameras", detail={**where, "count": count})  # type: ignore[arg-type]


@router.get("/api/cameras", middlewares=_OFFICERS, summary="Cameras in a box (the map)", tags=_TAGS)
def in_box(
    bbox: Annotated[str, Query(max_length=100, description="south,west,north,east")],
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> dict:
    from rtcc.cameras.locator_dynamodb import camera_locator

    box = _box(bbox)
    cameras = [camera_out(s) for s in camera_locator().in_box(box, limit)]
    _searched({"bbox": [box.south, box.west, box.north, box.east]}, len(cameras))
    return {"cameras": cameras}


def _box(text: str) -> BBox:
    """`s,w,n,e` in WGS84 degrees, or a 400 naming `bbox`."""
    try:
        values = [float(part) for part in text.split(",")]
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            raise ValueError("four finite numbers")
        return BBox(*values)
    except ValueError:
        raise DomainError(
            "four numbers: south,west,north,east (WGS84 degrees, south < north, west < east)", field="bbox"
        ) from None


@router.get(
    "/api/cameras/nearest", middlewares=_OFFICERS, summary="The nearest cameras to a point", tags=_TAGS
)
def nearest(
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    count: Annotated[int | None, Query(ge=1, le=25)] = None,
    radius_m: Annotated[int | None, Query(ge=25, le=5000)] = None,
) -> dict:
    from rtcc.cameras.locator_dynamodb import camera_locator
    from rtcc.cameras.settings import cameras_settings

    settings = cameras_settings()
    radius = radius_m or settings.nearest_radius_m
    result = camera_locator().nearest(lat, lon, count=count or settings.nearest_count, radius_m=radius)
    cameras = [
        {**camera_out(n.camera), "distance_m": round(n.distance_m, 1), "facing": n.facing}
        for n in result.cameras
    ]
    _searched({"point": [lat, lon], "radius_m": radius}, len(cameras))
    return {"cameras": cameras, "items_read": result.items_read}


@router.get("/api/cameras/<camera_id>", middlewares=_OFFICERS, summary="One camera (audited)", tags=_TAGS)
def one(camera_id: _CAMERA) -> dict:
    from rtcc.cameras.owners_dynamodb import OwnerBook
    from rtcc.cameras.registry_dynamodb import get_camera

    spot = get_camera(camera_id)
    if spot is None:
        raise NotFound("no such camera", field="camera_id")
    audit(router, "camera.view", camera_id, detail={"owner_id": spot.owner_id})  # type: ignore[arg-type]
    owner = OwnerBook().get(spot.owner_id) if spot.owner_id != "city" else None
    about = {"kind": owner.kind, "status": owner.status} if owner is not None else None
    camera = {**camera_out(spot), "owner_id": spot.owner_id, "stream_name": spot.stream_name}
    return {"camera": camera, "owner": about}
