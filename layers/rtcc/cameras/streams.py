"""Cameras' video streams: an integrated camera's Kinesis Video Stream created and deleted at
run time, and the city's own cameras (from the deploy config) kept in the registry.

Pure domain: the streams service talks to a `VideoStreams` port (Kinesis Video Streams:
`rtcc.cameras.streams_kvs`) and a `StreamRegistry` port (the registry:
`rtcc.cameras.registry_dynamodb`). The `camera-streams` function drives both, from the queue
`camera-streams` (`StreamJob`) and on its schedule (`sync_city_cameras`).

Every job is safe to receive twice (SQS delivers at least once): creating a stream that
exists re-applies its tags and records it again; deleting one that is gone is done already.
The city's cameras' streams are CDK's (one per `[[cameras]]` entry), never this function's:
a job naming a city camera is refused, and so would the call be (infra/constructs/cameras.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, field_validator

from rtcc.cameras.model import CITY_OWNER, CameraSpot, is_camera_id, stream_name
from rtcc.errors import NotFound

logger = logging.getLogger(__name__)

#: The levels whose cameras have a stream (a "register" camera is a place and a contact only).
STREAMED_LEVELS = ("integrate", "city")


class StreamJob(BaseModel):
    """One message of the queue `camera-streams` (sent by the registry on an integrate camera's
    creation, level change or deletion, and by an owner's deletion of everything)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera_id: str
    action: Literal["create", "delete"]

    @field_validator("camera_id")
    @classmethod
    def _camera_id(cls, value: str) -> str:
        if not is_camera_id(value) or value.startswith("city-"):
            raise ValueError("a resident's or business's camera id (cam-<12 hex>) is required")
        return value


class CityCamera(BaseModel):
    """A city camera as the deploy config declares it (RTCC_CAMERAS_CITY_CAMERAS)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    lat: float
    lon: float
    bearing_deg: int | None = None

    @property
    def camera_id(self) -> str:
        return f"city-{self.id}"


class VideoStreams(Protocol):
    def create(self, name: str, retention_hours: int, tags: dict[str, str]) -> bool:
        """Creates the stream with its tags and retention; if it exists already, applies the
        tags to it. True when this call created it."""
        ...

    def delete(self, name: str) -> bool:
        """Deletes the stream; False when there was none."""
        ...


class StreamRegistry(Protocol):
    def get_camera(self, camera_id: str) -> CameraSpot | None: ...
    def set_stream(self, camera_id: str, stream_name: str | None, status: str) -> object: ...
    def upsert_city_camera(self, spot: CameraSpot) -> None: ...


def stream_tags(camera: CameraSpot) -> dict[str, str]:
    """What a stream is tagged with: its camera, and whose (never the owner's id or contact:
    tags are visible to everyone who can read the account's bills)."""
    return {
        "rtcc:camera": camera.camera_id,
        "rtcc:owner": "city" if camera.owner_id == CITY_OWNER else "community",
    }


@dataclass(frozen=True)
class StreamOutcome:
    camera_id: str
    action: str
    result: str  # "created", "exists", "deleted", "gone", "skipped"


class CameraStreams:
    def __init__(self, streams: VideoStreams, registry: StreamRegistry, retention_hours: int) -> None:
        self.streams = streams
        self.registry = registry
        self.retention_hours = retention_hours

    def handle(self, job: StreamJob) -> StreamOutcome:
        if job.action == "create":
            return self._create(job.camera_id)
        return self._delete(job.camera_id)

    def _create(self, camera_id: str) -> StreamOutcome:
        camera = self.registry.get_camera(camera_id)
        if camera is None or camera.level != "integrate":
            # Deleted or moved back to "register" since the job was sent: its own delete
            # job follows (or came first); a stream now would outlive the camera.
            return StreamOutcome(camera_id, "create", "skipped")
        name = stream_name(camera_id)
        created = self.streams.create(name, self.retention_hours, stream_tags(camera))
        try:
            # No video until the owner's edge agent pushes some: "offline" (a pause is kept).
            self.registry.set_stream(camera_id, name, "offline")
        except NotFound:
            # Deleted while the stream was being made: its delete job may have run already
            # and found no stream, so this one would be an orphan nobody deletes.
            self.streams.delete(name)
            return StreamOutcome(camera_id, "create", "skipped")
        return StreamOutcome(camera_id, "create", "created" if created else "exists")

    def _delete(self, camera_id: str) -> StreamOutcome:
        deleted = self.streams.delete(stream_name(camera_id))
        camera = self.registry.get_camera(camera_id)
        if camera is not None and camera.level not in STREAMED_LEVELS and camera.stream_name:
            # Moved back to "register": it stays on the map, without a stream.
            self.registry.set_stream(camera_id, None, "registered")
        return StreamOutcome(camera_id, "delete", "deleted" if deleted else "gone")


def city_spot(camera: CityCamera) -> CameraSpot:
    """The registry's record of a city camera: the city's, live view at any time, its stream
    the one CDK created; "offline" until video arrives (the video issue sets "live")."""
    return CameraSpot(
        camera_id=camera.camera_id,
        owner_id=CITY_OWNER,
        name=camera.name,
        lat=camera.lat,
        lon=camera.lon,
        bearing_deg=camera.bearing_deg,
        level="city",
        policy="always",
        status="offline",
        stream_name=stream_name(camera.camera_id),
        camera_type="fixed",
    )


def sync_city_cameras(cameras: list[CityCamera], registry: StreamRegistry) -> int:
    """Each configured city camera created or brought up to date in the registry; how many.
    What the config says (name, place, bearing) wins; the status the registry holds is kept
    (the video side sets "live", an admin "paused": an hourly sync must not undo either).
    A camera removed from the config stays registered (its stream, CDK's, is gone with the
    next deploy); removing it from the map is an admin's decision, not a sync's."""
    for camera in cameras:
        spot = city_spot(camera)
        current = registry.get_camera(spot.camera_id)
        registry.upsert_city_camera(spot if current is None else replace(spot, status=current.status))
    return len(cameras)
