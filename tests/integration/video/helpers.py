"""Helpers of the video integration tests: cameras written into the registry as the registry
leaves them (a city camera by the city sync's upsert, an owner's camera with its owner item),
each with its stream made in the emulator's KVS, placed where no other test's cameras are."""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import replace
from typing import Any

import boto3
import requests
from botocore.exceptions import ClientError
from rtcc.audit import AuditLog
from rtcc.cameras.model import CameraSpot, stream_name


def far_spot() -> tuple[float, float]:
    """A point no other test's cameras are near (a 0.5 degree square of its own)."""
    return -33.5 + random.random() * 0.5, 151.0 + random.random() * 0.5


def kvs(stack: Any) -> Any:
    return boto3.client(
        "kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region
    )


def make_stream(stack: Any, name: str) -> None:
    try:
        kvs(stack).create_stream(StreamName=name, MediaType="video/h264", DataRetentionInHours=24)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise


def owner_camera(
    stack: Any, policy: str, *, where: tuple[float, float] | None = None, made: bool = True, **over: Any
) -> CameraSpot:
    """An integrated resident's camera with its stream (status "offline": made, no video yet)."""
    from rtcc.cameras.registry_dynamodb import create_camera
    from rtcc.store.camera_registry import CameraOwnerRecord

    owner_id, camera_id = f"own-{secrets.token_hex(8)}", f"cam-{secrets.token_hex(6)}"
    CameraOwnerRecord(owner_id, kind="resident", language="en", status="active", sealed_contact=b"sealed",
                      channels=["phone"], verified=["phone"], contact_macs=[], camera_ids=[],
                      created_at=time.time()).save()  # fmt: skip
    lat, lon = where or far_spot()
    spot = CameraSpot(camera_id, owner_id, "Porch", lat, lon, 180, "integrate", policy, "offline",  # type: ignore[arg-type]
                      stream_name(camera_id), "doorbell")  # fmt: skip
    spot = replace(spot, **over)
    create_camera(spot)
    if spot.stream_name and made:
        make_stream(stack, spot.stream_name)
    return spot


def city_camera(
    stack: Any, policy: str = "always", *, where: tuple[float, float] | None = None, **over: Any
) -> CameraSpot:
    from rtcc.cameras.registry_dynamodb import upsert_city_camera

    camera_id = f"city-v{secrets.token_hex(6)}"
    lat, lon = where or far_spot()
    spot = CameraSpot(camera_id, "city", "Main St", lat, lon, 90, "city", policy, "offline",  # type: ignore[arg-type]
                      stream_name(camera_id), "fixed")  # fmt: skip
    spot = replace(spot, **over)
    upsert_city_camera(spot)
    if spot.stream_name:
        make_stream(stack, spot.stream_name)
    return spot


def audits(target: str) -> list[Any]:
    return [e for e in AuditLog().entries(newest_first=True, limit=300) if e.target == target]


def receipts(owner_id: str) -> list[Any]:
    from rtcc.cameras.receipts_dynamodb import receipt_book

    return receipt_book().of_owner(owner_id)


def api_calls(stack: Any, action: str, resource: str = "") -> list[dict]:
    calls = requests.get(f"{stack.base_url}/dev/aws-calls", timeout=10).json()["calls"]
    return [
        c for c in calls if c["function"] == "api" and c["action"] == action and resource in c["resource"]
    ]
