"""The supervisors' alerts API (/api/alerts) through the API app, over in-memory ports:
supervisor only, 422 naming what is wrong (a language over 10 segments, no recipients),
every change audited before it is made, the delivery view per zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rtcc.api.app import build_app
from rtcc.api.routes import alerts as alert_routes

from tests.unit.alerts.test_sending import NOW, _sending
from tests.unit.test_api import call


@pytest.fixture
def world(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    members = {"ward-1": [("s1", "en"), ("s2", "es")], "ward-2": []}
    sending, store, queue, ledger = _sending(members, approval=True)
    monkeypatch.setattr(alert_routes, "_sending", lambda: sending)
    audited: list[tuple[str, str, str, dict]] = []

    def audit(app, action, target, *, purpose=None, case_number=None, detail=None):  # noqa: ANN001
        audited.append(
            (
                app.current_event.raw_event["requestContext"]["authorizer"]["claims"]["cognito:username"],
                action,
                target,
                detail or {},
            )
        )

    monkeypatch.setattr("rtcc.api.security.audit", audit)
    app = build_app()
    return app, queue, ledger, audited


DRAFT = {
    "tier": "advisory",
    "zones": ["ward-1"],
    "categories": [],
    "texts": {"en": "Boil water", "es": "Hierva"},
}


def test_only_supervisors_send_or_see_alerts(world) -> None:
    app, queue, _, audited = world
    assert call(app, "POST", "/api/alerts", body=DRAFT)[0] == 401
    assert call(app, "POST", "/api/alerts", body=DRAFT, role="officer")[0] == 403
    assert call(app, "GET", "/api/alerts", role="officer")[0] == 403
    assert (queue.batches, audited) == ([], [])


def test_preview_reach_and_segments_and_a_language_over_ten_segments_is_named(world) -> None:
    app, *_ = world
    status, body = call(app, "POST", "/api/alerts/preview", body=DRAFT, role="supervisor")
    assert (status, body) == (200, {"reach": 2, "segments": {"en": 1, "es": 1}})
    long = {**DRAFT, "texts": {"en": "ok", "es": "ж" * 700}}
    status, body = call(app, "POST", "/api/alerts/preview", body=long, role="supervisor")
    assert status == 422 and "texts.es" in body["message"] and "11 SMS segments" in body["message"]


def test_an_alert_with_no_recipients_is_a_clear_422_and_writes_nothing(world) -> None:
    app, queue, _, audited = world
    status, body = call(app, "POST", "/api/alerts", body={**DRAFT, "zones": ["ward-2"]}, role="supervisor")
    assert status == 422 and "no active subscriber" in body["message"]
    assert call(app, "GET", "/api/alerts", role="supervisor")[1] == {"alerts": []}
    assert (queue.batches, audited) == ([], [])


def test_send_cancel_and_the_delivery_view_are_audited_before_they_happen(world) -> None:
    app, queue, ledger, audited = world
    status, sent = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    assert status == 200 and sent["status"] == "sending" and sent["recipients"] == 2
    alert_id = sent["alert_id"]
    assert audited[0][:3] == ("supervisor", "alert.send", alert_id) and audited[0][3]["recipients"] == 2
    assert [len(b.recipients) for b in queue.batches] == [2]
    claim = ledger.claim(alert_id, "s1", "ward-1", "o", 1.0)
    ledger.settle(claim.current, _status("sent"), 2.0, provider_id="SM1")
    ledger.record_delivery(alert_id, "s1", "delivered", "SM1", 3.0)
    status, view = call(app, "GET", f"/api/alerts/{alert_id}", role="supervisor")
    assert status == 200 and view["alert"]["texts"] == DRAFT["texts"]
    assert view["counts"]["ward-1"] == {
        "queued": 1,
        "sent": 1,
        "delivered": 1,
        "undelivered": 0,
        "failed": 0,
        "cancelled": 0,
        "unknown": 0,
    }
    assert view["settled"] is False  # s2 is still queued
    claim = ledger.claim(alert_id, "s2", "ward-1", "o", 4.0)
    ledger.settle(claim.current, _status("failed"), 5.0)
    assert call(app, "GET", f"/api/alerts/{alert_id}", role="supervisor")[1]["settled"] is True
    status, cancelled = call(app, "POST", f"/api/alerts/{alert_id}/cancel", role="supervisor")
    assert status == 200 and cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "supervisor"
    assert audited[-1][:3] == ("supervisor", "alert.cancel", alert_id)
    assert [a["alert_id"] for a in call(app, "GET", "/api/alerts", role="supervisor")[1]["alerts"]] == [
        alert_id
    ]
    assert call(app, "GET", "/api/alerts/A20261201T000000Z-00000000", role="supervisor")[0] == 404


def test_an_emergency_needs_a_second_supervisor_when_configured(world) -> None:
    app, queue, _, audited = world
    status, waiting = call(app, "POST", "/api/alerts", body={**DRAFT, "tier": "emergency"}, role="supervisor")
    assert status == 200 and waiting["status"] == "awaiting-approval" and queue.batches == []
    alert_id = waiting["alert_id"]
    assert call(app, "POST", f"/api/alerts/{alert_id}/approve", role="supervisor")[0] == 403
    status, approved = call(app, "POST", f"/api/alerts/{alert_id}/approve", role="admin")
    assert status == 200 and approved["status"] == "sending" and approved["approved_by"] == "admin"
    assert len(queue.batches) == 1
    assert [a[1] for a in audited] == ["alert.send", "alert.approve"]


def _status(name: str):
    from rtcc.alerts.ledger import Status

    return Status(name)


def test_the_clock_is_the_sending_services(world) -> None:
    app, *_ = world
    sent = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")[1]
    assert datetime.fromisoformat(sent["sent_at"]) == NOW.astimezone(UTC)
