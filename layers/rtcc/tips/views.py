"""What the tips domain hands to its callers: plain values, never store records.

Routes shape these into API models; unit tests build them by hand. Only what officers may
see is here (no pseudonym, passphrase hash or search words): a record's other attributes
stay behind the repository (`rtcc.tips.repository`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TipView:
    code: str
    channel: str
    alias: str
    status: str
    priority: str
    category: str | None
    disposition: str | None
    assignee: str | None
    case_number: str | None
    created_at: str
    last_activity_at: str
    activity_key: str
    preview: str
    message_count: int
    media_count: int
    media_settled: int
    unread: bool
    keywords: tuple[str, ...]
    spam_suspected: bool
    latitude: float | None
    longitude: float | None
    closed_at: str | None
    purge_on: str | None
    version: int
    notes: tuple[dict[str, str], ...]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None


@dataclass(frozen=True)
class MessageView:
    code: str
    key: str
    at: str
    direction: str
    channel: str
    body: str
    author: str | None
    media_ids: tuple[str, ...]
    delivery: str | None
    delivery_detail: str | None


@dataclass(frozen=True)
class TipDetailView:
    """A tip as an officer opens it: its thread, its media (with short-lived links) and,
    for supervisors, whether its sender was blocked from this tip (None: not shown)."""

    tip: TipView
    messages: tuple[MessageView, ...]
    media: tuple[dict[str, Any], ...]
    blocked: bool | None
