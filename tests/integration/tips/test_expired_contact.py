"""DynamoDB's TTL is lazy: an expired contact can stay readable for days. It must count as
deleted the moment its retention ends: no reply goes to it, and reopening the tip (or
closing it again) cannot give it a new lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rtcc.store.tips import TipMessageRecord, TipVaultRecord
from rtcc.tips.records import now_utc

from tests.integration.tips.conftest import Phone, code_of, new_number
from tests.integration.tips.test_outbound import Gateway, sender, stored_reply

pytestmark = pytest.mark.integration

CLOSE = {"status": "closed", "disposition": "information_only"}


def past_retention(code: str) -> None:
    """What the table holds once the contact's TTL has passed but DynamoDB has not yet
    deleted it: the sealed number, with `expires` in the past."""
    TipVaultRecord(code).update(actions=[TipVaultRecord.expires.set(now_utc() - timedelta(hours=1))])
    assert TipVaultRecord.get(code).ciphertext


def test_a_reply_never_goes_to_an_expired_contact(phone: Phone) -> None:
    number = new_number()
    code = code_of(phone.text(number, "The red car is parked behind the mill")[1])
    past_retention(code)
    reply = stored_reply(code)
    gateway = Gateway()
    assert sender(gateway).reply(code, reply.key) == "undeliverable"
    assert gateway.tried == []
    stored = TipMessageRecord.get(code, reply.key)
    assert stored.delivery == "undeliverable" and "deleted" in stored.delivery_detail


def test_reopening_a_tip_does_not_keep_an_expired_contact(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    number = new_number()
    code = code_of(phone.text(number, "Someone sells pills at the bus stop")[1])
    assert officer.patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    assert TipVaultRecord.get(code).expires is not None  # the countdown started
    past_retention(code)

    reopened = officer.patch(f"/api/tips/{code}", json={"status": "triaged"})
    assert reopened.status_code == 200, reopened.text
    vault = TipVaultRecord.get(code)  # at most a stub TTL removes
    assert vault.ciphertext is None and vault.expires is not None

    reply = stored_reply(code)
    gateway = Gateway()
    assert sender(gateway).reply(code, reply.key) == "undeliverable" and gateway.tried == []

    # Closing again must not revive it either.
    assert officer.patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    assert TipVaultRecord.get(code).ciphertext is None


def test_reopening_within_retention_still_keeps_the_contact(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    number = new_number()
    code = code_of(phone.text(number, "Dog left in a hot car on Elm St")[1])
    assert officer.patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    assert officer.patch(f"/api/tips/{code}", json={"status": "triaged"}).status_code == 200
    vault = TipVaultRecord.get(code)
    assert vault.ciphertext and vault.expires is None
    reply = stored_reply(code)
    gateway = Gateway()
    assert sender(gateway).reply(code, reply.key) == "sent" and gateway.tried == [number]
