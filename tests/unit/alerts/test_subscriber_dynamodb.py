"""The DynamoDB store and KMS key adapters of subscriptions, against the units' moto server:
the same rules as the in-memory store, and what is left in the tables after a deletion."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.subscriber_ports import Status
from rtcc.alerts.subscriptions import DAY, Outcome, SubscriptionPolicy, Subscriptions
from rtcc.alerts.zones import ZoneMap

T0 = 1_800_000_000.0


@pytest.fixture(scope="module")
def subs(moto_endpoint) -> Subscriptions:
    import boto3
    from rtcc.alerts.subscriber_dynamodb import DynamoDbSubscriberStore
    from rtcc.alerts.subscriber_keys import KmsSubscriberMac, KmsSubscriberSealer
    from rtcc.local.fidelity import make_dynamodb_writes_atomic

    # The tables are registered models: moto_endpoint has created and bound them.
    make_dynamodb_writes_atomic()  # the racing signups below rely on DynamoDB's atomic conditions
    kms = boto3.client("kms", endpoint_url=moto_endpoint, region_name="us-east-1")
    vault = kms.create_key(Description="alerts vault")["KeyMetadata"]["KeyId"]
    mac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    zones = ZoneMap.from_geojson({"type": "FeatureCollection", "features": []}, ["01013", "01040"])
    return Subscriptions(
        DynamoDbSubscriberStore(),
        KmsSubscriberSealer(vault),
        KmsSubscriberMac(mac),
        zones,
        SubscriptionPolicy(),
    )


def _items(model, **key) -> list:
    # A scan here is the test looking for leftovers, not how the code reads.
    return [r for r in model.scan() if all(getattr(r, k) == v for k, v in key.items())]


def _alert(zones=("zip:01013", "zip:01040")) -> Alert:
    return Alert(
        alert_id="a1",
        tier=Tier.EMERGENCY,
        headline={"en": "H"},
        texts={"en": "Water main break"},
        zones=zones,
        categories=(),
        sent_at=datetime(2027, 1, 1, tzinfo=UTC),
        expires_at=None,
        sender="sgt",
    )


def test_signup_confirm_update_and_delete_on_dynamodb(subs) -> None:
    from rtcc.store.alert_subscribers import (
        AlertConsentRecord,
        AlertSubscriberNumberRecord,
        AlertSubscriberRecord,
        AlertZoneSubscriberRecord,
    )

    number = "+14135550160"
    pending = subs.join_by_text(number, "JOIN 01013", T0)
    assert pending.outcome == Outcome.PENDING
    sid = pending.subscriber_id
    record = AlertSubscriberRecord.get(sid)
    assert record.status == "pending" and record.expires is not None  # TTL removes a lapsed signup
    assert b"4135550160" not in bytes(record.sealed_number)  # KMS ciphertext
    assert subs.number(sid) == number
    again = subs.join_by_text(number, "JOIN 01013", T0 + 5)  # the resident's own: answered
    assert (again.outcome, again.subscriber_id) == (Outcome.PENDING, sid)

    assert subs.confirm(number, T0 + 60).outcome == Outcome.CONFIRMED
    assert AlertSubscriberRecord.get(sid).expires is None
    assert sid in [r.subscriber_id for r in subs.recipients(_alert())]
    token = subs.manage_token(sid, T0 + 100)
    subs.update(token, subs.preferences(["zip:01040"], language="es"), T0 + 200)
    assert [(r.zone_key, r.language) for r in _items(AlertZoneSubscriberRecord, subscriber_id=sid)] == [
        ("zone#zip:01040", "es")
    ]

    subs.delete(token, T0 + 300)
    assert _items(AlertSubscriberRecord, subscriber_id=sid) == []
    assert _items(AlertSubscriberNumberRecord, subscriber_id=sid) == []
    assert _items(AlertZoneSubscriberRecord, subscriber_id=sid) == []
    evidence = _items(AlertConsentRecord, subscriber_id=sid)
    assert [e.event for e in sorted(evidence, key=lambda e: e.consent_id)] == [
        "signup-received",
        "confirmation-sent",
        "signup-received",  # the repeated JOIN, answered too
        "confirmation-sent",
        "confirm-received",
    ]
    retained = datetime.fromtimestamp(T0 + 300 + subs.policy.consent_retention_days * DAY, UTC)
    assert {e.expires for e in evidence} == {retained}
    assert all(number not in e.text and "4135550160" not in e.text for e in evidence)
    assert subs.confirm(number, T0 + 400).outcome == Outcome.NO_PENDING


def test_a_lapsed_signup_whose_subscriber_ttl_removed_first_does_not_block_a_new_one(subs) -> None:
    from rtcc.store.alert_subscribers import AlertSubscriberRecord

    number = "+14135550162"
    first = subs.join_by_text(number, "JOIN 01013", T0).subscriber_id
    AlertSubscriberRecord(first).delete()  # TTL took the subscriber, not yet its number lookup
    lapsed = T0 + subs.policy.pending_hours * 3600 + 1
    assert subs.confirm(number, lapsed).outcome == Outcome.NO_PENDING
    again = subs.join_by_text(number, "JOIN 01013", lapsed)
    assert again.outcome == Outcome.PENDING and again.subscriber_id != first
    assert subs.confirm(number, lapsed + 60).outcome == Outcome.CONFIRMED


def test_racing_signups_of_one_number_make_one_subscriber(subs) -> None:
    number, results = "+14135550161", []
    prefs = subs.preferences(["zip:01013"])

    def signup() -> None:
        results.append(subs.subscribe(number, prefs, "web", "shown", T0))

    threads = [threading.Thread(target=signup) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.subscriber_id for r in results}) == 1
    assert sum(r.outcome == Outcome.PENDING for r in results) >= 1
    assert subs.store.get(results[0].subscriber_id).status == Status.PENDING


def test_zone_members_are_read_page_by_page_and_deduplicated(subs) -> None:
    sids = set()
    for i in range(5):
        number = f"+1413555017{i}"
        sids.add(
            subs.subscribe(
                number, subs.preferences(["zip:01013", "zip:01040"]), "web", "shown", T0
            ).subscriber_id
        )
        subs.confirm(number, T0 + 1)
    paged = list(subs.store.zone_members("zip:01013", page_size=2))
    assert sids <= {e.subscriber_id for e in paged}
    chosen = [r.subscriber_id for r in subs.recipients(_alert())]
    assert len(chosen) == len(set(chosen)) and sids <= set(chosen)


def test_a_sealed_number_opens_only_for_its_own_subscriber(subs) -> None:
    from botocore.exceptions import ClientError

    sealed = subs.sealer.seal("+14135550163", "subscriber-a")
    assert subs.sealer.unseal(sealed, "subscriber-a") == "+14135550163"
    with pytest.raises(ClientError):  # copied onto another subscriber: KMS refuses (InvalidCiphertext)
        subs.sealer.unseal(sealed, "subscriber-b")


def test_a_save_after_a_delete_does_not_resurrect_the_subscriber(subs) -> None:
    """A manage-link change (or a YES) that read the subscriber before a deletion: the
    rewrite is conditional on the item's existence, so the deletion stands."""
    from rtcc.alerts.subscriber_ports import SubscriberGone
    from rtcc.store.alert_subscribers import AlertSubscriberNumberRecord, AlertSubscriberRecord

    number = "+14135550177"
    sid = subs.join_by_text(number, "JOIN 01013", T0).subscriber_id
    read = subs.store.get(sid)
    subs.end(read, T0 + 1)
    with pytest.raises(SubscriberGone):
        subs.store.save(read.with_(status=Status.ACTIVE))
    assert _items(AlertSubscriberRecord, subscriber_id=sid) == []
    assert _items(AlertSubscriberNumberRecord, subscriber_id=sid) == []


