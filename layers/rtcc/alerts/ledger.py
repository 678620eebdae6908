"""The delivery ledger: one entry per (alert, subscriber), claimed before anything is sent.

Every change is a conditional write on that one entry, so two dispatchers holding the same
batch (a redelivered queue message, or two racing) cannot both send: only the one whose claim
wrote the entry sends, and only the claim's owner can record the outcome.

    (absent) --claim--> claimed --settle--> sent | failed | cancelled
        |                  |  \\--release--> retry --claim--> claimed ...
        |                  \\--expire_claim (stale, no outcome)--> unknown
        \\--cancel--> cancelled          (retry --cancel--> cancelled too)

`sent`, `failed`, `cancelled` and `unknown` are final for the dispatcher (a status callback
may later move `sent`/`unknown` to delivered/undelivered). Each arrival in a final state adds
one to the delivery view's counter for (alert, zone, status) in the same adapter call.

The port is implemented in memory here (tests, bench) and on DynamoDB in
`rtcc.alerts.dynamodb.DynamoDbLedger` (pynamodb models in `rtcc.store.alerts`).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    CLAIMED = "claimed"  # a dispatcher owns it and may be sending right now
    RETRY = "retry"  # released after transient errors: the next delivery of the batch claims it
    SENT = "sent"  # the provider accepted it
    FAILED = "failed"  # permanent error, or transient ones past the attempt limit
    CANCELLED = "cancelled"  # the alert was cancelled before this one was sent
    UNKNOWN = "unknown"  # claimed, then no outcome: it may have gone out; never resent


FINAL = frozenset({Status.SENT, Status.FAILED, Status.CANCELLED, Status.UNKNOWN})
#: What a status callback can settle an entry as (the delivery view's last two counters).
DELIVERY_OUTCOMES = frozenset({"delivered", "undelivered"})


def provider_id_digest(provider_id: str) -> str:
    """What the ledger keeps of the provider's message id: enough to match a status callback
    to this entry, not enough to open the message (and its number) at the provider."""
    return hashlib.sha256(provider_id.encode()).hexdigest()


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    subscriber_id: str
    zone: str
    status: Status
    attempts: int = 0  # sends tried so far, across every claim
    owner: str | None = None  # the claiming dispatcher's token, while claimed
    claimed_at: float | None = None  # epoch seconds of the current claim
    provider_id_hash: str | None = None
    error_code: str | None = None
    updated_at: float = 0.0
    #: The provider's final word from a status callback ("delivered" / "undelivered"),
    #: recorded beside `status`, which stays the dispatcher's.
    delivery: str | None = None


@dataclass(frozen=True)
class Claim:
    won: bool  # True: this dispatcher owns the entry now and may send
    current: Delivery  # the entry as it is after the attempt


class DeliveryLedger(Protocol):
    def claim(self, alert_id: str, subscriber_id: str, zone: str, owner: str, now: float) -> Claim:
        """Own the entry if it is absent or released (`retry`); otherwise report who has it."""
        ...

    def settle(
        self,
        delivery: Delivery,
        status: Status,
        now: float,
        *,
        provider_id: str | None = None,
        error_code: str | None = None,
    ) -> bool:
        """Record the owner's final outcome (`delivery` as claimed, with its attempts);
        False if the claim is no longer `delivery.owner`'s."""
        ...

    def release(self, delivery: Delivery, now: float) -> bool:
        """Give the claim up after transient errors (status `retry`, attempts kept)."""
        ...

    def cancel(self, alert_id: str, subscriber_id: str, zone: str, now: float) -> bool:
        """Mark an unclaimed (absent or `retry`) entry cancelled; False if someone holds it."""
        ...

    def expire_claim(self, delivery: Delivery, now: float) -> bool:
        """A claim with no outcome for too long becomes `unknown` (never resent); only if it
        is still the very claim seen (same owner and time)."""
        ...

    def record_delivery(
        self, alert_id: str, subscriber_id: str, outcome: str, provider_id: str, now: float
    ) -> bool:
        """A status callback's final outcome (DELIVERY_OUTCOMES) for an existing entry, counted
        under (zone, outcome) once: False if there is no entry, one was recorded already, or
        the entry's provider id is another message's (a callback for a different send)."""
        ...

    def get(self, alert_id: str, subscriber_id: str) -> Delivery | None: ...

    def counts(self, alert_id: str) -> dict[tuple[str, str], int]:
        """The delivery view: {(zone, status): count} of final outcomes."""
        ...


