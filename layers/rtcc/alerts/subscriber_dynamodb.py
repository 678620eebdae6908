"""DynamoDB adapter of `SubscriberStore` (tables in rtcc.store.alert_subscribers).

A subscriber and its number lookup are written and deleted together in one transaction, so
a number never points at a missing subscriber nor has two; zone entries are single puts and
deletes (an interrupted update leaves a stale entry that the next update or delete rewrites,
and recipients of a deleted subscriber find no number to send to). Zone members are read by
Query on `zone#<id>`, which pynamodb pages through by LastEvaluatedKey.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from rtcc.alerts.model import Tier
from rtcc.alerts.subscriber_ports import (
    Channel,
    Consent,
    Preferences,
    Status,
    Subscriber,
    SubscriberGone,
    ZoneEntry,
)
from rtcc.store.alert_subscribers import (
    AlertConsentRecord,
    AlertSubscriberNumberRecord,
    AlertSubscriberRecord,
    AlertZoneSubscriberRecord,
)
from rtcc.store.base import absent_condition

S, N, Z, C = AlertSubscriberRecord, AlertSubscriberNumberRecord, AlertZoneSubscriberRecord, AlertConsentRecord
_SEQUENCE = count()


def zone_key(zone_id: str) -> str:
    return f"zone#{zone_id}"


def _when(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _record(sub: Subscriber) -> AlertSubscriberRecord:
    return S(
        sub.subscriber_id,
        number_mac=sub.number_mac,
        sealed_number=sub.sealed_number,
        status=str(sub.status),
        zones=list(sub.prefs.zones),
        categories=list(sub.prefs.categories),
        language=sub.prefs.language,
        tiers=[str(t) for t in sub.prefs.tiers],
        created_at=sub.created_at,
        confirmation_sent_at=sub.confirmation_sent_at,
        confirmed_at=sub.confirmed_at,
        pending_until=sub.pending_until,
        expires=_when(sub.pending_until),
    )


def _subscriber(record: AlertSubscriberRecord) -> Subscriber:
    prefs = Preferences(
        tuple(record.zones or ()),
        tuple(record.categories or ()),
        record.language,
        tuple(Tier(t) for t in record.tiers or ()),
    )
    return Subscriber(
        subscriber_id=record.subscriber_id,
        number_mac=record.number_mac,
        sealed_number=bytes(record.sealed_number),
        status=Status(record.status),
        prefs=prefs,
        created_at=float(record.created_at),
        confirmation_sent_at=_float(record.confirmation_sent_at),
        confirmed_at=_float(record.confirmed_at),
        pending_until=_float(record.pending_until),
    )


def _condition_failed(exc: TransactWriteError) -> bool:
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or [])


def _float(value: float | None) -> float | None:
    return float(value) if value is not None else None


class DynamoDbSubscriberStore:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _transaction(self) -> TransactWrite:
        if self._connection is None:
            self._connection = Connection(region=S.Meta.region, host=S.Meta.host)
        return TransactWrite(connection=self._connection)

    def by_number(self, number_mac: str) -> Subscriber | None:
        try:
            lookup = N.get(number_mac, consistent_read=True)
        except DoesNotExist:
            return None
        return self.get(lookup.subscriber_id)

    def get(self, subscriber_id: str) -> Subscriber | None:
        try:
            return _subscriber(S.get(subscriber_id, consistent_read=True))
        except DoesNotExist:
            return None

    def _write(self, sub: Subscriber, *, new: bool) -> None:
        lookup = N(sub.number_mac, subscriber_id=sub.subscriber_id, expires=_when(sub.pending_until))
        # A lapsed signup's lookup past its TTL counts as absent (rtcc.store.base): DynamoDB
        # may keep it for days after its subscriber item is gone, and must not block a new
        # signup meanwhile. A new subscriber is created at `created_at`. A rewrite is made
        # only while the subscriber item exists: a change that read it before a deletion
        # (manage link, STOP) must not write it back.
        with self._transaction() as tx:
            if new:
                tx.save(_record(sub))
                tx.save(lookup, condition=absent_condition(N, _when(sub.created_at)))
            else:
                tx.save(_record(sub), condition=S.subscriber_id.exists())
                tx.save(lookup)

    def create(self, subscriber: Subscriber) -> bool:
        try:
            self._write(subscriber, new=True)
        except TransactWriteError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def save(self, subscriber: Subscriber) -> None:
        try:
            self._write(subscriber, new=False)
        except TransactWriteError as exc:
            if _condition_failed(exc):
                raise SubscriberGone() from None
            raise

    def delete(self, subscriber: Subscriber) -> None:
        try:
            with self._transaction() as tx:
                tx.delete(S(subscriber.subscriber_id))
                # Only a lookup that still names this subscriber: another may own the number now.
                tx.delete(N(subscriber.number_mac), condition=N.subscriber_id == subscriber.subscriber_id)
        except TransactWriteError as exc:
            if not _condition_failed(exc):
                raise
            S(subscriber.subscriber_id).delete()

    def add_consent(self, consent: Consent) -> None:
        C(
            consent.subscriber_id,
            f"{consent.at:017.6f}#{next(_SEQUENCE):06d}",
            number_mac=consent.number_mac,
            event=consent.event,
            channel=str(consent.channel),
            text=consent.text,
            at=consent.at,
            expires=_when(consent.expires_at),
        ).save()

    def set_consent_expiry(self, subscriber_id: str, expires_at: float | None) -> None:
        action = C.expires.set(_when(expires_at)) if expires_at is not None else C.expires.remove()
        for record in C.query(subscriber_id, consistent_read=True):
            record.update(actions=[action])

    def consents(self, subscriber_id: str) -> list[Consent]:
        return [
            Consent(
                r.subscriber_id,
                r.number_mac,
                r.event,
                Channel(r.channel),
                r.text,
                float(r.at),
                r.expires.timestamp() if r.expires else None,
            )
            for r in C.query(subscriber_id, consistent_read=True)
        ]

    def index(self, zone_id: str, entry: ZoneEntry) -> None:
        Z(
            zone_key(zone_id),
            entry.subscriber_id,
            language=entry.language,
            categories=list(entry.categories),
            tiers=[str(t) for t in entry.tiers],
        ).save()

    def unindex(self, zone_id: str, subscriber_id: str) -> None:
        Z(zone_key(zone_id), subscriber_id).delete()

    def zone_members(self, zone_id: str, page_size: int | None = None) -> Iterator[ZoneEntry]:
        for r in Z.query(zone_key(zone_id), page_size=page_size):
            yield ZoneEntry(
                r.subscriber_id, r.language, tuple(r.categories or ()), tuple(Tier(t) for t in r.tiers or ())
            )
