"""Footage requests through the local stack: an officer's request reaches only owners with a
verified contact (a text from the alerts number with the request's link and case number, no
personal data in any log), unreachable and paused owners are counted, not asked; a request too
wide or too long is a 400 naming the field and stores nothing; an owner answers once (409 after),
not past expiry (410), and only with that request's link (403 for a portal link, 401 forged)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.integration.cameras.footage_helpers import (
    ask,
    link_of,
    make_camera,
    make_owner,
    phone_number,
    spot_near,
    texts_to,
    wait_for,
)
from tests.integration.cameras.footage_helpers import footage_settings as footage_settings  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + repr(record.__dict__))


@pytest.fixture
def logs() -> Iterator[Capture]:
    capture = Capture()
    names = ("", "rtcc", "rtcc-footage-notify", "rtcc-api", "aws_lambda_powertools")
    for name in names:
        logging.getLogger(name).addHandler(capture)
    try:
        yield capture
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(capture)


def owner_api(local_stack: Any, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["X-Owner-Link"] = token
    return session


def public(local_stack: Any, request_id: str, what: str = "") -> str:
    return f"{local_stack.base_url.rstrip('/')}/api/public/footage/{request_id}{what}"


def sent_request(local_stack: Any, api: Any) -> tuple[str, str, str, dict]:
    """A request to one verified owner: (request id, the owner's link token, owner id, body)."""
    lat, lon = spot_near()
    phone = phone_number()
    owner = make_owner(phone)
    make_camera(owner, lat + 0.0005, lon)
    body = ask(lat, lon)
    answer = api.as_role("officer").post("/api/footage", json=body)
    assert answer.status_code == 201, answer.text
    (text,) = wait_for(lambda: texts_to(local_stack.base_url, phone), what="the notice")
    token, request_id = link_of(text["body"])
    assert request_id == answer.json()["request"]["request_id"]
    return request_id, token, owner, body


def test_a_request_texts_verified_owners_only(local_stack: Any, api: Any, logs: Capture) -> None:
    lat, lon = spot_near()
    phones = {name: phone_number() for name in ("verified", "unverified", "paused", "far")}
    verified = make_owner(phones["verified"])
    cams = [make_camera(verified, lat + 0.001, lon), make_camera(verified, lat, lon + 0.001)]
    make_camera(make_owner(phones["unverified"], verified=False), lat - 0.001, lon)
    make_camera(make_owner(phones["paused"], status="paused"), lat, lon - 0.001)
    make_camera(make_owner(phones["far"]), lat + 0.02, lon)  # ~2 km: outside the circle
    body = ask(lat, lon)
    answer = api.as_role("officer").post("/api/footage", json=body)
    assert answer.status_code == 201, answer.text
    request = answer.json()["request"]
    assert (request["cameras"], request["owners"], request["unreachable"], request["paused"]) == (4, 1, 1, 1)
    (text,) = wait_for(lambda: texts_to(local_stack.base_url, phones["verified"]), what="the notice")
    assert text["from"] == "+15550100200" or text["from"].startswith("+1")
    assert body["case_number"] in text["body"] and "/cameras/request#t=" in text["body"]
    assert text["body"].startswith(local_stack.base_url) is False and local_stack.base_url in text["body"]
    assert body["reason"] not in text["body"]  # the page says why; a lock screen does not
    for name in ("unverified", "paused", "far"):
        assert texts_to(local_stack.base_url, phones[name]) == []
    token, request_id = link_of(text["body"])
    detail = api.as_role("officer").get(f"/api/footage/{request_id}").json()
    (notice,) = detail["notices"]
    assert (notice["owner_id"], notice["status"], sorted(notice["cameras"])) == (
        verified,
        "pending",
        sorted(cams),
    )
    assert wait_for(
        lambda: api.as_role("officer").get(f"/api/footage/{request_id}").json()["notices"][0]["channel"]
    )
    listed = api.as_role("officer").get("/api/footage").json()["requests"]
    assert request_id in [r["request_id"] for r in listed]
    everything = "\n".join(logs.lines)
    for secret in (*phones.values(), token):
        assert secret not in everything
    from rtcc.cameras.receipts_dynamodb import receipt_book

    assert [r.action for r in receipt_book().of_owner(verified, 10)] == ["requested"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"radius_m": 801}, "radius_m"),
        ({"case_number": "no spaces"}, "case_number"),
        ({"reason": "x" * 281}, "reason"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field_and_stores_nothing(
    api: Any, changes: dict, field: str
) -> None:
    lat, lon = spot_near()
    body = ask(lat, lon, **changes)
    answer = api.as_role("officer").post("/api/footage", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"].startswith(f"{field}:")
    listed = api.as_role("officer").get("/api/footage").json()["requests"]
    assert body["case_number"] not in [r["case_number"] for r in listed]


def test_a_window_too_long_or_in_the_future_is_refused_at_end(api: Any) -> None:
    lat, lon = spot_near()
    end = datetime.now(UTC) - timedelta(hours=1)
    too_long = ask(lat, lon, start=(end - timedelta(hours=12, minutes=1)).isoformat(), end=end.isoformat())
    future = ask(lat, lon, end=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    for body in (too_long, future):
        answer = api.as_role("officer").post("/api/footage", json=body)
        assert answer.status_code == 400 and answer.json()["message"].startswith("end:"), answer.text


def test_only_the_configured_requesters_may_send(api: Any, monkeypatch: Any) -> None:
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_CAMERAS_REQUESTERS", "supervisor")
    reload_settings()
    lat, lon = spot_near()
    assert api.as_role("officer").post("/api/footage", json=ask(lat, lon)).status_code == 403
    assert api.as_role("supervisor").post("/api/footage", json=ask(lat, lon)).status_code == 201


def test_an_owner_answers_once_with_the_request_link(local_stack: Any, api: Any) -> None:
    request_id, token, owner, body = sent_request(local_stack, api)
    owner_session = owner_api(local_stack, token)
    seen = owner_session.get(public(local_stack, request_id), timeout=30)
    assert seen.status_code == 200, seen.text
    view = seen.json()
    assert view["status"] == "pending" and view["request"]["case_number"] == body["case_number"]
    assert view["request"]["reason"] == body["reason"] and view["request"]["agency"]
    assert owner_session.post(public(local_stack, request_id, "/decline"), timeout=30).status_code == 200
    again = owner_session.post(public(local_stack, request_id, "/approve"), timeout=30)
    assert again.status_code == 409 and again.json()["message"].startswith("request:")
    assert owner_session.post(public(local_stack, request_id, "/decline"), timeout=30).status_code == 409
    assert owner_session.get(public(local_stack, request_id), timeout=30).json()["status"] == "declined"
    from rtcc.cameras import owner_links

    portal = owner_api(local_stack, owner_links.issue(owner, "portal", 1))
    assert portal.get(public(local_stack, request_id), timeout=30).status_code == 403
    forged = owner_api(local_stack, token[:-4] + "AAAA")
    assert forged.get(public(local_stack, request_id), timeout=30).status_code == 401
    assert requests.get(public(local_stack, request_id), timeout=30).status_code == 401
    from rtcc.cameras.receipts_dynamodb import receipt_book

    assert sorted(r.action for r in receipt_book().of_owner(owner, 10)) == ["declined", "requested"]


def test_an_expired_request_answers_410(local_stack: Any, api: Any) -> None:
    from rtcc.cameras.footage_dynamodb import get_notice, get_request
    from rtcc.store.footage import FootageNoticeRecord, FootageRequestRecord

    request_id, token, owner, _ = sent_request(local_stack, api)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    get_notice(request_id, owner).update(actions=[FootageNoticeRecord.expires_at.set(past)])
    get_request(request_id).update(actions=[FootageRequestRecord.expires_at.set(past)])
    owner_session = owner_api(local_stack, token)
    assert owner_session.get(public(local_stack, request_id), timeout=30).json()["status"] == "expired"
    answer = owner_session.post(public(local_stack, request_id, "/approve"), timeout=30)
    assert answer.status_code == 410, answer.text
    detail = api.as_role("officer").get(f"/api/footage/{request_id}").json()
    assert detail["request"]["status"] == "expired" and detail["notices"][0]["status"] == "expired"


def test_an_owner_with_only_an_email_gets_the_notice_by_email(local_stack: Any, api: Any) -> None:
    import secrets

    lat, lon = spot_near()
    address = f"owner-{secrets.token_hex(4)}@example.org"
    make_camera(make_owner(None, email=address, language="es"), lat, lon)
    body = ask(lat, lon)
    assert api.as_role("officer").post("/api/footage", json=body).status_code == 201

    def mail() -> list[dict]:
        url = local_stack.base_url + "/dev/mail"
        return requests.get(url, params={"to": address}, timeout=10).json()["messages"]

    (message,) = wait_for(mail, what="the email")
    assert message["language"] == "es" and body["case_number"] in message["subject"]
    assert "/cameras/request#t=own-" in message["text"] and body["case_number"] in message["text"]
