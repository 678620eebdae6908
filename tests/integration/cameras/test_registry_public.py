"""The public camera registry through the local stack, under the deployed grants: a resident
registers, proves the phone with the texted code, adds cameras inside the city (422 outside),
edits, pauses, deletes; "delete everything" leaves nothing in any table; links are sent again
without telling who is registered; no table holds the phone or the name in clear."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cameras.registry_helpers import (
    INSIDE,
    OUTSIDE,
    call,
    camera_body,
    ddb,
    drained,
    last_code,
    owner_number,
    post,
    register,
    registry_dump,
    table,
    texts_to,
    verified_owner,
)

pytestmark = pytest.mark.integration


def test_registration_code_and_portal(local_stack: Any) -> None:
    from rtcc.alerts.settings import alerts_settings

    number = owner_number()
    r = post(
        local_stack, "/owners", {"kind": "resident", "name": "Ana Example", "phone": number, "language": "es"}
    )
    assert r.status_code == 201 and r.json()["verify"] == ["phone"], r.text
    owner_id = r.json()["owner_id"]
    code = last_code(local_stack, number)
    [sent] = texts_to(local_stack, number)
    assert sent["from"] == alerts_settings().line_number and "código" in sent["body"]

    r = post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": code})
    assert r.status_code == 200, r.text
    link = r.json()["portal_token"]
    portal = call(local_stack, "GET", "/portal", link)
    assert portal.status_code == 200, portal.text
    assert portal.json()["owner"] == {
        "owner_id": owner_id, "kind": "resident", "language": "es", "status": "active",
        "channels": ["phone"], "verified": ["phone"],
    }  # fmt: skip
    assert portal.json()["cameras"] == [] and portal.json()["receipts"] == []
    dump = registry_dump(local_stack)
    assert number not in dump and number[2:] not in dump and "Ana Example" not in dump


def test_wrong_expired_and_exhausted_codes(local_stack: Any) -> None:
    number = owner_number()
    owner_id = register(local_stack, number)
    code = last_code(local_stack, number)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": wrong})
    assert r.status_code == 422 and "code" in r.json()["message"] and "4 tries left" in r.json()["message"]
    for _ in range(4):
        post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": wrong})
    r = post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": code})
    assert r.status_code == 429, r.text  # even the right code, once the tries are spent

    # Malformed: precise 422s naming the field.
    r = post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": "12"})
    assert r.status_code == 422 and "code" in r.text
    r = post(local_stack, "/owners", {"kind": "resident", "language": "en"})
    assert r.status_code == 422 and "phone" in r.json()["message"]
    r = post(local_stack, "/owners", {"kind": "robot", "phone": number})
    assert r.status_code == 422 and "kind" in r.text

    # Expired: the code's TTL passed (set in the table, as time would).
    other = owner_number()
    second = register(local_stack, other)
    code = last_code(local_stack, other)
    ddb(local_stack).update_item(
        TableName=table("camera-contact-codes"), Key={"code_key": {"S": f"{second}#phone"}},
        UpdateExpression="SET expires = :t", ExpressionAttributeValues={":t": {"N": "1000"}},
    )  # fmt: skip
    r = post(local_stack, f"/owners/{second}/verify", {"channel": "phone", "code": code})
    assert r.status_code == 410 and "expired" in r.text


def test_cameras_added_inside_the_city_edited_paused_and_found_nearest(local_stack: Any, api: Any) -> None:
    owner_id, _, link = verified_owner(local_stack)
    r = post(local_stack, "/portal/cameras", camera_body(*OUTSIDE), link)
    assert r.status_code == 422 and r.json()["message"].startswith("lat:"), r.text
    r = post(local_stack, "/portal/cameras", camera_body(bearing_deg=400), link)
    assert r.status_code == 422 and "bearing_deg" in r.text
    r = post(local_stack, "/portal/cameras", camera_body(), None)
    assert r.status_code == 401

    r = post(local_stack, "/portal/cameras", camera_body(), link)
    assert r.status_code == 201, r.text
    camera = r.json()["camera"]
    moved = camera_body(INSIDE[0] + 0.002, INSIDE[1], name="Drive", policy="incident", bearing_deg=180)
    r = call(local_stack, "PUT", f"/portal/cameras/{camera['camera_id']}", link, moved)
    assert r.status_code == 200 and r.json()["camera"]["policy"] == "incident", r.text

    officer = api.as_role("officer")
    near = officer.get("/api/cameras/nearest", params={"lat": INSIDE[0], "lon": INSIDE[1], "radius_m": 400})
    assert near.status_code == 200, near.text
    found = {c["camera_id"]: c for c in near.json()["cameras"]}
    assert found[camera["camera_id"]]["facing"] is True  # 222 m north, facing south: at the point
    assert 200 < found[camera["camera_id"]]["distance_m"] < 240
    assert near.json()["items_read"] < 200

    box = officer.get(
        "/api/cameras",
        params={"bbox": f"{INSIDE[0]},{INSIDE[1] - 0.01},{INSIDE[0] + 0.01},{INSIDE[1] + 0.01}"},
    )
    assert camera["camera_id"] in {c["camera_id"] for c in box.json()["cameras"]}
    assert officer.get("/api/cameras", params={"bbox": "1,2,3"}).status_code == 400
    one = officer.get(f"/api/cameras/{camera['camera_id']}")
    assert one.status_code == 200 and one.json()["owner"] == {"kind": "resident", "status": "active"}
    assert "phone" not in one.text

    r = post(local_stack, "/portal/pause", {"paused": True}, link)
    assert r.json() == {"status": "paused"}
    near = officer.get("/api/cameras/nearest", params={"lat": INSIDE[0], "lon": INSIDE[1]})
    assert camera["camera_id"] not in {c["camera_id"] for c in near.json()["cameras"]}
    portal = call(local_stack, "GET", "/portal", link).json()
    assert [c["status"] for c in portal["cameras"]] == ["paused"]
    post(local_stack, "/portal/pause", {"paused": False}, link)
    r = call(local_stack, "DELETE", f"/portal/cameras/{camera['camera_id']}", link)
    assert r.json() == {"deleted": True}
    assert call(local_stack, "GET", "/portal", link).json()["cameras"] == []
    assert camera["camera_id"] not in registry_dump(local_stack)


def test_delete_everything_really_deletes(local_stack: Any) -> None:
    from rtcc.cameras.receipts import Receipt
    from rtcc.cameras.receipts_dynamodb import receipt_book

    owner_id, number, link = verified_owner(local_stack)
    added = [post(local_stack, "/portal/cameras", camera_body(INSIDE[0] + i * 0.001), link) for i in range(2)]
    ids = [a.json()["camera"]["camera_id"] for a in added]
    receipt_book().record(
        Receipt(owner_id, ids[0], "requested", "Test PD", "C-1", "req-1", "2026-01-01T00:00:00Z")
    )
    assert call(local_stack, "GET", "/portal", link).json()["receipts"][0]["case_number"] == "C-1"
    r = call(local_stack, "DELETE", "/portal", link)
    # No footage notice was waiting for this owner (tests/integration/cameras/test_owner_requests.py has one).
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": True, "cameras": 2, "receipts": 1, "notices": 0}
    dump = registry_dump(local_stack)
    assert owner_id not in dump and not any(i in dump for i in ids)
    assert call(local_stack, "GET", "/portal", link).status_code == 410
    # The contact is free again: a new registration with it verifies.
    verified_owner(local_stack, number)


def test_links_sent_again_without_enumeration(local_stack: Any) -> None:
    owner_id, number, _ = verified_owner(local_stack)
    stranger = owner_number()
    before = len(texts_to(local_stack, number))
    answers = [post(local_stack, "/links", {"phone": n}) for n in (number, stranger)]
    assert [(a.status_code, a.json()) for a in answers] == [(202, {"status": "sent if registered"})] * 2
    drained(local_stack)
    texts = texts_to(local_stack, number)[before:]
    assert len(texts) == 1 and "/cameras/owner#t=" in texts[0]["body"]
    assert texts_to(local_stack, stranger) == []
    token = texts[0]["body"].split("#t=")[1].split()[0]
    assert call(local_stack, "GET", "/portal", token).json()["owner"]["owner_id"] == owner_id
    assert post(local_stack, "/links", {}).status_code == 422
    assert post(local_stack, "/links", {"email": "not-an-email"}).status_code == 422
