"""Helpers of the camera registry's integration tests: an owner registered and verified through
the public routes, the code read from /dev/phone's outbox, the tables read back by key."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import boto3
import requests

PUBLIC = "/api/public/cameras"
#: Inside the city outline the local stack serves (the demo city, rtcc/alerts/demo_city.geojson).
INSIDE = (47.605, -122.333)
OUTSIDE = (44.0521, -123.0868)


def owner_number() -> str:
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def post(local_stack: Any, path: str, body: Any, link: str | None = None) -> requests.Response:
    headers = {"X-Owner-Link": link} if link else {}
    return requests.post(local_stack.base_url + PUBLIC + path, json=body, headers=headers, timeout=30)


def call(local_stack: Any, method: str, path: str, link: str | None, body: Any = None) -> requests.Response:
    headers = {"X-Owner-Link": link} if link else {}
    return requests.request(
        method, local_stack.base_url + PUBLIC + path, json=body, headers=headers, timeout=30
    )


def texts_to(local_stack: Any, number: str) -> list[dict]:
    r = requests.get(local_stack.base_url + "/dev/outbox", params={"to": number}, timeout=10)
    r.raise_for_status()
    return r.json()["messages"]


def drained(local_stack: Any, queue: str = "camera-verify-codes", timeout: float = 60) -> None:
    sqs = boto3.client("sqs", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")
    url = local_stack.queue_urls[queue]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if all(int(counts[n]) == 0 for n in names):
            return
        time.sleep(0.1)
    raise AssertionError(f"{queue} was not handled in time")


def last_code(local_stack: Any, number: str) -> str:
    drained(local_stack)
    bodies = [m["body"] for m in texts_to(local_stack, number)]
    codes = [m.group(1) for b in bodies if (m := re.search(r"\b([0-9]{6})\b", b))]
    assert codes, bodies
    return codes[-1]


def register(local_stack: Any, number: str, **fields: Any) -> str:
    body = {"kind": "resident", "name": "Ana Example", "phone": number, "language": "en", **fields}
    r = post(local_stack, "/owners", body)
    assert r.status_code == 201, r.text
    return r.json()["owner_id"]


def verified_owner(local_stack: Any, number: str | None = None) -> tuple[str, str, str]:
    """(owner id, phone, portal token) of a freshly verified owner."""
    number = number or owner_number()
    owner_id = register(local_stack, number)
    r = post(
        local_stack,
        f"/owners/{owner_id}/verify",
        {"channel": "phone", "code": last_code(local_stack, number)},
    )
    assert r.status_code == 200, r.text
    return owner_id, number, r.json()["portal_token"]


def camera_body(lat: float = INSIDE[0], lon: float = INSIDE[1], **over: Any) -> dict:
    return {"name": "Porch", "type": "doorbell", "lat": lat, "lon": lon, "bearing_deg": 90,
            "level": "register", "policy": "request"} | over  # fmt: skip


def ddb(local_stack: Any) -> Any:
    return boto3.client("dynamodb", endpoint_url=local_stack.aws_endpoint_url, region_name="us-east-1")


def table(name: str) -> str:
    from rtcc.settings import get_settings

    return f"{get_settings().table_prefix}{name}"


def registry_dump(local_stack: Any) -> str:
    """Every registry table's items (test-only: the code under test never scans)."""
    client = ddb(local_stack)
    names = [
        "camera-owners",
        "camera-owner-contacts",
        "cameras",
        "camera-cells",
        "camera-receipts",
        "camera-contact-codes",
    ]
    return "\n".join(str(client.scan(TableName=table(n))["Items"]) for n in names)
