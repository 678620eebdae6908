"""Rules behind the officer-side hardening: the incidents list carries no notes or address;
who may close an incident; footage case numbers nothing can linkify; a window's start held to
the lookback; a circle's owners capped at radius_m; owners already asked about a case skipped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rtcc.cameras.footage import RequestRules, plan_owners, validate_ask
from rtcc.cameras.incidents import board_view, check_closer, officer_incident
from rtcc.cameras.model import CameraSpot
from rtcc.errors import DomainError, Forbidden

NOW = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
RULES = RequestRules(max_radius_m=800, max_hours=12, request_days=14, max_owners=2, lookback_days=30)


def ask(**changes: object) -> dict:
    good = {
        "lat": 47.60, "lon": -122.33, "radius_m": 300, "start": "2026-12-01T22:00:00Z",
        "end": "2026-12-02T02:00:00Z", "case_number": "26-004512", "reason": "A burglary.",
    }  # fmt: skip
    return good | changes


def test_the_board_view_has_no_notes_or_address() -> None:
    incident = officer_incident(47.6, -122.33, "Theft", "Jane Roe's car", "officer1", NOW)
    item = board_view(incident)
    assert "notes" not in item and "address" not in item and "Jane" not in str(item)
    assert (item["lat"], item["lon"], item["active"]) == (47.6, -122.33, True)


def test_who_may_close() -> None:
    mine = officer_incident(47.6, -122.33, "Theft", None, "officer1", NOW)
    check_closer(mine, "officer1", supervisor=False)
    check_closer(mine, "sergeant", supervisor=True)
    with pytest.raises(Forbidden):
        check_closer(mine, "officer2", supervisor=False)
    from dataclasses import replace

    cad = replace(mine, incident_id="cad-1", source="cad", created_by="cad")
    with pytest.raises(Forbidden) as caught:
        check_closer(cad, "officer1", supervisor=False)
    assert caught.value.field == "incident_id"
    check_closer(cad, "sergeant", supervisor=True)


@pytest.mark.parametrize("case", ["26.example.com", "a/b", "x:1", "26_1", "-26", "a" * 41])
def test_case_numbers_phones_could_linkify_are_refused(case: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_ask(ask(case_number=case), RULES, NOW)
    assert caught.value.field == "case_number"


def test_the_window_may_start_at_most_lookback_days_ago() -> None:
    validate_ask(ask(start="2026-11-02T06:00:00Z", end="2026-11-02T08:00:00Z"), RULES, NOW)
    with pytest.raises(DomainError) as caught:
        validate_ask(ask(start="2026-11-02T05:00:00Z", end="2026-11-02T08:00:00Z"), RULES, NOW)
    assert caught.value.field == "start"


def spot(owner: str, n: int) -> CameraSpot:
    return CameraSpot(
        f"cam-{n:012x}", owner, "Porch", 47.6, -122.33, None, "register", "request", "registered"
    )


def test_owners_capped_and_already_asked_skipped() -> None:
    cams = [spot("own-a", 1), spot("own-a", 2), spot("own-b", 3), spot("city", 4)]
    plan = plan_owners(cams, lambda _: "verified", asked={"own-a"}, max_owners=2)
    assert plan.notify == {"own-b": [spot("own-b", 3).camera_id]} and plan.asked_before == ["own-a"]
    assert plan.cameras == 3
    with pytest.raises(DomainError) as caught:
        plan_owners([*cams, spot("own-c", 5)], lambda _: "verified", max_owners=2)
    assert caught.value.field == "radius_m"
