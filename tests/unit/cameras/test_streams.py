"""rtcc.cameras.streams with fakes for the KVS and registry ports: jobs, idempotency, what is
recorded, city cameras' records; and the KVS adapter's answers to AWS's errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError
from rtcc.cameras.model import CameraSpot, stream_name
from rtcc.cameras.streams import CameraStreams, CityCamera, StreamJob, city_spot, sync_city_cameras
from rtcc.cameras.streams_kvs import KinesisVideoStreams
from rtcc.settings import reload_settings


@pytest.fixture(autouse=True)
def _prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_TABLE_PREFIX", "rtcc-")
    reload_settings()


class FakeStreams:
    def __init__(self) -> None:
        self.streams: dict[str, tuple[int, dict]] = {}
        self.tagged: list[str] = []

    def create(self, name: str, retention_hours: int, tags: dict[str, str]) -> bool:
        if name in self.streams:
            self.tagged.append(name)
            return False
        self.streams[name] = (retention_hours, tags)
        return True

    def delete(self, name: str) -> bool:
        return self.streams.pop(name, None) is not None


class FakeRegistry:
    def __init__(self, *spots: CameraSpot) -> None:
        self.cameras = {s.camera_id: s for s in spots}
        self.upserted: list[CameraSpot] = []

    def get_camera(self, camera_id: str) -> CameraSpot | None:
        return self.cameras.get(camera_id)

    def set_stream(self, camera_id: str, stream_name: str | None, status: str) -> CameraSpot:
        spot = replace(self.cameras[camera_id], stream_name=stream_name, status=status)  # type: ignore[arg-type]
        self.cameras[camera_id] = spot
        return spot

    def upsert_city_camera(self, spot: CameraSpot) -> None:
        self.upserted.append(spot)


def _camera(level: str = "integrate", camera_id: str = "cam-0123456789ab") -> CameraSpot:
    return CameraSpot(camera_id, "own-1", "Porch", 44.0, -123.0, 90, level, "incident", "registered")  # type: ignore[arg-type]


def test_create_makes_a_tagged_stream_and_records_it_once_even_twice() -> None:
    streams, registry = FakeStreams(), FakeRegistry(_camera())
    service = CameraStreams(streams, registry, retention_hours=36)
    job = StreamJob(camera_id="cam-0123456789ab", action="create")
    assert service.handle(job).result == "created"
    name = "rtcc-cam-cam-0123456789ab"
    assert streams.streams[name] == (36, {"rtcc:camera": "cam-0123456789ab", "rtcc:owner": "community"})
    assert registry.cameras["cam-0123456789ab"].stream_name == name == stream_name("cam-0123456789ab")
    assert registry.cameras["cam-0123456789ab"].status == "offline"
    assert service.handle(job).result == "exists" and streams.tagged == [name]


@pytest.mark.parametrize("camera", [None, _camera(level="register")])
def test_no_stream_for_a_camera_gone_or_only_registered(camera: CameraSpot | None) -> None:
    streams = FakeStreams()
    registry = FakeRegistry(*([camera] if camera else []))
    outcome = CameraStreams(streams, registry, 24).handle(
        StreamJob(camera_id="cam-0123456789ab", action="create")
    )
    assert outcome.result == "skipped" and streams.streams == {}


def test_delete_is_done_twice_and_a_camera_back_to_register_loses_its_stream() -> None:
    streams, registry = FakeStreams(), FakeRegistry(_camera())
    service = CameraStreams(streams, registry, 24)
    service.handle(StreamJob(camera_id="cam-0123456789ab", action="create"))
    registry.cameras["cam-0123456789ab"] = replace(registry.cameras["cam-0123456789ab"], level="register")
    job = StreamJob(camera_id="cam-0123456789ab", action="delete")
    assert service.handle(job).result == "deleted"
    assert (
        registry.cameras["cam-0123456789ab"].stream_name,
        registry.cameras["cam-0123456789ab"].status,
    ) == (
        None,
        "registered",
    )
    assert service.handle(job).result == "gone"


@pytest.mark.parametrize(
    "body",
    [
        {"camera_id": "city-main-and-1st", "action": "delete"},  # the city's streams are CDK's
        {"camera_id": "cam-XYZ", "action": "create"},
        {"camera_id": "cam-0123456789ab", "action": "pause"},
        {"camera_id": "cam-0123456789ab", "action": "create", "extra": 1},
    ],
)
def test_jobs_that_are_not_jobs_are_refused(body: dict) -> None:
    with pytest.raises(ValidationError):
        StreamJob.model_validate(body)


def test_city_cameras_are_the_citys_always_shared_with_cdks_stream() -> None:
    registry = FakeRegistry()
    cameras = [CityCamera(id="main-and-1st", name="Main", lat=47.6, lon=-122.3, bearing_deg=90)]
    assert sync_city_cameras(cameras, registry) == 1
    (spot,) = registry.upserted
    assert spot == city_spot(cameras[0])
    assert (spot.camera_id, spot.owner_id, spot.level, spot.policy) == (
        "city-main-and-1st",
        "city",
        "city",
        "always",
    )
    assert spot.stream_name == "rtcc-cam-city-main-and-1st" and spot.bearing_deg == 90


class Kvs:
    """A KVS client answering as AWS does: ResourceInUse on a second create, ResourceNotFound."""

    def __init__(self, existing: set[str]) -> None:
        self.existing = existing
        self.calls: list[tuple[str, dict]] = []

    def _error(self, code: str, op: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "-"}}, op)

    def create_stream(self, **kw: object) -> dict:
        self.calls.append(("create", kw))
        if kw["StreamName"] in self.existing:
            raise self._error("ResourceInUseException", "CreateStream")
        self.existing.add(str(kw["StreamName"]))
        return {"StreamARN": "arn"}

    def tag_stream(self, **kw: object) -> dict:
        self.calls.append(("tag", kw))
        return {}

    def describe_stream(self, StreamName: str) -> dict:  # noqa: N803 (boto3's name)
        if StreamName not in self.existing:
            raise self._error("ResourceNotFoundException", "DescribeStream")
        return {"StreamInfo": {"StreamARN": f"arn:{StreamName}"}}

    def delete_stream(self, StreamARN: str) -> dict:  # noqa: N803
        self.calls.append(("delete", {"StreamARN": StreamARN}))
        self.existing.discard(StreamARN.removeprefix("arn:"))
        return {}


def test_the_kvs_adapter_creates_tags_an_existing_one_and_deletes_by_arn() -> None:
    client = Kvs({"old"})
    kvs = KinesisVideoStreams(client)
    assert kvs.create("new", 24, {"a": "b"}) is True
    assert client.calls[0] == (
        "create",
        {"StreamName": "new", "MediaType": "video/h264", "DataRetentionInHours": 24, "Tags": {"a": "b"}},
    )
    assert kvs.create("old", 24, {"a": "b"}) is False and client.calls[-1] == (
        "tag",
        {"StreamName": "old", "Tags": {"a": "b"}},
    )
    assert kvs.delete("old") is True and client.calls[-1] == ("delete", {"StreamARN": "arn:old"})
    assert kvs.delete("old") is False


def test_the_kvs_adapter_lets_other_errors_through() -> None:
    class Refusing(Kvs):
        def create_stream(self, **kw: object) -> dict:
            raise self._error("AccessDeniedException", "CreateStream")

    with pytest.raises(ClientError):
        KinesisVideoStreams(Refusing(set())).create("x", 24, {})


def test_the_sync_keeps_the_status_the_registry_holds() -> None:
    camera = CityCamera(id="plaza", name="Plaza, renamed", lat=47.61, lon=-122.33)
    live = replace(city_spot(camera), name="Plaza", status="live")
    registry = FakeRegistry(live)
    sync_city_cameras([camera], registry)
    (spot,) = registry.upserted
    assert (spot.name, spot.status) == ("Plaza, renamed", "live")
