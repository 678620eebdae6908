"""Review findings 5 and 6: a supervisor's retried send never sends twice (idempotency key),
pages the queue refused are recorded, visible and re-queued by the same send again, approving
an expired alert is a 409 (not a 500), a headline over 160 characters a 422; pages are sized
from the sender's rate."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch, page_size
from rtcc.alerts.fakes import FakeProvider
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter
from rtcc.alerts.sending import AlertSending, InMemoryAlertStore, StoredAlerts, _as_audit
from rtcc.errors import Conflict, Unavailable

from tests.unit.alerts.test_alerts_routes import DRAFT, world  # noqa: F401 - the fixture
from tests.unit.alerts.test_sending import NOW, Queue, Zones, _draft, _sending
from tests.unit.test_api import call

KEY = "2f1c6f0e-6a59-4c1e-9d59-6f3f0e0b7a11"


class RefusingQueue(Queue):
    """Refuses the pages of `zones` the first `times` calls (SendMessageBatch partial failure)."""

    def __init__(self, zones: set[str], times: int = 1) -> None:
        super().__init__()
        self.zones, self.times = zones, times

    def enqueue(self, batches: list[DispatchBatch]) -> list[DispatchBatch]:
        refused = [b for b in batches if b.zone in self.zones] if self.times > 0 else []
        self.times -= 1
        self.batches.extend(b for b in batches if b not in refused)
        return refused


def test_the_same_key_twice_sends_one_alert_and_queues_its_pages_once() -> None:
    sending, store, queue, _ = _sending({"ward-1": [("s1", "en"), ("s2", "es")]})
    first = sending.create(_draft(), "alice", lambda d: None, KEY)
    again = sending.create(_draft(), "alice", lambda d: None, KEY)
    assert again == first and len(store.recent(10)) == 1 and len(queue.batches) == 1
    # Another supervisor's key of the same value is another alert; no key: every send is new.
    assert sending.create(_draft(), "bob", lambda d: None, KEY).alert.alert_id != first.alert.alert_id
    sending.create(_draft(), "alice", lambda d: None)
    assert len(store.recent(10)) == 3


def test_a_key_reused_for_a_different_alert_is_a_conflict() -> None:
    sending, *_ = _sending({"ward-1": [("s1", "en")]})
    sending.create(_draft(), "alice", lambda d: None, KEY)
    with pytest.raises(Conflict) as refused:
        sending.create(_draft(texts={"en": "Another text"}), "alice", lambda d: None, KEY)
    assert refused.value.field == "idempotency_key"


def test_refused_pages_are_recorded_visible_and_requeued_by_the_same_send_again() -> None:
    members = {"ward-1": [("s1", "en")], "ward-2": [("s2", "es"), ("s3", "en")]}
    store, queue = InMemoryAlertStore(), RefusingQueue({"ward-2"})
    sending = AlertSending(store, Zones(members), queue, _sending(members)[3], clock=lambda: NOW)
    with pytest.raises(Unavailable) as refused:
        sending.create(_draft(zones=("ward-1", "ward-2")), "alice", lambda d: None, KEY)
    assert "2 recipient(s)" in str(refused.value)
    (stored,) = store.recent(10)
    assert stored.unqueued == {"ward-2": 2} and [b.zone for b in queue.batches] == ["ward-1"]
    retried = sending.create(_draft(zones=("ward-1", "ward-2")), "alice", lambda d: None, KEY)
    assert retried.alert.alert_id == stored.alert.alert_id and retried.unqueued == {}
    assert [b.zone for b in queue.batches] == ["ward-1", "ward-2"]  # only the refused zone again
    assert store.get(stored.alert.alert_id).unqueued == {}


def test_requeued_pages_send_nobody_twice() -> None:
    members = {"ward-1": [(f"s{i}", "en") for i in range(5)]}
    store, queue = InMemoryAlertStore(), RefusingQueue({"ward-1"}, times=0)
    sending, _, _, ledger = _sending(members)
    sending = AlertSending(store, Zones(members), queue, ledger, clock=lambda: NOW)
    record = sending.create(_draft(), "alice", lambda d: None, KEY)
    # The queue said "refused" for a page it had in fact kept: both copies are dispatched.
    sending._requeue_refused(replace(record, unqueued={"ward-1": 5}), _as_audit(lambda d: None))
    provider = FakeProvider()
    limiter = SlotRateLimiter(InProcessSlotCounter(), "+15550100200", 100_000.0)
    dispatcher = AlertDispatcher(ledger, limiter, provider, StoredAlerts(store))
    reports = [dispatcher.dispatch(b) for b in queue.batches]
    assert len(queue.batches) == 2 and sum(r.sent for r in reports) == 5
    assert set(provider.accepted.values()) == {1}


def test_approving_an_alert_that_has_expired_is_a_conflict_not_a_crash() -> None:
    sending, _, queue, _ = _sending({"ward-1": [("s1", "en")]}, approval=True)
    from rtcc.alerts.model import Tier

    draft = replace(_draft(tier=Tier.EMERGENCY), expires_at=NOW + timedelta(minutes=5))
    waiting = sending.create(draft, "alice", lambda d: None)
    sending._clock = lambda: NOW + timedelta(minutes=6)
    with pytest.raises(Conflict) as refused:
        sending.approve(waiting.alert.alert_id, "bob", lambda d: None)
    assert refused.value.field == "expires_at" and queue.batches == []


def test_pages_are_sized_from_the_sender_rate() -> None:
    members = {"ward-1": [(f"s{i}", "en") for i in range(500)]}
    store, queue = InMemoryAlertStore(), Queue()
    sending = AlertSending(store, Zones(members), queue, _sending(members)[3], page_size=page_size(1.0))
    sending.create(_draft(), "alice", lambda d: None)
    assert [len(b.recipients) for b in queue.batches] == [210, 210, 80]


def _with_key(app, key: str):
    real = app.__dict__.setdefault("_unkeyed_resolve", app.resolve)  # wrap the app's own, once

    def resolve(event, ctx):  # noqa: ANN001
        event["headers"]["Idempotency-Key"] = key
        event["multiValueHeaders"]["Idempotency-Key"] = [key]
        return real(event, ctx)

    app.resolve = resolve
    return app


def test_the_api_takes_the_idempotency_key_header(world) -> None:  # noqa: F811
    app, queue, _, _ = world
    _with_key(app, KEY)
    first = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    again = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    assert first[0] == again[0] == 200 and first[1]["alert_id"] == again[1]["alert_id"]
    assert len(queue.batches) == 1 and first[1]["unqueued"] == 0
    assert call(app, "POST", "/api/alerts", body={**DRAFT, "texts": {"en": "x"}}, role="supervisor")[0] == 409
    _with_key(app, "bad key!")
    status, body = call(app, "POST", "/api/alerts", body=DRAFT, role="supervisor")
    assert status == 422 and "Idempotency-Key" in body["message"]


def test_a_headline_over_160_characters_is_a_422_and_sends_nothing(world) -> None:  # noqa: F811
    app, queue, _, audited = world
    long = {**DRAFT, "headline": {"en": "h" * 161}}
    status, body = call(app, "POST", "/api/alerts", body=long, role="supervisor")
    assert status == 422 and (queue.batches, audited) == ([], [])
    ok = {**DRAFT, "headline": {"en": "h" * 160}}
    assert call(app, "POST", "/api/alerts", body=ok, role="supervisor")[0] == 200


def test_approving_an_expired_alert_through_the_api_is_409(world) -> None:  # noqa: F811
    app, queue, _, _ = world
    body = {**DRAFT, "tier": "emergency", "expires_at": (NOW + timedelta(minutes=1)).isoformat()}
    waiting = call(app, "POST", "/api/alerts", body=body, role="supervisor")[1]
    from rtcc.api.routes import alerts as alert_routes

    alert_routes._sending()._clock = lambda: NOW + timedelta(minutes=2)
    status, answer = call(app, "POST", f"/api/alerts/{waiting['alert_id']}/approve", role="admin")
    assert status == 409 and "expired" in answer["message"] and queue.batches == []


def test_the_dynamodb_store_reserves_a_key_once_and_keeps_refused_pages(moto_endpoint) -> None:
    from rtcc.alerts.sending_dynamodb import DynamoDbAlertStore

    from tests.unit.alerts.test_sending_dynamodb import _sent

    store, tail = DynamoDbAlertStore(), uuid.uuid4().hex
    first = store.reserve(f"k{tail}", f"A20261201T210000Z-{tail[:8]}", "f1")
    assert store.reserve(f"k{tail}", "A20261201T220000Z-00000000", "f2") == first == (first[0], "f1")
    record = replace(_sent(f"A20261201T210000Z-{tail[:8]}"), unqueued={"ward-1": 2})
    assert store.create(record) and not store.create(record)  # a racing retry finds it stored
    assert store.get(record.alert.alert_id) == record
    assert all(r.alert.alert_id != f"k{tail}" for r in store.recent(50))  # keys are not alerts


class FlakySqs:
    """SendMessageBatch answering 200 with `Failed` entries: pages in `refuse` are refused
    `times` times each (or always)."""

    def __init__(self, refuse: set[str], times: int) -> None:
        self.refuse, self.times, self.calls, self.queued = refuse, times, 0, []
        self.tries: dict[str, int] = {}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict]) -> dict:  # noqa: N803 - boto3's
        self.calls += 1
        failed = []
        for entry in Entries:
            zone = DispatchBatch.from_message(entry["MessageBody"]).zone
            self.tries[zone] = self.tries.get(zone, 0) + 1
            if zone in self.refuse and self.tries[zone] <= self.times:
                failed.append({"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"})
            else:
                self.queued.append(zone)
        return {"Successful": [], "Failed": failed}


@pytest.mark.parametrize(("times", "refused"), [(2, []), (99, ["ward-2"])])
def test_the_sqs_queue_retries_refused_entries_and_returns_what_stays_refused(
    monkeypatch, times, refused
) -> None:
    from rtcc.alerts import sending_wiring
    from rtcc.alerts.model import Recipient

    monkeypatch.setattr(sending_wiring, "ENQUEUE_BACKOFF_S", 0.0)
    queue = object.__new__(sending_wiring.SqsFanoutQueue)
    queue._sqs, queue._url = FlakySqs({"ward-2"}, times), "https://sqs.local/alert-fanout"
    batches = [DispatchBatch("A1", zone, (Recipient("s1", "en"),)) for zone in ("ward-1", "ward-2", "ward-3")]
    left = queue.enqueue(batches)
    assert [b.zone for b in left] == refused
    assert queue._sqs.queued.count("ward-1") == 1 and queue._sqs.queued.count("ward-3") == 1  # never twice
    assert queue._sqs.calls == min(times + 1, sending_wiring.ENQUEUE_TRIES)
