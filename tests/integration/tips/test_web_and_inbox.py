"""Web tips (public, no login) and the officer inbox API."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from tests.integration.tips.conftest import Phone, code_of, new_number, wait_for
from tests.unit.tips.test_media_and_twiml import photo_with_gps

pytestmark = pytest.mark.integration


def create_web_tip(api, **body: Any) -> dict:
    r = api.post("/api/public/tips", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def upload(form: dict, data: bytes, content_type: str) -> requests.Response:
    return requests.post(
        form["url"], data=form["fields"], files={"file": ("photo", data, content_type)}, timeout=30
    )


def test_web_tip_with_a_photo_then_follow_up(api) -> None:
    photo = photo_with_gps()
    created = create_web_tip(
        api,
        text="Stolen bikes in the garage at 12 Elm",
        latitude=40.01,
        longitude=-105.27,
        attachments=[{"content_type": "image/jpeg", "size": len(photo)}],
    )
    code, passphrase = created["code"], created["passphrase"]
    (form,) = created["uploads"]
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, 5 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"] and policy["expiration"]
    assert upload(form, photo, "image/jpeg").status_code in (200, 204)
    confirm = api.post(
        f"/api/public/tips/uploads/{form['media_id']}/confirm", json={"code": code, "passphrase": passphrase}
    )
    assert confirm.status_code == 200 and confirm.json()["state"] == "pending"

    officer = api.as_role("officer")

    def stored():
        media = officer.get(f"/api/tips/{code}").json()["media"]
        return media[0]["state"] == "stored" and media[0]

    item = wait_for(stored, 60)
    assert b"PhoneMaker" not in requests.get(item["url"], timeout=30).content
    tip = officer.get(f"/api/tips/{code}").json()
    assert tip["channel"] == "web" and tip["has_location"] and tip["latitude"] == 40.01

    assert officer.post(f"/api/tips/{code}/replies", json={"text": "Which garage door?"}).status_code == 200
    follow = api.post(
        "/api/public/tips/follow-up", json={"code": code.lower(), "passphrase": passphrase.lower()}
    )
    assert follow.status_code == 200, follow.text
    thread = follow.json()["thread"]
    assert [(m["sender"], m["text"]) for m in thread] == [
        ("you", "Stolen bikes in the garage at 12 Elm"),
        ("investigator", "Which garage door?"),
    ]
    assert thread[0]["attachments"][0]["state"] == "stored"
    assert "notes" not in follow.text and "assignee" not in follow.text

    more = api.post(
        "/api/public/tips/messages", json={"code": code, "passphrase": passphrase, "text": "The green one"}
    )
    assert more.status_code == 200
    assert officer.get(f"/api/tips/{code}").json()["messages"][-1]["body"] == "The green one"


def test_wrong_passphrase_and_unknown_code_look_the_same(api) -> None:
    created = create_web_tip(api, text="something")
    wrong = api.post(
        "/api/public/tips/follow-up", json={"code": created["code"], "passphrase": "AAAA-BBBB-CCCC"}
    )
    unknown = api.post("/api/public/tips/follow-up", json={"code": "T-2222", "passphrase": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json()["message"] == unknown.json()["message"]
    assert wrong.json()["message"].startswith("tip code or passphrase is wrong")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x", "latitude": 91, "longitude": 0}, "latitude"),
        ({"text": "x", "latitude": 40}, "location"),
        (
            {"text": "x", "attachments": [{"content_type": "application/x-msdownload", "size": 10}]},
            "content_type",
        ),
        ({"text": "x", "attachments": [{"content_type": "image/jpeg", "size": 6 * 1024 * 1024}]}, "size"),
        ({"text": "x", "attachments": [{"content_type": "image/jpeg", "size": 1}] * 6}, "attachments"),
        ({"text": "x", "ip": "1.2.3.4"}, "ip"),
    ],
)
def test_bad_web_tips_get_a_precise_4xx(api, body: dict, field: str) -> None:
    r = api.post("/api/public/tips", json=body)
    assert r.status_code in (400, 422), r.text
    assert field in r.json()["message"]


def test_inbox_list_filters_feed_update_and_audit(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    assert api.get("/api/tips").status_code == 401
    assert api.as_role("auditor").get("/api/tips").status_code == 403
    cursor = officer.get("/api/tips", params={"limit": 1}).json()["feed_cursor"]

    number = new_number()
    code = code_of(phone.text(number, "Zebra-striped truck dumping barrels by the creek")[1])
    feed = wait_for(
        lambda: [
            t
            for t in officer.get("/api/tips/feed", params={"after": cursor}).json()["tips"]
            if t["code"] == code
        ],
        10,
    )
    assert feed[0]["status"] == "new"

    found = officer.get("/api/tips", params={"q": "zebra barrels", "status": "new"}).json()["tips"]
    assert [t["code"] for t in found] == [code]
    assert officer.get("/api/tips", params={"q": "zebra", "status": "closed"}).json()["tips"] == []

    r = officer.patch(f"/api/tips/{code}", json={"status": "closed"})
    assert r.status_code == 422 and "disposition" in r.json()["message"]
    r = officer.patch(
        f"/api/tips/{code}",
        json={
            "assignee": "det.smith",
            "category": "property",
            "priority": "urgent",
            "case_number": "2026-001234",
            "note": "called environmental services",
        },
    )
    assert r.status_code == 200, r.text
    tip = r.json()
    assert (tip["status"], tip["assignee"], tip["priority"], tip["category"]) == (
        "assigned",
        "det.smith",
        "urgent",
        "property",
    )
    assert (
        tip["notes"][0]["author"] == "officer" and tip["notes"][0]["text"] == "called environmental services"
    )
    stale = officer.patch(f"/api/tips/{code}", json={"priority": "low", "version": tip["version"] - 1})
    assert stale.status_code == 409
    assert officer.patch(f"/api/tips/{code}", json={"category": "nonsense"}).status_code == 422

    urgent = officer.get("/api/tips", params={"priority": "urgent", "category": "property"}).json()["tips"]
    assert code in [t["code"] for t in urgent]

    r = officer.post(f"/api/tips/{code}/replies", json={"text": "Thank you. What colour were the barrels?"})
    assert r.status_code == 200 and r.json()["message"]["delivery"] == "queued"
    sms = wait_for(lambda: api.get("/dev/outbox", params={"to": number}).json()["messages"], 30)
    assert sms[0]["body"] == f"Re tip {code}: Thank you. What colour were the barrels?"
    assert sms[0]["from"] == "+15550100100"

    def listed() -> dict:
        return next(
            t for t in officer.get("/api/tips", params={"q": "zebra"}).json()["tips"] if t["code"] == code
        )

    assert listed()["unread"] is False  # the PATCH above returned the detail: an officer has seen it
    phone.text(number, "zebra update: they came back")
    assert listed()["unread"] is True  # a new message from the tipster
    officer.get(f"/api/tips/{code}")
    assert listed()["unread"] is False
    export = officer.get(f"/api/tips/{code}/export")
    assert export.status_code == 200 and export.json()["tip"]["code"] == code

    closed = officer.patch(f"/api/tips/{code}", json={"status": "closed", "disposition": "actionable"})
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert officer.post(f"/api/tips/{code}/replies", json={"text": "late"}).status_code == 409
    from rtcc.store.tips import TipVaultRecord

    assert TipVaultRecord.get(code).expires is not None  # contact deleted by TTL after retention
    # A text after closing starts a new tip rather than reopening the closed one.
    assert code_of(phone.text(number, "one more thing")[1]) != code

    entries = (
        api.as_role("auditor").get("/api/audit", params={"target": code, "limit": 100}).json()["entries"]
    )
    actions = {e["action"] for e in entries}
    assert {"tip.view", "tip.update", "tip.reply", "tip.export"} <= actions
    assert all(e["actor"] == "officer" for e in entries)


def test_unknown_tip_and_bad_codes(api) -> None:
    officer = api.as_role("officer")
    r = officer.get("/api/tips/T-2345")
    assert r.status_code == 404 and "T-2345" in r.json()["message"]
    assert officer.get("/api/tips/not-a-code").status_code in (400, 422)
    assert officer.get("/api/tips/feed", params={"after": "garbage-cursor"}).status_code in (400, 422)
