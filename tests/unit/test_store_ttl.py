"""One rule for TTL'd items (rtcc.store.base): past its TTL an item is gone, whether or not
DynamoDB has deleted it yet (it may take days)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from rtcc.store.base import absent_condition, is_expired, live_condition, present_condition, ttl_attribute
from rtcc.store.tips import TipReceiptRecord, TipRecord, TipVaultRecord

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_an_item_past_its_ttl_is_expired_and_one_without_ttl_never_is() -> None:
    assert ttl_attribute(TipVaultRecord) is TipVaultRecord.expires
    assert ttl_attribute(TipRecord) is None
    assert is_expired(TipVaultRecord("T-AAAA", expires=NOW - timedelta(seconds=1)), NOW)
    assert is_expired(TipVaultRecord("T-AAAA", expires=NOW), NOW)
    assert not is_expired(TipVaultRecord("T-AAAA", expires=NOW + timedelta(seconds=1)), NOW)
    assert not is_expired(TipVaultRecord("T-AAAA"), NOW)  # no expiry set: kept
    assert not is_expired(TipRecord("T-AAAA"), NOW)
    assert live_condition(TipRecord) is None


def _receipt(sid: str, expires: datetime, code: str = "T-OLD1") -> TipReceiptRecord:
    return TipReceiptRecord(sid, code=code, message_key="k", at="2026-01-01T00:00:00.000Z", expires=expires)


def test_reads_and_conditional_writes_treat_an_expired_item_as_absent(moto_endpoint) -> None:
    from rtcc.tips.records import create_if_absent, get_or_none, update_if_exists

    now = datetime.now(UTC)
    expired_sid, live_sid = "SM" + secrets.token_hex(16), "SM" + secrets.token_hex(16)
    _receipt(expired_sid, now - timedelta(hours=1)).save()  # TTL passed, DynamoDB kept it
    _receipt(live_sid, now + timedelta(days=1)).save()

    assert get_or_none(TipReceiptRecord, expired_sid) is None
    assert get_or_none(TipReceiptRecord, live_sid).code == "T-OLD1"

    stale = TipReceiptRecord.get(expired_sid)
    assert not update_if_exists(stale, [TipReceiptRecord.state.set("stored")])
    assert TipReceiptRecord.get(expired_sid).state is None  # the update was refused
    assert update_if_exists(TipReceiptRecord.get(live_sid), [TipReceiptRecord.state.set("stored")])

    # A claim replaces the expired receipt but never a live one.
    assert create_if_absent(_receipt(expired_sid, now + timedelta(days=30), code="T-NEW1"))
    assert TipReceiptRecord.get(expired_sid).code == "T-NEW1"
    assert not create_if_absent(_receipt(live_sid, now + timedelta(days=30), code="T-NEW2"))
    assert TipReceiptRecord.get(live_sid).code == "T-OLD1"


def test_conditions_against_the_table(moto_endpoint) -> None:
    now = datetime.now(UTC)
    code = "T-" + secrets.token_hex(3).upper()
    TipVaultRecord(code, ciphertext=b"sealed", expires=now - timedelta(minutes=1)).save()

    def holds(condition) -> bool:
        from pynamodb.exceptions import UpdateError

        try:
            TipVaultRecord(code).update(actions=[TipVaultRecord.opted_out.set(False)], condition=condition)
        except UpdateError as exc:
            assert exc.cause_response_code == "ConditionalCheckFailedException"
            return False
        return True

    assert not holds(present_condition(TipVaultRecord, now))
    assert not holds(TipVaultRecord.ciphertext.exists() & live_condition(TipVaultRecord, now))
    assert holds(absent_condition(TipVaultRecord, now))
    TipVaultRecord(code).update(actions=[TipVaultRecord.expires.remove()])
    assert holds(present_condition(TipVaultRecord, now))
    assert not holds(absent_condition(TipVaultRecord, now))
