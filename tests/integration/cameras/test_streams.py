"""camera-streams against the local stack, under its deployed IAM: an integrated camera's
stream created from the queue (tags, retention, recorded on the camera), created twice
(tagged again), deleted (twice); the city's cameras' streams (the template's) and their
registry records (the schedule's sync, a moved camera's cell item replaced); a KVS call
outside `stream/<prefix>cam-*` and on a city stream refused (the enforcer reads KVS's calls).
Email through SES: tests/integration/test_platform_email.py."""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from rtcc.cameras.model import CameraSpot, stream_name
from rtcc.local.iam.identity import acting_as
from rtcc.settings import reload_settings

#: Where this file's cameras live: far from every other test's (a nearest-cameras or footage
#: request test near the test city must never find them).
FAR_AWAY = (10.0 + random.random(), 10.0 + random.random())


def _kvs(stack: Any) -> Any:
    return boto3.client(
        "kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region
    )


def _wait(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out waiting for camera-streams")


def _integrated_camera() -> CameraSpot:
    """An integrate-level camera in the registry (its record as rtcc.cameras.registry_dynamodb
    keeps it), written by the harness: what the registration routes leave behind."""
    from rtcc.store.camera_registry import CameraRecord

    spot = CameraSpot(
        f"cam-{secrets.token_hex(6)}",
        f"own-{secrets.token_hex(8)}",
        "Porch",
        *FAR_AWAY,
        180,
        "integrate",
        "incident",
        "registered",
    )
    values = {k: getattr(spot, k) for k in ("owner_id", "name", "camera_type", "lat", "lon", "bearing_deg")}
    values |= {k: getattr(spot, k) for k in ("level", "policy", "status")}
    CameraRecord(spot.camera_id, created_at=time.time(), updated_at=time.time(), **values).save()
    return spot


def _send(stack: Any, camera_id: str, action: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region)
    body = json.dumps({"camera_id": camera_id, "action": action})
    sqs.send_message(QueueUrl=stack.queue_urls["camera-streams"], MessageBody=body)


def _stream(stack: Any, name: str) -> dict | None:
    try:
        return _kvs(stack).describe_stream(StreamName=name)["StreamInfo"]
    except ClientError:
        return None


def test_an_integrated_cameras_stream_is_created_recorded_and_deleted(local_stack: Any) -> None:
    from rtcc.cameras.registry_dynamodb import get_camera

    spot = _integrated_camera()
    name = stream_name(spot.camera_id)
    _send(local_stack, spot.camera_id, "create")
    recorded = _wait(lambda: (c := get_camera(spot.camera_id)) and c.stream_name and c)
    assert (recorded.stream_name, recorded.status) == (name, "offline")
    info = _stream(local_stack, name)
    assert info is not None and info["DataRetentionInHours"] == 24 and info["MediaType"] == "video/h264"
    tags = _kvs(local_stack).list_tags_for_stream(StreamName=name)["Tags"]
    assert tags == {"rtcc:camera": spot.camera_id, "rtcc:owner": "community"}
    # A second delivery: the stream is there, its tags are applied again (TagStream).
    _send(local_stack, spot.camera_id, "create")
    _wait(lambda: _granted_call(local_stack, "kinesisvideo:TagStream"))
    _send(local_stack, spot.camera_id, "delete")
    _wait(lambda: _stream(local_stack, name) is None)
    _send(local_stack, spot.camera_id, "delete")  # gone already: done, not a failure
    _wait(lambda: _queue_drained(local_stack))
    assert not _denied_calls(local_stack)


def _queue_drained(stack: Any) -> bool:
    """No message waiting or in flight: a job that failed would stay in flight (then come back)."""
    sqs = boto3.client("sqs", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_urls["camera-streams"], AttributeNames=names)
    return all(attributes["Attributes"][n] == "0" for n in names)


def _calls(stack: Any) -> list[dict]:
    return requests.get(f"{stack.base_url}/dev/aws-calls", timeout=10).json()["calls"]


def _granted_call(stack: Any, action: str, name: str = "") -> bool:
    return any(
        c["function"] == "camera-streams" and c["action"] == action and c["allowed"] and name in c["resource"]
        for c in _calls(stack)
    )


def _denied_calls(stack: Any) -> list[dict]:
    return [c for c in _calls(stack) if c["function"] == "camera-streams" and not c["allowed"]]


def test_the_city_cameras_have_streams_and_are_in_the_registry(local_stack: Any) -> None:
    from rtcc.cameras.registry_dynamodb import get_camera

    for camera_id in ("city-main-and-1st", "city-city-hall-plaza"):
        info = _stream(local_stack, stream_name(camera_id))
        assert info is not None and info["DataRetentionInHours"] == 24
        camera = _wait(lambda camera_id=camera_id: get_camera(camera_id))
        assert (camera.owner_id, camera.level, camera.policy) == ("city", "city", "always")
        assert camera.stream_name == stream_name(camera_id)
    assert get_camera("city-main-and-1st").bearing_deg == 90


def test_a_moved_city_camera_moves_in_the_index(local_stack: Any) -> None:
    """The sync under camera-streams' role, after the config moved a camera: its old cell
    item deleted, a new one put (the registry's transaction)."""
    from rtcc.cameras.registry_dynamodb import get_camera

    camera_id = f"t{secrets.token_hex(4)}"
    spec = local_stack.topology.function("camera-streams")
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    for lat in (FAR_AWAY[0], FAR_AWAY[0] + 0.01):
        moved = [{"id": camera_id, "name": "Moving camera", "lat": lat, "lon": FAR_AWAY[1]}]
        os.environ["RTCC_CAMERAS_CITY_CAMERAS"] = json.dumps(moved)
        reload_settings()
        try:
            assert local_stack._runtime.invoke(spec, scheduled) == {"city_cameras": 1}
        finally:
            os.environ.pop("RTCC_CAMERAS_CITY_CAMERAS")
            reload_settings()
        assert get_camera(f"city-{camera_id}").lat == lat
    assert _granted_call(local_stack, "dynamodb:DeleteItem", "camera-cells")


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("create_stream", {"StreamName": "someone-elses-stream", "DataRetentionInHours": 1}),
        ("create_stream", {"StreamName": "rtcc-cam-city-main-and-1st-copy", "DataRetentionInHours": 1}),
        ("tag_stream", {"StreamName": "rtcc-cam-city-main-and-1st", "Tags": {"x": "y"}}),
        ("describe_stream", {"StreamName": "someone-elses-stream"}),
    ],
)
def test_kvs_calls_outside_the_grant_are_refused(local_stack: Any, call: str, kwargs: dict) -> None:
    client = _kvs(local_stack)
    with acting_as("camera-streams"), pytest.raises(ClientError) as refused:
        getattr(client, call)(**kwargs)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401


