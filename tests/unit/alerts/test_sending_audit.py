"""Review of issue 10, findings 1 and 11: the audit log tells what happened to a send whose
pages the queue refused (stored and partly queued, never "not applied"; the retry that queues
them again has its own entry), and an alert past its `expires_at` stops being sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rtcc.alerts.dispatch import AlertDispatcher
from rtcc.alerts.fakes import FakeProvider
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter
from rtcc.api.routes import alerts as alert_routes

from tests.unit.alerts.test_alerts_routes import DRAFT, world  # noqa: F401 - the fixture
from tests.unit.alerts.test_sending import NOW, _draft, _sending
from tests.unit.alerts.test_sending_retries import KEY, RefusingQueue, _with_key
from tests.unit.test_api import call


def _actions(audited) -> list[tuple[str, str]]:
    return [(action, target) for _, action, target, _ in audited]


def test_a_send_whose_pages_the_queue_refused_is_logged_stored_and_unqueued_then_requeued(world) -> None:  # noqa: F811
    app, _, _, audited = world
    sending = alert_routes._sending()
    queue = sending.queue = RefusingQueue({"ward-1"})
    _with_key(app, KEY)
    status, body = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    assert status == 503 and "send the same alert again" in body["message"]
    (stored,) = sending.recent(10)
    alert_id = stored.alert.alert_id
    # Stored (the public feed has it), nothing queued: never "not applied".
    assert _actions(audited) == [("alert.send", alert_id), ("alert.send.unqueued", alert_id)]
    assert audited[1][3] == {
        "alert_id": alert_id,
        "zones": ["ward-1"],
        "recipients": 2,
        "per_zone": {"ward-1": 2},
    }
    status, again = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    assert status == 200 and again["alert_id"] == alert_id and again["unqueued"] == 0
    assert _actions(audited)[2:] == [("alert.requeue", alert_id)]
    assert audited[2][3] == {
        "alert_id": alert_id,
        "zones": ["ward-1"],
        "recipients": 2,
        "per_zone": {"ward-1": 2},
    }
    assert [len(b.recipients) for b in queue.batches] == [2]
    # Nothing left to queue: a third repeat writes nothing and so logs nothing.
    assert call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")[0] == 200
    assert len(audited) == 3


def test_a_requeue_the_queue_refuses_again_is_logged_as_such(world) -> None:  # noqa: F811
    app, _, _, audited = world
    alert_routes._sending().queue = RefusingQueue({"ward-1"}, times=2)
    _with_key(app, KEY)
    assert call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")[0] == 503
    assert call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")[0] == 503
    assert [a for a, _ in _actions(audited)] == [
        "alert.send",
        "alert.send.unqueued",
        "alert.requeue",
        "alert.requeue.unqueued",
    ]


def test_an_approval_whose_pages_the_queue_refused_is_applied_and_unqueued(world) -> None:  # noqa: F811
    app, _, _, audited = world
    waiting = call(app, "POST", "/api/alerts", body={**DRAFT, "tier": "emergency"}, role="supervisor")[1]
    alert_id = waiting["alert_id"]
    alert_routes._sending().queue = RefusingQueue({"ward-1"})
    assert call(app, "POST", f"/api/alerts/{alert_id}/approve", role="admin")[0] == 503
    assert _actions(audited) == [
        ("alert.send", alert_id),
        ("alert.approve", alert_id),
        ("alert.approve.unqueued", alert_id),
    ]
    assert call(app, "GET", f"/api/alerts/{alert_id}", role="supervisor")[1]["alert"]["status"] == "sending"


def test_a_store_that_fails_still_logs_not_applied(world) -> None:  # noqa: F811
    """The other side of applied(): a write that did not happen is still said so."""
    app, queue, _, audited = world
    store = alert_routes._sending().store

    def refuse(record):  # noqa: ANN001
        raise RuntimeError("throttled")

    store.create = refuse
    try:
        status, _ = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    except RuntimeError:
        status = 500
    assert status == 500 and queue.batches == []
    assert [a for a, _ in _actions(audited)] == ["alert.send", "alert.send.not_applied"]


def test_an_expired_alert_stops_being_sent_its_remaining_recipients_settled_cancelled() -> None:
    from rtcc.alerts.sending import StoredAlerts

    members = {"ward-1": [(f"s{i}", "en") for i in range(6)]}
    sending, store, queue, ledger = _sending(members)
    sent = sending.create(replace(_draft(), expires_at=NOW + timedelta(minutes=30)), "sup", lambda d: None)
    now = [NOW + timedelta(minutes=29)]
    provider = FakeProvider()
    limiter = SlotRateLimiter(InProcessSlotCounter(), "+15550100200", 100_000.0)
    alerts = StoredAlerts(store, clock=lambda: now[0])
    dispatcher = AlertDispatcher(ledger, limiter, provider, alerts)
    (batch,) = queue.batches
    first = dispatcher.dispatch(replace(batch, recipients=batch.recipients[:2]))
    assert first.sent == 2  # before its expiry: sent
    now[0] = NOW + timedelta(minutes=30)  # at 1/s the rest would go out hours late
    later = AlertDispatcher(ledger, limiter, provider, alerts).dispatch(batch)
    assert (later.sent, later.cancelled, later.skipped) == (0, 4, 2)
    assert len(provider.accepted) == 2
    view = sending.view(sent.alert.alert_id)[1]["ward-1"]
    assert (view["queued"], view["sent"], view["cancelled"]) == (0, 2, 4)


def test_an_alert_without_an_expiry_is_not_stopped_by_time() -> None:
    from rtcc.alerts.sending import StoredAlerts

    sending, store, *_ = _sending({"ward-1": [("s1", "en")]})
    sent = sending.create(_draft(), "sup", lambda d: None)
    assert not StoredAlerts(store, clock=lambda: NOW + timedelta(days=365)).is_cancelled(sent.alert.alert_id)
