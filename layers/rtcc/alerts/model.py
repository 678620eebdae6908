"""Shared domain types of community alerts: an alert as composed and sent, and one recipient of it.

Pure values (no AWS, no I/O): the composer builds an `Alert`, the dispatcher fans it out to
`Recipient`s, and the public feed renders it as CAP 1.2 / Atom. Validation lives here so every
lane refuses the same malformed alert the same way, before anything is sent or published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# BCP-47-ish: a 2-3 letter primary language, optionally a script and/or region ("en", "es-US",
# "zh-Hant-TW"). Not the full grammar: enough to refuse free text or a mistyped key before a
# catalog lookup or a CAP <language> element relies on it.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")
# Alert ids go in URLs (the public page, the CAP document's link) and CAP identifiers, which
# forbid spaces, commas and "<" / "&": URL-safe characters only.
_ALERT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class Tier(StrEnum):
    """Nixle's three tiers: how urgent the alert is (mapped to CAP urgency/severity in cap.py)."""

    EMERGENCY = "emergency"
    ADVISORY = "advisory"
    COMMUNITY = "community"


def is_language(code: str) -> bool:
    """True for a BCP-47-ish language tag ("en", "es-US")."""
    return isinstance(code, str) and bool(_LANGUAGE.match(code))


def _check_languages(field: str, values: dict[str, str]) -> None:
    if not values:
        raise ValueError(f"{field}: at least one language is required")
    for language, text in values.items():
        if not is_language(language):
            raise ValueError(f"{field}: {language!r} is not a language code such as 'en' or 'es-US'")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{field}[{language}]: the text is empty")


def _check_aware(field: str, value: datetime | None) -> None:
    # CAP requires an explicit offset on every time, and comparing naive with aware times
    # raises at run time: refuse naive ones here.
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{field}: a timezone-aware time is required")


@dataclass(frozen=True)
class Alert:
    alert_id: str  # opaque, URL-safe
    tier: Tier
    headline: dict[str, str]  # language -> short headline
    texts: dict[str, str]  # language -> SMS body (the composer's per-language text)
    zones: tuple[str, ...]  # zone ids (polygon ids and "zip:01013")
    categories: tuple[str, ...]
    sent_at: datetime | None
    expires_at: datetime | None
    sender: str  # the supervisor's username

    def __post_init__(self) -> None:
        if not isinstance(self.alert_id, str) or not _ALERT_ID.match(self.alert_id):
            raise ValueError(f"alert_id: {self.alert_id!r} is not URL-safe (letters, digits, '-', '_')")
        object.__setattr__(self, "tier", Tier(self.tier))
        _check_languages("texts", self.texts)
        _check_languages("headline", self.headline)
        object.__setattr__(self, "zones", tuple(self.zones))
        object.__setattr__(self, "categories", tuple(self.categories))
        if not self.zones:
            raise ValueError("zones: an alert goes to at least one zone")
        if any(not isinstance(z, str) or not z.strip() for z in self.zones):
            raise ValueError("zones: a zone id is empty")
        _check_aware("sent_at", self.sent_at)
        _check_aware("expires_at", self.expires_at)
        if self.sent_at and self.expires_at and self.expires_at <= self.sent_at:
            raise ValueError("expires_at: the alert would expire before it is sent")
        if not isinstance(self.sender, str) or not self.sender.strip():
            raise ValueError("sender: the sending supervisor is required")


@dataclass(frozen=True)
class Recipient:
    subscriber_id: str  # opaque id; never the number
    language: str  # "en", "es", ...

    def __post_init__(self) -> None:
        if not isinstance(self.subscriber_id, str) or not self.subscriber_id.strip():
            raise ValueError("subscriber_id: required")
        if self.subscriber_id.lstrip().startswith("+"):
            # A subscriber id that looks like an E.164 number is a number leaking into logs and
            # queue messages; recipients carry the opaque id only.
            raise ValueError("subscriber_id: an opaque id, never the phone number")
        if not is_language(self.language):
            raise ValueError(f"language: {self.language!r} is not a language code such as 'en'")