def test_window_counters_count_atomically_up_to_the_limit(subs) -> None:
    from rtcc.alerts.signup_limits_dynamodb import DynamoDbWindowCounters
    from rtcc.store.alert_subscribers import AlertSignupCountRecord

    counters, taken = DynamoDbWindowCounters(), []

    def take() -> None:
        taken.append(counters.take("number#racing", 3, 86_400, T0))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == [False] * 5 + [True] * 3
    record = AlertSignupCountRecord.get("number#racing")
    assert record.n == 3 and record.expires == datetime.fromtimestamp(T0 + 86_400, UTC)
    assert counters.take("number#racing", 3, 86_400, T0 + 86_400)  # a new window
    assert not counters.take("city", 0, 3600, T0)


def test_window_counters_give_back_one_never_below_zero(subs) -> None:
    from rtcc.alerts.signup_limits_dynamodb import DynamoDbWindowCounters
    from rtcc.store.alert_subscribers import AlertSignupCountRecord

    counters = DynamoDbWindowCounters()
    assert counters.take("number#busy", 1, 86_400, T0)
    assert not counters.take("number#busy", 1, 86_400, T0)  # at its limit
    counters.give_back("number#busy", T0)  # the line was busy: the text was not sent
    assert counters.take("number#busy", 1, 86_400, T0)
    counters.give_back("number#busy", T0)
    counters.give_back("number#busy", T0)  # a second give-back finds nothing to uncount
    assert AlertSignupCountRecord.get("number#busy").n == 0
    counters.give_back("number#never", T0)  # no counter: nothing to do, no error
