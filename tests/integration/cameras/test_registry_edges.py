"""The registry's edges through the local stack: an integrated camera asks for its video
stream and its deletion (queue camera-streams), a number that opted out gets no code and the
opt-out is recorded, a forged or missing link is 401, a business verifies by email."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.integration.cameras.registry_helpers import (
    call,
    camera_body,
    drained,
    owner_number,
    post,
    register,
    texts_to,
    verified_owner,
)

pytestmark = pytest.mark.integration


def _calls(local_stack: Any, action: str, resource: str, function: str) -> list[dict]:
    calls = requests.get(local_stack.base_url + "/dev/aws-calls", timeout=10).json()["calls"]
    return [
        c
        for c in calls
        if c["function"] == function and c["action"] == action and c["resource"].endswith(resource)
    ]


def _count(local_stack: Any, action: str, resource: str, function: str) -> int:
    """Allowed calls so far (the stack's call log counts each (function, action, resource))."""
    return sum(c["count"] for c in _calls(local_stack, action, resource, function) if c["allowed"])


def test_an_integrated_camera_asks_for_its_stream_and_its_deletion(local_stack: Any) -> None:
    from rtcc.cameras.desk_wiring import streams_declared

    if not streams_declared():
        pytest.skip("the camera-streams queue is not declared in this tree")
    _, _, link = verified_owner(local_stack)
    before = _count(local_stack, "sqs:SendMessage", "camera-streams", "api")
    added = post(local_stack, "/portal/cameras", camera_body(level="integrate", policy="incident"), link)
    assert added.status_code == 201, added.text
    camera_id = added.json()["camera"]["camera_id"]
    assert call(local_stack, "DELETE", f"/portal/cameras/{camera_id}", link).json() == {"deleted": True}
    assert _count(local_stack, "sqs:SendMessage", "camera-streams", "api") == before + 2  # create, delete


def test_an_opted_out_number_gets_no_code_and_the_opt_out_is_recorded(local_stack: Any) -> None:
    number, base = owner_number(), local_stack.base_url
    requests.post(
        base + "/dev/outbox/failures", json={"to": number, "code": 21610}, timeout=10
    ).raise_for_status()
    try:
        register(local_stack, number)
        drained(local_stack)
    finally:
        requests.post(base + "/dev/outbox/failures", json={"to": number, "code": None}, timeout=10)
    assert texts_to(local_stack, number) == []
    recorded = _calls(local_stack, "dynamodb:UpdateItem", "sms-opt-outs", "camera-verify")
    assert recorded and all(c["allowed"] for c in recorded)


def test_forged_missing_and_other_scope_links_are_refused(local_stack: Any) -> None:
    from rtcc.cameras import owner_links

    owner_id, _, link = verified_owner(local_stack)
    owner, expiry, signature = link.split(".")
    assert call(local_stack, "GET", "/portal", None).status_code == 401
    assert call(local_stack, "GET", "/portal", f"{owner}.{int(expiry) + 60}.{signature}").status_code == 401
    assert call(local_stack, "GET", "/portal", "own-1.2.3").status_code == 401
    # A footage request's link (scope request:<id>) does not open the portal.
    request_link = owner_links.issue(owner_id, "request:r-1", 1)
    assert call(local_stack, "GET", "/portal", request_link).status_code == 401
    expired = owner_links.issue(owner_id, "portal", -1)
    assert call(local_stack, "GET", "/portal", expired).status_code == 410


def test_a_business_verifies_by_email(local_stack: Any) -> None:
    import re
    import secrets

    address = f"shop-{secrets.token_hex(4)}@example.org"
    r = post(
        local_stack,
        "/owners",
        {"kind": "business", "name": "Corner Shop", "email": address, "language": "es"},
    )
    assert r.status_code == 201 and r.json()["verify"] == ["email"], r.text
    drained(local_stack)
    mail = requests.get(local_stack.base_url + "/dev/mail", params={"to": address}, timeout=10).json()[
        "messages"
    ]
    assert len(mail) == 1 and mail[0]["language"] == "es" and "código" in mail[0]["subject"]
    code = re.search(r"\b([0-9]{6})\b", mail[0]["text"]).group(1)  # type: ignore[union-attr]
    verified = post(local_stack, f"/owners/{r.json()['owner_id']}/verify", {"channel": "email", "code": code})
    assert verified.status_code == 200, verified.text
    # A link asked for by email comes by email.
    assert post(local_stack, "/links", {"email": address.upper()}).status_code == 202
    drained(local_stack)
    mail = requests.get(local_stack.base_url + "/dev/mail", params={"to": address}, timeout=10).json()[
        "messages"
    ]
    assert len(mail) == 2 and "/cameras/owner#t=own-" in mail[1]["text"]
