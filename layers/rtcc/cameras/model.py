"""Shared vocabulary of the cameras capability: a camera as the registry knows it, and the
answer of a "which cameras are near this point" question.

Pure values (no AWS, no I/O). Every part of the capability (registry, incidents, footage
requests, streams) speaks these names.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal, get_args

from rtcc.settings import get_settings

Level = Literal["register", "integrate", "city"]
"""register: location + contact only; integrate: a live feed through the edge agent;
city: declared in the deploy config."""

Policy = Literal["request", "incident", "always"]
"""request: footage on request only; incident: live view during active incidents near it;
always: live view at any time."""

Status = Literal["registered", "live", "offline", "paused"]
"""An owner's pause sets "paused" on all their cameras."""

CameraType = Literal["doorbell", "fixed", "ptz", "dome", "other"]

LEVELS: tuple[str, ...] = get_args(Level)
POLICIES: tuple[str, ...] = get_args(Policy)
STATUSES: tuple[str, ...] = get_args(Status)
CAMERA_TYPES: tuple[str, ...] = get_args(CameraType)

#: The field of view assumed when deciding whether a camera faces a point (degrees).
DEFAULT_FOV_DEG = 90

#: The owner id of the city's own cameras.
CITY_OWNER = "city"

_RESIDENT_ID = re.compile(r"^cam-[0-9a-f]{12}$")
_CITY_ID = re.compile(r"^city-[A-Za-z0-9_-]{1,64}$")


def is_camera_id(value: object) -> bool:
    """A resident's/business's ("cam-<12 hex>") or the city's ("city-<config id>") camera id."""
    return isinstance(value, str) and bool(_RESIDENT_ID.match(value) or _CITY_ID.match(value))


def stream_name(camera_id: str) -> str:
    """The Kinesis Video Stream of a camera: the deployment's resource prefix, "cam-", the id.

    The prefix is the deployment's table prefix (every rtcc resource name starts with it),
    so the streams' IAM resource pattern `stream/<prefix>cam-*` holds exactly these."""
    prefix = getattr(get_settings(), "resource_prefix", None) or get_settings().table_prefix or "rtcc-"
    return f"{prefix}cam-{camera_id}"


@dataclass(frozen=True)
class CameraSpot:
    """One camera where the registry has it (what the map, the locator and requests need)."""

    camera_id: str
    owner_id: str  # "city" for the city's own cameras
    name: str
    lat: float
    lon: float
    bearing_deg: int | None  # which way it faces, 0..359 clockwise from north; None: unknown
    level: Level
    policy: Policy
    status: Status
    stream_name: str | None = None
    camera_type: str = "other"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise ValueError("lat: a latitude within -90..90 is required")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise ValueError("lon: a longitude within -180..180 is required")
        if self.bearing_deg is not None and not (0 <= self.bearing_deg <= 359):
            raise ValueError("bearing_deg: 0..359 or none")
        if self.level not in LEVELS:
            raise ValueError(f"level: one of {', '.join(LEVELS)}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy: one of {', '.join(POLICIES)}")
        if self.status not in STATUSES:
            raise ValueError(f"status: one of {', '.join(STATUSES)}")


@dataclass(frozen=True)
class NearbyCamera:
    camera: CameraSpot
    distance_m: float
    facing: bool  # the point lies within ±fov/2 of the camera's bearing


@dataclass(frozen=True)
class NearbyResult:
    cameras: list[NearbyCamera] = field(default_factory=list)
    #: Index items read to answer: grows with the answer (and the density around the
    #: point), never with the registry. For the bench and the tests.
    items_read: int = 0
