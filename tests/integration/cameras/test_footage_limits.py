"""What keeps footage requests from being spam or phishing, through the local stack: a case
number a phone could turn into a link is refused; an officer's requests an hour are counted
(429 past the setting, by key); an owner is asked about one case once; a circle reaching
more owners than the setting is refused at radius_m; a window starting too far back is
refused at start; the list read and the request's place are audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rtcc.audit import AuditLog

from tests.integration.cameras.footage_helpers import (
    ask,
    make_camera,
    make_owner,
    phone_number,
    spot_near,
    texts_to,
    wait_for,
)
from tests.integration.cameras.footage_helpers import footage_settings as footage_settings  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]


def newest(action: str) -> Any:
    return next(e for e in AuditLog().entries(newest_first=True, limit=100) if e.action == action)


def listed_cases(api: Any) -> list[str]:
    return [r["case_number"] for r in api.as_role("officer").get("/api/footage").json()["requests"]]


@pytest.mark.parametrize("case", ["26.evil.co", "evil.co/x", "26/004512", "http:x", "26_1"])
def test_a_case_number_a_phone_could_link_is_refused(api: Any, case: str) -> None:
    answer = api.as_role("officer").post("/api/footage", json=ask(*spot_near(), case_number=case))
    assert answer.status_code == 400 and answer.json()["message"].startswith("case_number:"), answer.text
    assert case not in listed_cases(api)


def test_a_window_starting_too_far_back_is_refused_at_start(api: Any, monkeypatch: Any) -> None:
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_CAMERAS_REQUEST_LOOKBACK_DAYS", "30")
    reload_settings()
    start = datetime.now(UTC) - timedelta(days=30, minutes=5)
    body = ask(*spot_near(), start=start.isoformat(), end=(start + timedelta(hours=2)).isoformat())
    answer = api.as_role("officer").post("/api/footage", json=body)
    assert answer.status_code == 400 and answer.json()["message"].startswith("start:"), answer.text


def test_an_officers_requests_an_hour_are_limited(local_stack: Any, api: Any, monkeypatch: Any) -> None:
    from rtcc.settings import reload_settings
    from rtcc.store.footage_limits import FootageAskCountRecord

    who = local_stack.users.get("officer", "officer")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        sent = int(FootageAskCountRecord.get(f"{who}#{hour:%Y-%m-%dT%H}", consistent_read=True).n)
    except FootageAskCountRecord.DoesNotExist:
        sent = 0
    monkeypatch.setenv("RTCC_CAMERAS_REQUESTS_PER_HOUR", str(sent + 2))
    reload_settings()
    officer = api.as_role("officer")
    bad = officer.post("/api/footage", json=ask(*spot_near(), case_number="no spaces"))
    assert bad.status_code == 400  # refused input is not counted
    for _ in range(2):
        assert officer.post("/api/footage", json=ask(*spot_near())).status_code == 201
    body = ask(*spot_near())
    refused = officer.post("/api/footage", json=body)
    assert refused.status_code == 429, refused.text
    assert body["case_number"] not in listed_cases(api)


def test_an_owner_is_asked_about_a_case_once(local_stack: Any, api: Any) -> None:
    lat, lon = spot_near()
    first, second, later = phone_number(), phone_number(), phone_number()
    make_camera(make_owner(first), lat + 0.0005, lon)
    make_camera(make_owner(second), lat - 0.0005, lon)
    body = ask(lat, lon)
    one = api.as_role("officer").post("/api/footage", json=body)
    assert one.status_code == 201 and one.json()["request"]["owners"] == 2, one.text
    entry = newest("footage.request.create")
    assert (entry.detail["lat"], entry.detail["lon"], entry.detail["radius_m"]) == (lat, lon, 300)
    wait_for(lambda: texts_to(local_stack.base_url, first), what="the first notice")
    make_camera(make_owner(later), lat, lon + 0.0005)
    again = api.as_role("officer").post("/api/footage", json={**body, "reason": "Second look."})
    assert again.status_code == 201, again.text
    assert again.json()["request"]["owners"] == 1 and again.json()["asked_before"] == 2
    wait_for(lambda: texts_to(local_stack.base_url, later), what="the new owner's notice")
    assert len(texts_to(local_stack.base_url, first)) == 1
    assert len(texts_to(local_stack.base_url, second)) == 1
    other_case = api.as_role("officer").post("/api/footage", json=ask(lat, lon))
    assert other_case.json()["request"]["owners"] == 3  # another case asks them again


def test_a_circle_reaching_too_many_owners_is_refused(api: Any, monkeypatch: Any) -> None:
    from rtcc.settings import reload_settings

    lat, lon = spot_near()
    for d in (0.0003, 0.0006, 0.0009):
        make_camera(make_owner(phone_number()), lat + d, lon)
    monkeypatch.setenv("RTCC_CAMERAS_REQUEST_MAX_OWNERS", "2")
    reload_settings()
    body = ask(lat, lon)
    refused = api.as_role("officer").post("/api/footage", json=body)
    assert refused.status_code == 400 and refused.json()["message"].startswith("radius_m:"), refused.text
    assert body["case_number"] not in listed_cases(api)
    assert api.as_role("officer").post("/api/footage", json=ask(lat, lon, radius_m=80)).status_code == 201


def test_the_list_is_audited_with_its_count(api: Any) -> None:
    requests = api.as_role("officer").get("/api/footage").json()["requests"]
    entry = newest("footage.request.list")
    assert entry.detail == {"count": len(requests)}
