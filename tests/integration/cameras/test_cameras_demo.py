"""`rtcc dev`'s camera demo goes through the real doors: a business registered on the public
routes with the code from the local outbox, two cameras placed near the demo city's centre
(the integrated one gets its stream from camera-streams), an officer's incident beside them;
the banner's portal link opens the owner's portal."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from rtcc.local.demo_cameras import seed_demo_cameras

pytestmark = pytest.mark.integration


def test_the_demo_owner_and_cameras_come_through_the_public_routes(local_stack: Any) -> None:
    lines = seed_demo_cameras(local_stack.base_url)
    assert "registered 2 cameras" in lines[0]
    link = lines[1].split("/cameras/owner#t=", 1)[1]
    assert lines[1].startswith(f"cameras: the owner's portal (signed link, expires): {local_stack.base_url}/")
    from rtcc.cameras.registry_dynamodb import get_camera

    portal = requests.get(
        f"{local_stack.base_url}/api/public/cameras/portal", headers={"X-Owner-Link": link}, timeout=30
    )
    assert portal.status_code == 200, portal.text
    cameras = portal.json()["cameras"]
    assert sorted(c["name"] for c in cameras) == ["Front door", "Parking lot"]
    (integrated,) = [c["camera_id"] for c in cameras if c["level"] == "integrate"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not get_camera(integrated).stream_name:
        time.sleep(0.5)
    assert get_camera(integrated).stream_name == f"rtcc-cam-{integrated}"
    if len(lines) > 2:  # the incidents routes are in this tree
        assert "is on the operations map" in lines[2]
