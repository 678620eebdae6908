"""Footage requests' rules (rtcc.cameras.footage): area, window, past only, case number, the
reason owners read; who is asked (verified owners), who is not (unreachable, paused, the city);
a notice's one answer and its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.cameras.footage import (
    Gone,
    RequestRules,
    check_answer,
    month_of,
    new_request_id,
    notice_state,
    plan_owners,
    validate_ask,
)
from rtcc.cameras.model import CameraSpot
from rtcc.errors import Conflict, DomainError, NotFound

NOW = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
RULES = RequestRules(max_radius_m=800, max_hours=12, request_days=14)


def body(**changes: object) -> dict:
    good = {
        "lat": 44.05,
        "lon": -123.09,
        "radius_m": 300,
        "start": "2026-12-01T22:00:00Z",
        "end": "2026-12-02T02:00:00Z",
        "case_number": "26-004512",
        "reason": "A burglary on this block; footage of the street may show the suspects' car.",
    }
    good.update(changes)
    return good


def field_of(**changes: object) -> str | None:
    with pytest.raises(DomainError) as caught:
        validate_ask(body(**changes), RULES, NOW)
    assert caught.value.status == 400
    return caught.value.field


def test_a_good_request_is_accepted_as_sent() -> None:
    ask = validate_ask(body(incident_id="inc-1"), RULES, NOW)
    assert (ask.radius_m, ask.case_number, ask.incident_id) == (300, "26-004512", "inc-1")
    assert ask.end - ask.start == timedelta(hours=4) and ask.start.tzinfo is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"radius_m": 801}, "radius_m"),
        ({"radius_m": 0}, "radius_m"),
        ({"radius_m": "300"}, "radius_m"),
        ({"lat": 91}, "lat"),
        ({"lon": True}, "lon"),
        ({"end": "2026-12-02T10:00:01Z"}, "end"),  # 12 h 0 min 1 s: past the longest window... and the future
        ({"start": "2026-12-01T13:59:59Z"}, "end"),  # 12 h 0 min 1 s window
        ({"start": "2026-12-02T02:00:00Z"}, "end"),  # start == end
        ({"start": "2026-12-02T01:00:00", "end": "2026-12-02T02:00:00Z"}, "start"),  # no zone
        ({"start": "yesterday"}, "start"),
        ({"case_number": "26 004512"}, "case_number"),
        ({"case_number": ""}, "case_number"),
        ({"reason": "x" * 281}, "reason"),
        ({"reason": "  "}, "reason"),
        ({"incident_id": 7}, "incident_id"),
    ],
)
def test_a_rule_broken_is_a_400_naming_its_field(changes: dict, field: str) -> None:
    assert field_of(**changes) == field


def test_the_future_cannot_be_asked_for() -> None:
    assert field_of(start="2026-12-02T05:00:00Z", end="2026-12-02T06:00:00Z") == "end"
    validate_ask(body(start="2026-12-02T05:00:00Z", end="2026-12-02T05:30:30Z"), RULES, NOW)  # skew


def test_the_longest_window_and_widest_circle_are_allowed() -> None:
    validate_ask(body(start="2026-12-01T14:00:00Z", radius_m=800), RULES, NOW)
    validate_ask(body(reason="x" * 280), RULES, NOW)


def spot(camera_id: str, owner_id: str) -> CameraSpot:
    return CameraSpot(camera_id, owner_id, "c", 44.05, -123.09, None, "register", "request", "registered")


def test_owners_are_grouped_and_only_verified_ones_notified() -> None:
    cameras = [spot("cam-a", "own-1"), spot("cam-b", "own-1"), spot("cam-c", "own-2"), spot("cam-d", "own-3")]
    cameras.append(spot("city-main", "city"))
    states = {"own-1": "verified", "own-2": "unverified", "own-3": "paused"}
    plan = plan_owners(cameras, states.__getitem__)
    assert plan.notify == {"own-1": ["cam-a", "cam-b"]}
    assert (plan.unreachable, plan.paused, plan.cameras) == (["own-2"], ["own-3"], 4)


def test_request_ids_carry_their_month() -> None:
    request_id = new_request_id(NOW)
    assert month_of(request_id) == "2026-12"
    with pytest.raises(NotFound):
        month_of("fr-../../x")


def test_a_notice_is_answered_once_and_not_after_it_expires() -> None:
    later = (NOW + timedelta(days=14)).isoformat()
    check_answer("pending", later, NOW)
    with pytest.raises(Conflict):
        check_answer("approved", later, NOW)
    with pytest.raises(Conflict):
        check_answer("declined", later, NOW)
    with pytest.raises(Gone) as caught:
        check_answer("pending", NOW.isoformat(), NOW)
    assert caught.value.status == 410
    assert notice_state("pending", NOW.isoformat(), NOW) == "expired"
    assert notice_state("approved", NOW.isoformat(), NOW) == "approved"
