"""Demo cameras for `rtcc dev`, through the doors a resident or business uses: a demo business
registers on the public camera routes with a phone number, reads its one-time code from the
local outbox (as the phone would show it), and places two cameras near the demo city's centre
(one only registered, one integrated: `camera-streams` makes its video stream); an officer
reports an incident beside them, so the operations map opens on something. The city's own
cameras come from the config through the streams function's sync, not from here.

The banner prints the owner portal's signed link (local demo data, never a deployed secret).
Only the CLI calls this (tests start their stacks without it, then call it themselves).
"""

from __future__ import annotations

import random
import re
import time

import requests

from rtcc.local.demo_lpr import _token

PUBLIC = "/api/public/cameras"
#: Beside the demo city's centre (inside its outline: rtcc/alerts/demo_city.geojson).
CENTRE = (47.6050, -122.3330)
_CAMERAS = (
    {"name": "Front door", "type": "doorbell", "bearing_deg": 180, "level": "register", "policy": "request"},
    {"name": "Parking lot", "type": "fixed", "bearing_deg": 270, "level": "integrate", "policy": "incident"},
)


def _post(base_url: str, path: str, body: dict, link: str | None = None) -> dict:
    headers = {"X-Owner-Link": link} if link else {}
    answer = requests.post(f"{base_url}{PUBLIC}{path}", json=body, headers=headers, timeout=30)
    answer.raise_for_status()
    return answer.json()


def _code(base_url: str, number: str, timeout: float = 60) -> str:
    """The one-time code camera-verify texted to `number`, read from the local outbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = requests.get(f"{base_url}/dev/outbox", params={"to": number}, timeout=10).json()[
            "messages"
        ]
        codes = [m.group(1) for msg in messages if (m := re.search(r"\b([0-9]{6})\b", msg["body"]))]
        if codes:
            return codes[-1]
        time.sleep(0.25)
    raise RuntimeError(f"no code reached the demo owner's phone in {timeout:.0f} s")


def _incident(base_url: str) -> str:
    """An officer's incident beside the cameras; "" when the incidents routes are not there."""
    officer = _token(base_url, "officer")
    lat, lon = CENTRE
    body = {"lat": lat + 0.0004, "lon": lon, "type": "Suspicious vehicle", "notes": "Demo incident"}
    answer = requests.post(
        f"{base_url}/api/incidents", json=body, headers={"Authorization": f"Bearer {officer}"}, timeout=30
    )
    if answer.status_code == 404:
        return ""
    answer.raise_for_status()
    found = answer.json()
    return str((found.get("incident") or found).get("incident_id", ""))


def seed_demo_cameras(base_url: str) -> list[str]:
    """Register the demo owner and its two cameras, report an incident; the banner's lines."""
    number = "+1413555" + "".join(random.choice("0123456789") for _ in range(4))
    owner = _post(
        base_url,
        "/owners",
        {"kind": "business", "name": "Demo Corner Store", "phone": number, "language": "en"},
    )
    token = _post(
        base_url,
        f"/owners/{owner['owner_id']}/verify",
        {"channel": "phone", "code": _code(base_url, number)},
    )["portal_token"]
    lat, lon = CENTRE
    for i, camera in enumerate(_CAMERAS):
        _post(base_url, "/portal/cameras", {**camera, "lat": lat, "lon": lon + 0.0003 * i}, token)
    incident = _incident(base_url)
    lines = [
        f"cameras: demo business {owner['owner_id']} ({number}) registered 2 cameras near {lat}, {lon} "
        "(one integrated: its video stream is made by camera-streams); the city's come from the config",
        f"cameras: the owner's portal (signed link, expires): {base_url}/cameras/owner#t={token}",
    ]
    if incident:
        lines.append(f"cameras: incident {incident} beside them is on the operations map (#/map)")
    return lines
