"""Footage tests' fixtures: camera owners (sealed contacts, verified or not, paused) and their
cameras put straight into the registry's tables, the settings the footage code reads, and
the outbox the notices land in."""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from rtcc.settings import reload_settings

#: A quiet corner of the test city, moved per test so requests never see another test's cameras.
CENTER = (44.0521, -123.0868)
SETTINGS = {
    "RTCC_CAMERAS_REQUEST_MAX_RADIUS_M": "800",
    "RTCC_CAMERAS_REQUEST_MAX_HOURS": "12",
    "RTCC_CAMERAS_REQUESTERS": "officer",
    "RTCC_CAMERAS_MAX_CLIP_MB": "20",
    "RTCC_CAMERAS_REQUEST_DAYS": "14",
}


@pytest.fixture
def footage_settings(local_stack: Any) -> Iterator[dict[str, str]]:
    saved = {name: os.environ.get(name) for name in SETTINGS}
    os.environ.update(SETTINGS)
    reload_settings()
    try:
        yield SETTINGS
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reload_settings()


def phone_number() -> str:
    return "+1541555" + "".join(random.choice("0123456789") for _ in range(4))


def spot_near() -> tuple[float, float]:
    """A point of its own ~1-5 km from the centre: one test's circle holds only its cameras."""
    return CENTER[0] + random.uniform(-0.04, 0.04), CENTER[1] + random.uniform(-0.05, 0.05)


def make_owner(
    phone: str | None,
    *,
    verified: bool = True,
    status: str = "active",
    language: str = "en",
    email: str | None = None,
) -> str:
    from rtcc.cameras.owners import seal_contact
    from rtcc.cameras.owners_dynamodb import KmsContactSealer
    from rtcc.store.camera_registry import CameraOwnerRecord

    owner_id = f"own-{secrets.token_hex(8)}"
    sealed = seal_contact(KmsContactSealer(), owner_id, "Test Owner", phone, email)
    channels = (["phone"] if phone else []) + (["email"] if email else [])
    CameraOwnerRecord(
        owner_id, kind="resident", language=language, status=status, sealed_contact=sealed,
        channels=channels, verified=channels if verified else [], camera_ids=[], created_at=time.time(),
    ).save()  # fmt: skip
    return owner_id


def make_camera(owner_id: str, lat: float, lon: float, status: str = "registered") -> str:
    from rtcc.cameras import registry_dynamodb as registry
    from rtcc.cameras.model import CameraSpot
    from rtcc.store.camera_registry import CameraRecord

    camera_id = f"cam-{secrets.token_hex(6)}"
    spot = CameraSpot(camera_id, owner_id, "Porch", lat, lon, 90, "register", "request", status)
    # The camera and its area-index item as the registry writes them (its own tests cover how).
    CameraRecord(camera_id, created_at=time.time(), updated_at=time.time(), **registry._values(spot)).save()
    registry._cell(spot).save()
    return camera_id


def texts_to(base: str, to: str) -> list[dict]:
    return requests.get(base + "/dev/outbox", params={"to": to}, timeout=30).json()["messages"]


def wait_for(check: Any, timeout: float = 60, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def ask(lat: float, lon: float, **changes: Any) -> dict:
    from datetime import UTC, datetime, timedelta

    end = datetime.now(UTC) - timedelta(hours=1)
    body = {
        "lat": lat, "lon": lon, "radius_m": 300, "start": (end - timedelta(hours=3)).isoformat(),
        "end": end.isoformat(), "case_number": f"26-{random.randint(100000, 999999)}",
        "reason": "A burglary on this block; the street camera may show the car.",
    }  # fmt: skip
    body.update(changes)
    return body


def link_of(text: str) -> tuple[str, str]:
    """The token and request id in a notice's link (`/cameras/request#t=<token>&r=<id>`)."""
    fragment = text.split("/cameras/request#", 1)[1].split()[0]
    parts = dict(part.split("=", 1) for part in fragment.split("&"))
    return parts["t"], parts["r"]
