"""Sending an alert (issue 10, "Sending", "Fan-out", "Bad input"): preview, create with the
recipients' pages on the queue, no recipients refused, emergency approval, cancel, the
delivery view, status callbacks, and the alerts line sender; all in process."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rtcc.alerts.dispatch import MAX_PAGE, AlertDispatcher, DeliveryRef, DispatchBatch, DispatchPolicy
from rtcc.alerts.ledger import InMemoryLedger, Status
from rtcc.alerts.line_sender import AlertLineSender, SubscriberGone, parse_ref, record_status, ref_param
from rtcc.alerts.model import Recipient, Tier
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter
from rtcc.alerts.sending import (
    AlertSending,
    Draft,
    InMemoryAlertStore,
    SendState,
    StoredAlerts,
    delivery_counts,
)
from rtcc.alerts.subscriber_memory import MemorySubscriberStore
from rtcc.alerts.subscriber_ports import Preferences, Subscriber
from rtcc.alerts.subscriber_ports import Status as SubStatus
from rtcc.errors import Conflict, Forbidden, Invalid
from rtcc.sms.optout import MemoryOptOuts, OptedOut, OptOutSource

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


class Zones:
    """A `RecipientSource`: zone -> [(subscriber id, language)]; each subscriber once."""

    def __init__(self, members: dict[str, list[tuple[str, str]]]) -> None:
        self.members = members

    def recipients_by_zone(self, alert):
        seen = set()
        for zone in alert.zones:
            for sid, lang in self.members.get(zone, []):
                if sid not in seen:
                    seen.add(sid)
                    yield zone, Recipient(sid, lang)


class Queue:
    def __init__(self) -> None:
        self.batches: list[DispatchBatch] = []

    def enqueue(self, batches: list[DispatchBatch]) -> None:
        self.batches.extend(batches)


def _draft(zones=("ward-1",), tier=Tier.ADVISORY, texts=None) -> Draft:
    return Draft(
        tier=tier, zones=tuple(zones), categories=(), texts=texts or {"en": "Water main break on Main St."}
    )


def _sending(members, *, approval=False):
    store, queue, ledger = InMemoryAlertStore(), Queue(), InMemoryLedger()
    sending = AlertSending(
        store,
        Zones(members),
        queue,
        ledger,
        emergency_approval=approval,
        known_zones=members,
        clock=lambda: NOW,
    )
    return sending, store, queue, ledger


def test_preview_counts_reach_and_segments_per_language_and_refuses_over_ten_naming_it() -> None:
    sending, *_ = _sending({"ward-1": [("s1", "en"), ("s2", "es")], "ward-2": [("s2", "es"), ("s3", "en")]})
    preview = sending.preview(
        _draft(("ward-1", "ward-2"), texts={"en": "x" * 161, "es": "¿Qué? " * 3}), "sup"
    )
    assert preview.reach == 3  # s2 once
    assert preview.segments == {"en": 2, "es": 1}
    with pytest.raises(Invalid) as refused:
        sending.preview(_draft(texts={"en": "ok", "es": "ж" * 700}), "sup")
    assert refused.value.status == 422 and "texts.es" in str(refused.value)
    with pytest.raises(Invalid, match="no such zone: ward-9"):
        sending.preview(_draft(("ward-1", "ward-9")), "sup")


def test_an_alert_with_no_recipients_is_refused_and_nothing_is_written_or_queued() -> None:
    sending, store, queue, _ = _sending({"ward-1": []})
    audited = []
    with pytest.raises(Invalid) as refused:
        sending.create(_draft(), "sup", audited.append)
    assert refused.value.status == 422 and "zones" in str(refused.value)
    assert (store.recent(10), queue.batches, audited) == ([], [], [])


def test_create_queues_pages_by_zone_of_at_most_max_page_and_records_the_plan() -> None:
    members = {"ward-1": [(f"a{i}", "en") for i in range(MAX_PAGE * 2 + 7)], "ward-2": [("b1", "es")]}
    sending, store, queue, _ = _sending(members)
    audited = []
    sent = sending.create(_draft(("ward-1", "ward-2")), "sup", audited.append)
    assert sent.state == SendState.SENDING and sent.alert.sent_at == NOW
    assert [(b.zone, len(b.recipients)) for b in queue.batches] == [
        ("ward-1", MAX_PAGE),
        ("ward-1", MAX_PAGE),
        ("ward-1", 7),
        ("ward-2", 1),
    ]
    assert sent.planned == {"ward-1": MAX_PAGE * 2 + 7, "ward-2": 1}
    assert audited == [
        {
            "alert_id": sent.alert.alert_id,
            "tier": "advisory",
            "zones": ["ward-1", "ward-2"],
            "categories": [],
            "languages": ["en"],
            "state": "sending",
            "recipients": MAX_PAGE * 2 + 8,
        }
    ]
    assert store.get(sent.alert.alert_id) == sent


def test_an_emergency_waits_for_a_second_supervisor_when_configured() -> None:
    sending, _, queue, _ = _sending({"ward-1": [("s1", "en")]}, approval=True)
    waiting = sending.create(_draft(tier=Tier.EMERGENCY), "alice", lambda d: None)
    assert waiting.state == SendState.AWAITING_APPROVAL and queue.batches == []
    with pytest.raises(Forbidden):
        sending.approve(waiting.alert.alert_id, "alice", lambda d: None)
    approved = sending.approve(waiting.alert.alert_id, "bob", lambda d: None)
    assert approved.state == SendState.SENDING and approved.approved_by == "bob"
    assert [b.recipients for b in queue.batches] == [(Recipient("s1", "en"),)]
    with pytest.raises(Conflict):
        sending.approve(waiting.alert.alert_id, "carol", lambda d: None)
    # Advisories never wait.
    assert sending.create(_draft(), "alice", lambda d: None).state == SendState.SENDING


def test_an_emergency_awaiting_approval_is_never_on_the_public_feed() -> None:
    """One supervisor alone must not publish an Emergency: the feeds publish only alerts with
    a send time, which approval sets; a waiting alert cancelled instead never appears."""
    from rtcc.alerts.feed import SentAlertsFromRecords

    sending, store, _, _ = _sending({"ward-1": [("s1", "en")]}, approval=True)
    feed = SentAlertsFromRecords(store)
    waiting = sending.create(_draft(tier=Tier.EMERGENCY), "alice", lambda d: None)
    cancelled = sending.create(_draft(tier=Tier.EMERGENCY), "alice", lambda d: None)
    sending.cancel(cancelled.alert.alert_id, "bob", lambda d: None)
    public = lambda: {a.alert_id for a in feed.recent(50) if a.sent_at is not None}  # noqa: E731
    assert waiting.alert.alert_id not in public() and cancelled.alert.alert_id not in public()
    sending.approve(waiting.alert.alert_id, "bob", lambda d: None)
    assert public() == {waiting.alert.alert_id}


def test_cancel_sets_the_flag_the_dispatcher_reads_and_is_idempotent() -> None:
    sending, store, _, _ = _sending({"ward-1": [("s1", "en")]})
    sent = sending.create(_draft(), "sup", lambda d: None)
    source = StoredAlerts(store)
    assert not source.is_cancelled(sent.alert.alert_id)
    cancelled = sending.cancel(sent.alert.alert_id, "sup2", lambda d: None)
    assert cancelled.state == SendState.CANCELLED and cancelled.cancelled_by == "sup2"
    assert source.is_cancelled(sent.alert.alert_id)
    assert sending.cancel(sent.alert.alert_id, "sup3", lambda d: None).cancelled_by == "sup2"


def test_delivery_counts_per_zone_queued_is_what_no_dispatcher_settled() -> None:
    counts = delivery_counts(
        {"ward-1": 5, "ward-2": 1},
        {
            ("ward-1", "sent"): 3,
            ("ward-1", "delivered"): 2,
            ("ward-1", "failed"): 1,
            ("ward-2", "cancelled"): 1,
        },
    )
    assert counts["ward-1"] == {
        "queued": 1,
        "sent": 3,
        "delivered": 2,
        "undelivered": 0,
        "failed": 1,
        "cancelled": 0,
        "unknown": 0,
    }
    assert counts["ward-2"]["queued"] == 0 and counts["ward-2"]["cancelled"] == 1


def test_a_status_callback_settles_delivery_once_and_only_for_its_message() -> None:
    ledger = InMemoryLedger()

    def handle(event, form):
        return record_status(ledger, event, form, 5.0)[:2]

    claim = ledger.claim("A1", "s1", "ward-1", "owner", 1.0)
    event = {"queryStringParameters": {"d": "A1.s1"}}
    # A callback may come before the dispatcher records the send: it is kept.
    assert handle(event, {"MessageStatus": "sent", "MessageSid": "SM1"}) == (200, "noted")
    assert handle(event, {"MessageStatus": "delivered", "MessageSid": "SM1"}) == (200, "recorded")
    assert ledger.settle(claim.current, Status.SENT, 2.0, provider_id="SM1")
    assert ledger.get("A1", "s1").delivery == "delivered"
    assert handle(event, {"MessageStatus": "undelivered", "MessageSid": "SM1"}) == (200, "ignored")
    ledger.claim("A1", "s2", "ward-1", "o", 1.0)
    ledger.settle(ledger.get("A1", "s2"), Status.SENT, 2.0, provider_id="SM2")
    other = {"queryStringParameters": {"d": "A1.s2"}}
    assert handle(other, {"MessageStatus": "delivered", "MessageSid": "SM9"}) == (200, "ignored")
    assert handle(other, {"MessageStatus": "failed", "MessageSid": "SM2"}) == (200, "recorded")
    assert (
        handle({"queryStringParameters": {"d": "A1.nobody"}}, {"MessageStatus": "delivered"})[1] == "ignored"
    )
    assert handle({}, {"MessageStatus": "delivered"})[0] == 400
    assert ledger.counts("A1") == {
        ("ward-1", "sent"): 2,
        ("ward-1", "delivered"): 1,
        ("ward-1", "undelivered"): 1,
    }


def test_refs_round_trip_and_carry_no_number() -> None:
    ref = DeliveryRef("A20261201T210000Z-ab12cd34", "sub_x-1")
    assert parse_ref(ref_param(ref)) == ref
    assert parse_ref("nodot") is None and parse_ref(None) is None and parse_ref(".s") is None


class Sealer:
    def seal(self, number: str, context: str) -> bytes:
        return f"{context}|{number}".encode()

    def unseal(self, ciphertext: bytes, context: str) -> str:
        bound, number = ciphertext.decode().split("|")
        assert bound == context
        return number


class Gateway:
    def __init__(self, fail: dict[str, Exception] | None = None) -> None:
        self.sent: list[tuple[str, str, str, str | None]] = []
        self.fail = fail or {}

    def send(self, to, from_, body, media_urls=(), status_callback=None):
        if to in self.fail:
            raise self.fail[to]
        self.sent.append((to, from_, body, status_callback))
        return f"SM{len(self.sent)}"


def _subscriber(sid: str, number: str, status=SubStatus.ACTIVE) -> Subscriber:
    prefs = Preferences(zones=("ward-1",), categories=(), language="en", tiers=(Tier.EMERGENCY,))
    return Subscriber(sid, f"mac-{sid}", Sealer().seal(number, sid), status, prefs, 0.0)


def _line(gateway, opt_outs=None, *subs: Subscriber) -> AlertLineSender:
    store = MemorySubscriberStore()
    for sub in subs:
        store.subscribers[sub.subscriber_id] = sub
    return AlertLineSender(
        gateway,
        opt_outs or MemoryOptOuts(),
        store,
        Sealer(),
        "+15550100200",
        "https://x/prod/webhooks/twilio/alerts/status",
    )


def test_the_line_sender_checks_opt_outs_and_asks_for_signed_callbacks_with_the_ref() -> None:
    gateway, opt_outs = Gateway(), MemoryOptOuts()
    pending = _subscriber("s3", "+14135550003", SubStatus.PENDING)
    line = _line(
        gateway, opt_outs, _subscriber("s1", "+14135550001"), _subscriber("s2", "+14135550002"), pending
    )
    opt_outs.record("alerts", "mac-s2", True, OptOutSource.KEYWORD)
    assert line.send(Recipient("s1", "en"), "hi", DeliveryRef("A1", "s1")) == "SM1"
    assert gateway.sent == [
        ("+14135550001", "+15550100200", "hi", "https://x/prod/webhooks/twilio/alerts/status?d=A1.s1")
    ]
    with pytest.raises(OptedOut):
        line.send(Recipient("s2", "en"), "hi", DeliveryRef("A1", "s2"))
    for gone in ("s3", "s4"):
        with pytest.raises(SubscriberGone):
            line.send(Recipient(gone, "en"), "hi", DeliveryRef("A1", gone))
    assert len(gateway.sent) == 1


def test_created_alert_fans_out_through_the_dispatcher_once_each_in_their_language() -> None:
    from rtcc.sms.gateway import ProviderError

    subs = [
        _subscriber("s1", "+14135550001"),
        _subscriber("s2", "+14135550002"),
        _subscriber("s3", "+14135550003"),
    ]
    gateway, opt_outs = Gateway(fail={"+14135550003": ProviderError(21610)}), MemoryOptOuts()
    members = {"ward-1": [("s1", "en"), ("s2", "es"), ("s3", "en")]}
    sending, store, queue, ledger = _sending(members)
    sent = sending.create(_draft(texts={"en": "Boil water", "es": "Hierva el agua"}), "sup", lambda d: None)
    limiter = SlotRateLimiter(InProcessSlotCounter(), "alerts", 100.0)
    dispatcher = AlertDispatcher(
        ledger, limiter, _line(gateway, opt_outs, *subs), StoredAlerts(store), DispatchPolicy(workers=2)
    )
    try:
        for batch in queue.batches * 2:  # every page delivered twice: still once each
            dispatcher.dispatch(DispatchBatch.from_message(batch.to_message()))
    finally:
        dispatcher.close()
    assert sorted((to, body) for to, _, body, _ in gateway.sent) == [
        ("+14135550001", "Boil water"),
        ("+14135550002", "Hierva el agua"),
    ]
    assert opt_outs.state("alerts", "mac-s3").opted_out  # 21610 recorded for the line
    view = sending.view(sent.alert.alert_id)[1]["ward-1"]
    assert (view["queued"], view["sent"], view["failed"]) == (0, 2, 1)
