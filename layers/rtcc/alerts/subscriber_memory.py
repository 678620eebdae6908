"""In-process adapters of the subscriber ports, for unit tests and benchmarks: a store in
dicts and an HMAC with a key held in memory. They keep the ports' contracts (a create loses
to an existing number, zone members come back in sort-key order, page by page) so the rules
in rtcc.alerts.subscriptions are tested against what DynamoDB does."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import replace

from rtcc.alerts.subscriber_ports import Consent, Subscriber, SubscriberGone, ZoneEntry


class HmacSubscriberMac:
    """HMAC-SHA256 under an in-process key (deployed: KMS GenerateMac, rtcc.alerts.subscriber_keys)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def mac(self, message: bytes) -> bytes:
        return hmac.new(self._key, message, hashlib.sha256).digest()


class MemorySubscriberStore:
    def __init__(self, page_size: int = 100) -> None:
        self.subscribers: dict[str, Subscriber] = {}
        self.numbers: dict[str, str] = {}  # number_mac -> subscriber_id
        self.consent_log: dict[str, list[Consent]] = {}
        self.zones: dict[str, dict[str, ZoneEntry]] = {}
        self.page_size = page_size
        self.pages_read = 0

    def by_number(self, number_mac: str) -> Subscriber | None:
        sid = self.numbers.get(number_mac)
        return self.subscribers.get(sid) if sid else None

    def get(self, subscriber_id: str) -> Subscriber | None:
        return self.subscribers.get(subscriber_id)

    def create(self, subscriber: Subscriber) -> bool:
        if subscriber.number_mac in self.numbers:
            return False
        self._put(subscriber)
        return True

    def save(self, subscriber: Subscriber) -> None:
        if subscriber.subscriber_id not in self.subscribers:
            raise SubscriberGone()  # as DynamoDB's condition on the item's existence
        self._put(subscriber)

    def _put(self, subscriber: Subscriber) -> None:
        self.numbers[subscriber.number_mac] = subscriber.subscriber_id
        self.subscribers[subscriber.subscriber_id] = subscriber

    def delete(self, subscriber: Subscriber) -> None:
        self.subscribers.pop(subscriber.subscriber_id, None)
        if self.numbers.get(subscriber.number_mac) == subscriber.subscriber_id:
            del self.numbers[subscriber.number_mac]

    def add_consent(self, consent: Consent) -> None:
        self.consent_log.setdefault(consent.subscriber_id, []).append(consent)

    def set_consent_expiry(self, subscriber_id: str, expires_at: float | None) -> None:
        log = self.consent_log.get(subscriber_id, [])
        log[:] = [replace(c, expires_at=expires_at) for c in log]

    def consents(self, subscriber_id: str) -> list[Consent]:
        return list(self.consent_log.get(subscriber_id, []))

    def index(self, zone_id: str, entry: ZoneEntry) -> None:
        self.zones.setdefault(zone_id, {})[entry.subscriber_id] = entry

    def unindex(self, zone_id: str, subscriber_id: str) -> None:
        self.zones.get(zone_id, {}).pop(subscriber_id, None)

    def zone_members(self, zone_id: str) -> Iterator[ZoneEntry]:
        members = sorted(self.zones.get(zone_id, {}).items())
        for start in range(0, len(members), self.page_size):
            self.pages_read += 1
            yield from (entry for _, entry in members[start : start + self.page_size])
