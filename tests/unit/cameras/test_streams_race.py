"""A "create" job racing the camera's deletion must not leave an orphan stream: the camera
deleted (and its delete job done, finding no stream) between the job's read of the camera
and the stream's creation. The registry's set_stream then answers NotFound (as
rtcc.cameras.registry_dynamodb does): the stream just created is deleted, the job is done."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rtcc.cameras.model import CameraSpot
from rtcc.cameras.streams import CameraStreams, StreamJob
from rtcc.errors import NotFound
from rtcc.settings import reload_settings

from tests.unit.cameras.test_streams import FakeStreams, _camera

CAMERA = "cam-0123456789ab"


@pytest.fixture(autouse=True)
def _prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_TABLE_PREFIX", "rtcc-")
    reload_settings()


class Registry:
    def __init__(self, *spots: CameraSpot) -> None:
        self.cameras = {s.camera_id: s for s in spots}

    def get_camera(self, camera_id: str) -> CameraSpot | None:
        return self.cameras.get(camera_id)

    def set_stream(self, camera_id: str, stream_name: str | None, status: str) -> CameraSpot:
        if camera_id not in self.cameras:
            raise NotFound("no such camera", field="camera_id")  # as registry_dynamodb
        spot = replace(self.cameras[camera_id], stream_name=stream_name, status=status)  # type: ignore[arg-type]
        self.cameras[camera_id] = spot
        return spot

    def upsert_city_camera(self, spot: CameraSpot) -> None:
        raise AssertionError("not a city camera")


class DeletedWhileCreating(FakeStreams):
    """The owner deletes the camera while the stream is being created."""

    def __init__(self, registry: Registry) -> None:
        super().__init__()
        self.registry = registry

    def create(self, name: str, retention_hours: int, tags: dict[str, str]) -> bool:
        self.registry.cameras.pop(CAMERA, None)
        return super().create(name, retention_hours, tags)


def test_a_camera_deleted_while_its_stream_is_created_leaves_no_stream() -> None:
    registry = Registry(_camera())
    streams = DeletedWhileCreating(registry)
    outcome = CameraStreams(streams, registry, 24).handle(StreamJob(camera_id=CAMERA, action="create"))
    assert outcome.result == "skipped"
    assert streams.streams == {}


@pytest.mark.parametrize("level", ["register", "city"])
def test_only_an_integrated_camera_gets_a_stream(level: str) -> None:
    streams, registry = FakeStreams(), Registry(_camera(level=level))
    outcome = CameraStreams(streams, registry, 24).handle(StreamJob(camera_id=CAMERA, action="create"))
    assert outcome.result == "skipped" and streams.streams == {}