def test_a_city_stream_cannot_be_deleted_by_the_function(local_stack: Any) -> None:
    client = _kvs(local_stack)
    arn = client.describe_stream(StreamName="rtcc-cam-city-city-hall-plaza")["StreamInfo"]["StreamARN"]
    with acting_as("camera-streams"), pytest.raises(ClientError) as refused:
        client.delete_stream(StreamARN=arn)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert _stream(local_stack, "rtcc-cam-city-city-hall-plaza") is not None


def test_a_camera_integrated_then_deleted_in_the_portal_gets_then_loses_its_stream(local_stack: Any) -> None:
    """Through the real doors: the registry queues the jobs, camera-streams acts on them."""
    from rtcc.cameras.registry_dynamodb import get_camera

    from tests.integration.cameras.registry_helpers import call, camera_body, post, verified_owner

    _, _, link = verified_owner(local_stack)
    added = post(local_stack, "/portal/cameras", camera_body(level="integrate", policy="always"), link)
    assert added.status_code == 201, added.text
    camera_id = added.json()["camera"]["camera_id"]
    name = stream_name(camera_id)
    _wait(lambda: (c := get_camera(camera_id)) and c.stream_name == name)
    assert _stream(local_stack, name) is not None
    assert call(local_stack, "DELETE", f"/portal/cameras/{camera_id}", link).json() == {"deleted": True}
    _wait(lambda: _stream(local_stack, name) is None)
