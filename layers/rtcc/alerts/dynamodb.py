"""DynamoDB adapters of the fan-out ports: the delivery ledger and the rate-slot counter.

Each ledger transition is one conditional UpdateItem on the (alert, subscriber) item, then,
for a final outcome, one ADD on the delivery view's counter. The two are not a transaction
(its cost and conflicts are not worth it on the hot path): a dispatcher that dies between
them leaves the counter one short; the ledger items stay the truth and a Query of the
alert's partition recounts them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from rtcc.alerts.ledger import Claim, Delivery, Status, provider_id_digest
from rtcc.store.alerts import AlertDeliveryCountRecord, AlertDeliveryRecord, SendRateSlotRecord

R = AlertDeliveryRecord

#: Slot items outlive their slot by this long (for a look after an incident), then TTL.
SLOT_KEEP_SECONDS = 3600


def _conditional_update(record: AlertDeliveryRecord, actions: list[Action], condition: Condition) -> bool:
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _as_delivery(record: AlertDeliveryRecord) -> Delivery:
    return Delivery(
        alert_id=record.alert_id,
        subscriber_id=record.subscriber_id,
        zone=record.zone,
        status=Status(record.status),
        attempts=int(record.attempts or 0),
        owner=record.owner,
        claimed_at=float(record.claimed_at) if record.claimed_at is not None else None,
        provider_id_hash=record.provider_id_hash,
        error_code=record.error_code,
        updated_at=float(record.updated_at or 0),
        delivery=record.delivery,
    )


def _owned_by(delivery: Delivery) -> Condition:
    return (R.status == str(Status.CLAIMED)) & (R.owner == delivery.owner)


def _unclaimed() -> Condition:
    return R.status.does_not_exist() | (R.status == str(Status.RETRY))


class DynamoDbLedger:
    """`DeliveryLedger` on `AlertDeliveryRecord` / `AlertDeliveryCountRecord`.

    The two writes that can create an entry (claim, cancel) set its TTL `retention_days` on
    (default: `RTCC_ALERTS_DELIVERY_RETENTION_DAYS`); the delivery view's counters, which
    name no subscriber, stay."""

    def __init__(self, retention_days: int | None = None) -> None:
        if retention_days is None:
            from rtcc.alerts.settings import alerts_settings

            retention_days = alerts_settings().delivery_retention_days
        self.retention_s = retention_days * 86_400

    def _expires(self, now: float) -> Action:
        return R.expires.set(datetime.fromtimestamp(now + self.retention_s, UTC))

    def claim(self, alert_id: str, subscriber_id: str, zone: str, owner: str, now: float) -> Claim:
        record = R(alert_id, subscriber_id)
        actions = [
            R.zone.set(zone),
            R.status.set(str(Status.CLAIMED)),
            R.owner.set(owner),
            R.claimed_at.set(now),
            R.updated_at.set(now),
            R.attempts.set(R.attempts | 0),  # kept from a released claim
            self._expires(now),
        ]
        if _conditional_update(record, actions, _unclaimed()):
            return Claim(True, _as_delivery(record))  # update() loaded the item as written
        current = self.get(alert_id, subscriber_id)
        if current is None:  # deleted in between: let the caller retry later
            return Claim(False, Delivery(alert_id, subscriber_id, zone, Status.RETRY))
        return Claim(False, current)

    def settle(
        self,
        delivery: Delivery,
        status: Status,
        now: float,
        *,
        provider_id: str | None = None,
        error_code: str | None = None,
    ) -> bool:
        actions = [
            R.status.set(str(status)),
            R.owner.remove(),
            R.attempts.set(delivery.attempts),
            R.updated_at.set(now),
        ]
        if provider_id:
            actions.append(R.provider_id_hash.set(provider_id_digest(provider_id)))
        if error_code:
            actions.append(R.error_code.set(error_code))
        record = R(delivery.alert_id, delivery.subscriber_id)
        if not _conditional_update(record, actions, _owned_by(delivery)):
            return False
        self._count(delivery.alert_id, delivery.zone, status)
        return True

    def release(self, delivery: Delivery, now: float) -> bool:
        actions = [
            R.status.set(str(Status.RETRY)),
            R.owner.remove(),
            R.claimed_at.remove(),
            R.attempts.set(delivery.attempts),
            R.updated_at.set(now),
        ]
        return _conditional_update(R(delivery.alert_id, delivery.subscriber_id), actions, _owned_by(delivery))

    def cancel(self, alert_id: str, subscriber_id: str, zone: str, now: float) -> bool:
        actions = [
            R.zone.set(zone),
            R.status.set(str(Status.CANCELLED)),
            R.updated_at.set(now),
            R.attempts.set(R.attempts | 0),
            self._expires(now),
        ]
        if not _conditional_update(R(alert_id, subscriber_id), actions, _unclaimed()):
            return False
        self._count(alert_id, zone, Status.CANCELLED)
        return True

    def expire_claim(self, delivery: Delivery, now: float) -> bool:
        actions = [R.status.set(str(Status.UNKNOWN)), R.owner.remove(), R.updated_at.set(now)]
        condition = _owned_by(delivery) & (R.claimed_at == delivery.claimed_at)
        if not _conditional_update(R(delivery.alert_id, delivery.subscriber_id), actions, condition):
            return False
        self._count(delivery.alert_id, delivery.zone, Status.UNKNOWN)
        return True

    def record_delivery(
        self, alert_id: str, subscriber_id: str, outcome: str, provider_id: str, now: float
    ) -> bool:
        # One conditional UpdateItem: only an existing entry (attribute_exists: a forged or
        # stale ref creates nothing), only once, and only for the message it sent.
        digest = provider_id_digest(provider_id)
        condition = (
            R.status.exists()
            & R.delivery.does_not_exist()
            & (R.provider_id_hash.does_not_exist() | (R.provider_id_hash == digest))
        )
        record = R(alert_id, subscriber_id)
        actions = [R.delivery.set(outcome), R.provider_id_hash.set(digest), R.updated_at.set(now)]
        if not _conditional_update(record, actions, condition):
            return False
        self._count(alert_id, record.zone, outcome)
        return True

    def get(self, alert_id: str, subscriber_id: str) -> Delivery | None:
        try:
            return _as_delivery(R.get(alert_id, subscriber_id, consistent_read=True))
        except R.DoesNotExist:
            return None

    def counts(self, alert_id: str) -> dict[tuple[str, str], int]:
        return {
            (item.zone, item.status): int(item.count)
            for item in AlertDeliveryCountRecord.query(alert_id, consistent_read=True)
        }

    def _count(self, alert_id: str, zone: str, status: str) -> None:
        C = AlertDeliveryCountRecord
        C(alert_id, f"{zone}#{status}").update(
            actions=[C.zone.set(zone), C.status.set(str(status)), C.count.add(1)]
        )


class DynamoDbSlotCounter:
    """`SlotCounter` on `SendRateSlotRecord`: one unconditional ADD per take.

    The ADD returns the new total, so a take knows what was there before it (total - want)
    and keeps only what fits under the cap; DynamoDB applies ADDs to one item one at a time,
    so concurrent takes never grant more than the cap between them. The part that did not
    fit stays added (the total may pass the cap): it only makes later takes of that slot
    see it full, which it is. One write per take, none of them a failed condition.
    """

    def take(self, sender: str, slot: int, want: int, cap: int, slot_end: float) -> int:
        S = SendRateSlotRecord
        record = S(f"{sender}#{slot}")
        record.update(
            actions=[
                S.used.add(want),
                S.expires.set(datetime.fromtimestamp(slot_end + SLOT_KEEP_SECONDS, UTC)),
            ]
        )
        before = int(record.used) - want
        return max(0, min(want, cap - before))
