"""Demo plate reads for `rtcc dev`, through the doors a city uses: an admin registers a
reader source in the console's routes, a supervisor enters a BOLO, and the source posts
reads to `POST /ingest/lpr/reads` with its bearer token, one of them an OCR look-alike of
the BOLO (a hit on `#/lpr`). The banner prints the source's token so IT can post reads of
their own (curl) against the local stack; it is a local demo secret, never a deployed one.

Only the CLI calls this (tests start their stacks without it).
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import requests

from rtcc.settings import get_settings

_READER = {
    "camera_id": "main-st-east",
    "name": "Main St eastbound",
    "kind": "fixed",
    "lat": 42.1015,
    "lon": -72.5898,
}
_BOLO = {
    "plate": "7KX*",
    "reason": "Silver sedan circling the Elm St school at night (demo)",
    "case_number": "DEMO-0001",
    "priority": 10,
}
#: The second read is the BOLO's plate as a recogniser might misread it (O for 0, B for 8).
_READS = ("4TRW218", "7KX1O4B")


def _token(base_url: str, role: str) -> str:
    config = requests.get(f"{base_url}/config.json", timeout=20).json()
    cognito = boto3.client(
        "cognito-idp", endpoint_url=get_settings().aws_endpoint_url, region_name=config["region"]
    )
    answer = cognito.initiate_auth(
        ClientId=config["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": role, "PASSWORD": os.environ["RTCC_DEMO_PASSWORD"]},
    )
    return str(answer["AuthenticationResult"]["IdToken"])


def _call(base_url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    r = requests.request(
        method, f"{base_url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    r.raise_for_status()
    return r.json() if r.content else {}


def _wait_done(base_url: str, token: str, import_id: str) -> None:
    deadline = time.monotonic() + 60
    while (
        _call(base_url, token, "GET", f"/api/lpr/hotlists/imports/{import_id}")["import"]["state"] != "done"
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("the demo BOLO's import did not finish in 60 s")
        time.sleep(0.25)


def seed_demo_lpr(base_url: str) -> list[str]:
    """Register the demo source and reader, enter the BOLO, post the reads; the banner's lines."""
    admin, supervisor = _token(base_url, "admin"), _token(base_url, "supervisor")
    created = _call(
        base_url,
        admin,
        "POST",
        "/api/lpr/sources",
        {"name": "Demo reader cloud", "vendor": "generic", "auth": "bearer"},
    )
    source_id, secret = created["source"]["source_id"], created["secret"]
    _call(base_url, admin, "POST", f"/api/lpr/sources/{source_id}/readers", _READER)
    made = requests.post(
        f"{base_url}/api/lpr/hotlists",
        json={"list_id": "bolo", "name": "BOLO", "priority": 10},
        headers={"Authorization": f"Bearer {supervisor}"},
        timeout=30,
    )
    if made.status_code != 409:  # a list made by an earlier run serves as well
        made.raise_for_status()
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    entry = _call(
        base_url, supervisor, "POST", "/api/lpr/hotlists/bolo/entries", {**_BOLO, "expires_at": expires}
    )
    _wait_done(base_url, supervisor, entry["import"]["import_id"])
    now, run = datetime.now(UTC).isoformat(), uuid.uuid4().hex[:8]
    reads = [
        {"read_id": f"demo-{run}-{i}", "plate": p, "camera_id": "main-st-east", "time": now}
        for i, p in enumerate(_READS)
    ]
    answer = requests.post(
        f"{base_url}/ingest/lpr/reads", json=reads, headers={"Authorization": f"Bearer {secret}"}, timeout=30
    )
    answer.raise_for_status()
    counts = answer.json()
    return [
        f"plate reads: source {source_id} posted {counts['accepted']} reads, one a look-alike of the BOLO "
        f"{_BOLO['plate']}: its hit is on the console (#/lpr)",
        f"plate reads: post your own with  Authorization: Bearer {secret}  to {base_url}/ingest/lpr/reads",
    ]
