"""Helpers of the incidents integration tests: cameras placed in the registry at a spot no
other test uses, CAD's signed posts to POST /webhooks/cad/incidents, the stored items read
back by key."""

from __future__ import annotations

import json
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from rtcc.cameras.cad import sign
from rtcc.cameras.model import CameraSpot
from rtcc.secrets import local_secret_value

CAD = "/webhooks/cad/incidents"


def free_spot() -> tuple[float, float]:
    """A point in the test city's county no other test's cameras are near (~30 m grid of a
    0.3 degree square: a collision within the radius is vanishingly rare)."""
    return 43.8 + random.random() * 0.3, -123.3 + random.random() * 0.3


def city_camera(
    lat: float, lon: float, policy: str, bearing: int | None = 0, status: str = "live"
) -> CameraSpot:
    """A city camera in the registry (rtcc.cameras.registry_dynamodb, as the city sync stores them)."""
    from rtcc.cameras.registry_dynamodb import upsert_city_camera

    spot = CameraSpot(
        f"city-t{secrets.token_hex(6)}", "city", "Test camera", lat, lon, bearing, "city", policy, status
    )  # type: ignore[arg-type]
    upsert_city_camera(spot)
    return spot


def cad_message(cad_id: str | None = None, at: datetime | None = None, **over: Any) -> dict:
    lat, lon = free_spot()
    body = {
        "incident_id": cad_id or f"T{secrets.token_hex(5)}",
        "type": "Law:Burglary",
        "location": {"lat": lat, "lon": lon, "address": "100 Main St"},
        "time": (at or datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
        "status": "open",
        "notes": "caller Jane Roe",
    }
    return body | over


def post_cad(
    local_stack: Any,
    body: Any,
    *,
    secret: str | None = None,
    at: float | None = None,
    raw: bytes | None = None,
    header: str | None = None,
) -> requests.Response:
    data = raw if raw is not None else json.dumps(body).encode()
    stamp = int(time.time() if at is None else at)
    signature = (
        header
        if header is not None
        else sign(secret or local_secret_value("cad_webhook_secret"), stamp, data)
    )
    headers = {"Content-Type": "application/json"}
    if signature:  # "": no signature at all
        headers["X-Rtcc-Signature"] = signature
    return requests.post(local_stack.base_url + CAD, data=data, timeout=60, headers=headers)
