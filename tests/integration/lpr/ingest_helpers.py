"""Helpers of the sources and ingest integration tests: a source registered by an admin
through the API, reads posted to POST /ingest/lpr/reads as a vendor would (bearer or HMAC),
and the lpr-reads table read back by key."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from rtcc.lpr.sources import signature
from rtcc.store.lpr_reads import READ_ITEM, LprReadRecord, read_key

INGEST = "/ingest/lpr/reads"


def new_source(api: Any, auth: str = "bearer", vendor: str = "generic", readers: tuple = ("gate",)) -> dict:
    admin = api.as_role("admin")
    created = admin.post("/api/lpr/sources", json={"name": f"Test {auth}", "vendor": vendor, "auth": auth})
    assert created.status_code == 201, created.text
    out = created.json()
    for camera_id in readers:
        added = admin.post(
            f"/api/lpr/sources/{out['source']['source_id']}/readers",
            json={
                "camera_id": camera_id,
                "name": f"Reader {camera_id}",
                "kind": "fixed",
                "lat": 44.05,
                "lon": -123.09,
            },
        )
        assert added.status_code == 201, added.text
    return out


def generic_read(camera_id: str = "gate", plate: str = "TST123", **extra: Any) -> dict:
    seen = datetime.now(UTC) - timedelta(seconds=30)
    return {
        "read_id": uuid.uuid4().hex,
        "plate": plate,
        "camera_id": camera_id,
        "time": seen.isoformat(),
    } | extra


def post_bearer(
    local_stack: Any, token: str | None, payload: Any, raw: bytes | None = None
) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(payload).encode()
    return requests.post(local_stack.base_url + INGEST, data=data, headers=headers, timeout=60)


def post_signed(
    local_stack: Any,
    source_id: str,
    key: str,
    payload: Any,
    at: float | None = None,
    sign_with: str | None = None,
) -> requests.Response:
    body = json.dumps(payload).encode()
    stamp = int(time.time() if at is None else at)
    headers = {
        "Content-Type": "application/json",
        "X-Rtcc-Source": source_id,
        "X-Rtcc-Timestamp": str(stamp),
        "X-Rtcc-Signature": signature(sign_with or key, stamp, body),
    }
    return requests.post(local_stack.base_url + INGEST, data=body, headers=headers, timeout=60)


def stored(source_id: str, read_id: str) -> bool:
    try:
        LprReadRecord.get(read_key(source_id, read_id), READ_ITEM)
        return True
    except LprReadRecord.DoesNotExist:
        return False
