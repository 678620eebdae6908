"""What subscriptions need from the outside world, and the values they pass through it.

`rtcc.alerts.subscriptions` holds the rules; these protocols are where it stops: a sealer
for the number (KMS Encrypt with the alerts vault key when deployed), a keyed MAC (KMS
GenerateMac with the alerts key), and a store (DynamoDB: `rtcc.alerts.subscriber_dynamodb`;
in memory for units: `rtcc.alerts.subscriber_memory`). Nothing here holds a number in
the clear except the argument of `Sealer.seal` and the result of `Sealer.unseal`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from rtcc.alerts.model import Tier
from rtcc.errors import NotFound


class SubscriberGone(NotFound):
    """The subscriber a write was meant for no longer exists: deleted (by its manage link or
    STOP) or lapsed since it was read. The write is refused rather than made, so a change
    racing a deletion cannot bring the deleted subscriber back."""

    def __init__(self) -> None:
        super().__init__("this subscription no longer exists", field="subscription")


class Sealer(Protocol):
    """Encrypts a subscriber's number, bound to the subscriber id (a ciphertext copied onto
    another subscriber does not open). The same shape as tips' `ContactSealer`, under a key
    of its own."""

    def seal(self, number: str, context: str) -> bytes: ...

    def unseal(self, ciphertext: bytes, context: str) -> str: ...


class SubscriberMac(Protocol):
    """HMAC-SHA256 under the alerts keys (never the tips pseudonym key): the number lookup
    and the manage links, told apart by a message prefix, each deployed under a key of its
    own (rtcc.alerts.manage_token.KeyPerUse)."""

    def mac(self, message: bytes) -> bytes: ...


class Status(StrEnum):
    PENDING = "pending"  # signed up, waiting for YES: nothing is sent to it but the confirmation
    ACTIVE = "active"


class Channel(StrEnum):
    WEB = "web"
    SMS = "sms"


@dataclass(frozen=True)
class Preferences:
    zones: tuple[str, ...]  # rtcc.alerts.zones ids ("ward-1", "zip:01013")
    categories: tuple[str, ...]  # empty: every category
    language: str  # a catalog language ("en", "es")
    tiers: tuple[Tier, ...]  # always holds Tier.EMERGENCY (rtcc.alerts.subscriptions)


@dataclass(frozen=True)
class Subscriber:
    subscriber_id: str  # random, opaque; never derived from the number
    number_mac: str  # hex keyed hash of the E.164 number: the lookup key
    sealed_number: bytes
    status: Status
    prefs: Preferences
    created_at: float
    confirmation_sent_at: float | None = None
    confirmed_at: float | None = None
    pending_until: float | None = None  # a pending signup lapses then (and TTL removes it)

    def with_(self, **changes: object) -> Subscriber:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Consent:
    """One piece of consent evidence: what was shown, sent or received, when and how."""

    subscriber_id: str
    number_mac: str  # proves which number consented, to whoever presents the number
    event: str  # "signup-shown", "signup-received", "confirmation-sent", "confirm-received"
    channel: Channel
    text: str  # the exact text
    at: float
    expires_at: float | None  # None while the subscription lives (rtcc.alerts.subscriptions)


@dataclass(frozen=True)
class ZoneEntry:
    """One subscriber under one zone: enough to filter recipients without reading them."""

    subscriber_id: str
    language: str
    categories: tuple[str, ...]
    tiers: tuple[Tier, ...]


class SubscriberStore(Protocol):
    def by_number(self, number_mac: str) -> Subscriber | None: ...

    def get(self, subscriber_id: str) -> Subscriber | None: ...

    def create(self, subscriber: Subscriber) -> bool:
        """Store a new subscriber; False when its number already has one (a racing signup)."""
        ...

    def save(self, subscriber: Subscriber) -> None:
        """Rewrite an existing subscriber; SubscriberGone when it no longer exists (never
        recreates one: only `create` makes a subscriber)."""
        ...

    def delete(self, subscriber: Subscriber) -> None:
        """The subscriber and its number lookup, nothing else."""
        ...

    def add_consent(self, consent: Consent) -> None: ...

    def set_consent_expiry(self, subscriber_id: str, expires_at: float | None) -> None: ...

    def consents(self, subscriber_id: str) -> list[Consent]: ...

    def index(self, zone_id: str, entry: ZoneEntry) -> None: ...

    def unindex(self, zone_id: str, subscriber_id: str) -> None: ...

    def zone_members(self, zone_id: str) -> Iterator[ZoneEntry]:
        """Every entry under the zone, read by key page by page (never a scan)."""
        ...
