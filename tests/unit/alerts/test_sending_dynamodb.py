"""The DynamoDB adapters of sending, against the units' moto server: the alert store's
conditional state changes and list order, and a status callback's once-only delivery record."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.sending import SendState, SentAlert

T = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def _sent(alert_id: str, state=SendState.SENDING) -> SentAlert:
    alert = Alert(
        alert_id=alert_id,
        tier=Tier.ADVISORY,
        headline={"en": "Boil water"},
        texts={"en": "Boil water", "es": "Hierva el agua ¿sí?"},
        zones=("ward-1", "zip:98101"),
        categories=("water",),
        sent_at=T,
        expires_at=T + timedelta(hours=6),
        sender="sup",
    )
    return SentAlert(alert, state, T, planned={"ward-1": 2, "zip:98101": 1})


def test_the_alert_store_round_trips_changes_state_conditionally_and_lists_newest_first(
    moto_endpoint,
) -> None:
    from rtcc.alerts.sending_dynamodb import DynamoDbAlertStore

    store = DynamoDbAlertStore()
    tail = uuid.uuid4().hex[:8]
    older, newer = _sent(f"A20261201T210000Z-{tail}"), _sent(f"A20261201T220000Z-{tail}")
    store.create(older)
    store.create(newer)
    assert store.get(older.alert.alert_id) == older
    assert store.get("A20261201T000000Z-nothere0") is None
    cancelled = replace(older, state=SendState.CANCELLED, cancelled_by="sup2", cancelled_at=T)
    assert store.replace(cancelled, SendState.SENDING)
    assert not store.replace(replace(older, approved_by="x"), SendState.SENDING)  # no longer sending
    assert store.get(older.alert.alert_id) == cancelled
    ids = [r.alert.alert_id for r in store.recent(50)]
    assert ids.index(newer.alert.alert_id) < ids.index(older.alert.alert_id)


def test_a_status_callback_records_delivery_once_for_its_own_message(moto_endpoint) -> None:
    from rtcc.alerts.dynamodb import DynamoDbLedger
    from rtcc.alerts.ledger import Status

    ledger, alert_id = DynamoDbLedger(), "A-" + uuid.uuid4().hex[:10]
    claim = ledger.claim(alert_id, "s1", "ward-1", "owner", 1.0)
    # Before the dispatcher has recorded the send: kept, and the settle keeps it.
    assert ledger.record_delivery(alert_id, "s1", "delivered", "SM1", 2.0)
    assert ledger.settle(claim.current, Status.SENT, 3.0, provider_id="SM1")
    assert ledger.get(alert_id, "s1").delivery == "delivered"
    assert not ledger.record_delivery(alert_id, "s1", "undelivered", "SM1", 4.0)  # once
    claim2 = ledger.claim(alert_id, "s2", "ward-1", "owner", 1.0)
    ledger.settle(claim2.current, Status.SENT, 3.0, provider_id="SM2")
    assert not ledger.record_delivery(alert_id, "s2", "delivered", "SM-other", 4.0)  # another message
    assert not ledger.record_delivery(alert_id, "nobody", "delivered", "SM3", 4.0)  # creates nothing
    assert ledger.get(alert_id, "nobody") is None
    assert ledger.record_delivery(alert_id, "s2", "undelivered", "SM2", 5.0)
    assert ledger.counts(alert_id) == {
        ("ward-1", "sent"): 2,
        ("ward-1", "delivered"): 1,
        ("ward-1", "undelivered"): 1,
    }