class InMemoryLedger:
    """`DeliveryLedger` in a dict under one lock: the same conditions as the DynamoDB one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], Delivery] = {}
        self._counts: dict[tuple[str, str, str], int] = {}

    def claim(self, alert_id: str, subscriber_id: str, zone: str, owner: str, now: float) -> Claim:
        key = (alert_id, subscriber_id)
        with self._lock:
            current = self._entries.get(key)
            if current is not None and current.status != Status.RETRY:
                return Claim(False, current)
            attempts = current.attempts if current else 0
            claimed = Delivery(
                alert_id, subscriber_id, zone, Status.CLAIMED, attempts, owner, now, updated_at=now
            )
            self._entries[key] = claimed
            return Claim(True, claimed)

    def settle(
        self,
        delivery: Delivery,
        status: Status,
        now: float,
        *,
        provider_id: str | None = None,
        error_code: str | None = None,
    ) -> bool:
        digest = provider_id_digest(provider_id) if provider_id else None
        final = replace(
            delivery,
            status=status,
            owner=None,
            provider_id_hash=digest,
            error_code=error_code,
            updated_at=now,
        )
        return self._swap_owned(delivery, final, count=True)

    def release(self, delivery: Delivery, now: float) -> bool:
        released = replace(delivery, status=Status.RETRY, owner=None, claimed_at=None, updated_at=now)
        return self._swap_owned(delivery, released, count=False)

    def expire_claim(self, delivery: Delivery, now: float) -> bool:
        with self._lock:
            current = self._entries.get((delivery.alert_id, delivery.subscriber_id))
            if current is None or (current.status, current.owner, current.claimed_at) != (
                Status.CLAIMED,
                delivery.owner,
                delivery.claimed_at,
            ):
                return False
            self._store(replace(current, status=Status.UNKNOWN, owner=None, updated_at=now), count=True)
            return True

    def cancel(self, alert_id: str, subscriber_id: str, zone: str, now: float) -> bool:
        with self._lock:
            current = self._entries.get((alert_id, subscriber_id))
            if current is not None and current.status != Status.RETRY:
                return False
            attempts = current.attempts if current else 0
            self._store(
                Delivery(alert_id, subscriber_id, zone, Status.CANCELLED, attempts, updated_at=now), True
            )
            return True

    def record_delivery(
        self, alert_id: str, subscriber_id: str, outcome: str, provider_id: str, now: float
    ) -> bool:
        with self._lock:
            current = self._entries.get((alert_id, subscriber_id))
            digest = provider_id_digest(provider_id)
            if current is None or current.delivery is not None:
                return False
            if current.provider_id_hash not in (None, digest):
                return False
            entry = replace(current, delivery=outcome, provider_id_hash=digest)
            self._entries[(alert_id, subscriber_id)] = entry
            key = (alert_id, entry.zone, outcome)
            self._counts[key] = self._counts.get(key, 0) + 1
            return True

    def get(self, alert_id: str, subscriber_id: str) -> Delivery | None:
        with self._lock:
            return self._entries.get((alert_id, subscriber_id))

    def counts(self, alert_id: str) -> dict[tuple[str, str], int]:
        with self._lock:
            return {(zone, status): n for (a, zone, status), n in self._counts.items() if a == alert_id}

    def entries(self) -> list[Delivery]:
        with self._lock:
            return list(self._entries.values())

    def _swap_owned(self, delivery: Delivery, new: Delivery, *, count: bool) -> bool:
        with self._lock:
            current = self._entries.get((delivery.alert_id, delivery.subscriber_id))
            if current is None or current.status != Status.CLAIMED or current.owner != delivery.owner:
                return False
            # A status callback may have come before the owner recorded the send.
            digest = new.provider_id_hash or current.provider_id_hash
            self._store(replace(new, delivery=current.delivery, provider_id_hash=digest), count)
            return True

    def _store(self, entry: Delivery, count: bool) -> None:
        self._entries[(entry.alert_id, entry.subscriber_id)] = entry
        if count:
            key = (entry.alert_id, entry.zone, str(entry.status))
            self._counts[key] = self._counts.get(key, 0) + 1
