"""The DynamoDB adapters of the fan-out ports, against the units' moto server: the same
conditions as the in-memory ledger, and the dispatcher exactly-once on top of them."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch, DispatchPolicy
from rtcc.alerts.fakes import FakeAlerts, FakeProvider
from rtcc.alerts.ledger import Status, provider_id_digest
from rtcc.alerts.model import Alert, Recipient, Tier
from rtcc.alerts.ratelimit import SlotRateLimiter


@pytest.fixture(scope="module")
def tables(moto_endpoint):
    from rtcc.local.fidelity import make_dynamodb_writes_atomic

    # The tables are registered models: moto_endpoint has created and bound them. moto checks
    # a condition and writes without a lock; DynamoDB (and the local stack, which applies
    # this) does both atomically, which the races below rely on.
    make_dynamodb_writes_atomic()
    yield


def _alert_id() -> str:
    return "a-" + uuid.uuid4().hex[:12]


def test_claim_settle_release_cancel_and_expire_follow_the_ledger_rules(tables) -> None:
    from rtcc.alerts.dynamodb import DynamoDbLedger

    ledger, alert_id = DynamoDbLedger(), _alert_id()
    won = ledger.claim(alert_id, "s1", "ward-1", "owner-a", 100.0)
    assert won.won and won.current.status == Status.CLAIMED and won.current.attempts == 0
    lost = ledger.claim(alert_id, "s1", "ward-1", "owner-b", 101.0)
    assert not lost.won and lost.current.owner == "owner-a"

    from dataclasses import replace

    assert not ledger.settle(replace(lost.current, owner="owner-b"), Status.SENT, 102.0)
    assert ledger.release(replace(won.current, attempts=2), 103.0)
    assert not ledger.settle(won.current, Status.SENT, 104.0)  # released: no longer owned
    again = ledger.claim(alert_id, "s1", "ward-1", "owner-c", 105.0)
    assert again.won and again.current.attempts == 2
    assert ledger.settle(replace(again.current, attempts=3), Status.SENT, 106.0, provider_id="SM123")
    entry = ledger.get(alert_id, "s1")
    assert (entry.status, entry.attempts, entry.owner) == (Status.SENT, 3, None)
    assert entry.provider_id_hash == provider_id_digest("SM123")
    assert not ledger.cancel(alert_id, "s1", "ward-1", 107.0)  # sent stays sent

    assert ledger.cancel(alert_id, "s2", "ward-2", 108.0)
    stale = ledger.claim(alert_id, "s3", "ward-1", "owner-d", 109.0).current
    assert not ledger.expire_claim(replace(stale, claimed_at=1.0), 500.0)  # not the claim seen
    assert ledger.expire_claim(stale, 500.0)
    assert ledger.get(alert_id, "s3").status == Status.UNKNOWN
    assert ledger.counts(alert_id) == {
        ("ward-1", "sent"): 1,
        ("ward-2", "cancelled"): 1,
        ("ward-1", "unknown"): 1,
    }
    assert ledger.get(alert_id, "nobody") is None


def test_racing_dispatchers_on_dynamodb_send_each_message_once(tables) -> None:
    from rtcc.alerts.dynamodb import DynamoDbLedger, DynamoDbSlotCounter

    alert = Alert(
        alert_id=_alert_id(),
        tier=Tier.COMMUNITY,
        headline={"en": "Street fair"},
        texts={"en": "Main St closed Saturday 9-5."},
        zones=("ward-1",),
        categories=(),
        sent_at=datetime(2026, 12, 1, tzinfo=UTC),
        expires_at=None,
        sender="supervisor1",
    )
    provider = FakeProvider(latency=0.002)
    page = tuple(Recipient(f"sub-{i:03d}", "en") for i in range(40))
    dispatchers = [
        AlertDispatcher(
            DynamoDbLedger(),
            SlotRateLimiter(DynamoDbSlotCounter(), "+15550100200", 10_000),
            provider,
            FakeAlerts(alert),
            DispatchPolicy(workers=4),
        )
        for _ in range(3)
    ]
    reports: list = []
    threads = [
        threading.Thread(
            target=lambda d=d: reports.append(d.dispatch(DispatchBatch(alert.alert_id, "ward-1", page)))
        )
        for d in dispatchers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(provider.accepted) == 40 and max(provider.accepted.values()) == 1
    assert sum(r.sent for r in reports) == 40
    assert DynamoDbLedger().counts(alert.alert_id) == {("ward-1", "sent"): 40}


def test_the_slot_counter_never_grants_past_the_cap(tables) -> None:
    from rtcc.alerts.dynamodb import DynamoDbSlotCounter

    counter, sender = DynamoDbSlotCounter(), "+1555" + uuid.uuid4().hex[:7]
    assert counter.take(sender, 42, 6, 10, 1e9) == 6
    assert counter.take(sender, 42, 6, 10, 1e9) == 4  # only what fits
    assert counter.take(sender, 42, 6, 10, 1e9) == 0
    assert counter.take(sender, 43, 6, 10, 1e9) == 6  # the next slot is fresh
    granted: list[int] = []
    threads = [
        threading.Thread(target=lambda: granted.append(counter.take(sender, 44, 3, 10, 1e9)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 10


def test_ledger_entries_expire_after_the_delivery_retention(tables, monkeypatch) -> None:
    """Review finding 5: an entry ties an opaque subscriber id to an alert, a zone and an
    outcome, and outlived the subscriber's deletion forever. The entry's first write (claim
    or cancel) sets a TTL, `RTCC_ALERTS_DELIVERY_RETENTION_DAYS` on; the table has TTL on it."""
    from rtcc.alerts.dynamodb import DynamoDbLedger
    from rtcc.settings import reload_settings
    from rtcc.store.alerts import AlertDeliveryRecord
    from rtcc.store.base import ttl_attribute

    assert ttl_attribute(AlertDeliveryRecord).attr_name == "expires"
    day = 86_400
    monkeypatch.delenv("RTCC_ALERTS_DELIVERY_RETENTION_DAYS", raising=False)
    reload_settings()
    assert DynamoDbLedger().retention_s == 90 * day  # the default
    monkeypatch.setenv("RTCC_ALERTS_DELIVERY_RETENTION_DAYS", "30")
    reload_settings()
    ledger, alert_id = DynamoDbLedger(), _alert_id()
    monkeypatch.delenv("RTCC_ALERTS_DELIVERY_RETENTION_DAYS")
    reload_settings()
    now = 1_800_000_000.0
    ledger.claim(alert_id, "s1", "ward-1", "owner-a", now)
    ledger.cancel(alert_id, "s2", "ward-1", now + 5)
    expires = {s: AlertDeliveryRecord.get(alert_id, s).expires for s in ("s1", "s2")}
    assert expires == {
        "s1": datetime.fromtimestamp(now + 30 * day, UTC),
        "s2": datetime.fromtimestamp(now + 5 + 30 * day, UTC),
    }
