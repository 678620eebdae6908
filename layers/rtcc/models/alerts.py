"""API models of the supervisors' alerts routes (`/api/alerts`): the composer's draft, the
preview, an alert and its delivery view. No subscriber and no number in any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

#: A generous cap on one language's text before segment counting refuses it (10 UCS-2
#: segments are 670 characters; 10 GSM-7 ones 1,530).
MAX_TEXT = 2000
#: A headline's length: CAP 1.2 suggests 160 characters (`<headline>`), and the public page
#: and the feeds show it as a title.
MAX_HEADLINE = 160


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: Literal["emergency", "advisory", "community"]
    zones: list[str] = Field(min_length=1, max_length=100)
    categories: list[str] = Field(default_factory=list, max_length=20)
    texts: dict[str, Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        min_length=1, max_length=20, description="language -> SMS text"
    )


class AlertIn(DraftIn):
    headline: dict[str, Annotated[str, Field(min_length=1, max_length=MAX_HEADLINE)]] = Field(
        default_factory=dict,
        max_length=20,
        description="language -> short headline (default: the text's first line)",
    )
    expires_at: AwareDatetime | None = None


class PreviewOut(BaseModel):
    reach: int = Field(description="Residents it would reach now (each once)")
    segments: dict[str, int] = Field(description="SMS segments per language (at most 10)")


class AlertOut(BaseModel):
    alert_id: str
    status: Literal["awaiting-approval", "sending", "cancelled"]
    tier: str
    headline: dict[str, str]
    texts: dict[str, str]
    zones: list[str]
    categories: list[str]
    sender: str
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    recipients: int = Field(description="Recipients whose pages were queued (selected at send)")
    unqueued: int = Field(
        0,
        description="Recipients whose pages the queue refused (sending the same alert again re-queues them)",
    )
    approved_by: str | None
    cancelled_by: str | None


class AlertListOut(BaseModel):
    alerts: list[AlertOut]


class ZoneCounts(BaseModel):
    queued: int
    sent: int
    delivered: int
    undelivered: int
    failed: int
    cancelled: int
    unknown: int


class AlertDetailOut(BaseModel):
    alert: AlertOut
    counts: dict[str, ZoneCounts] = Field(description="Per zone: the delivery view's counters")
    settled: bool = Field(
        False,
        description="A sending alert with nothing left queued: every recipient was sent, failed or "
        "skipped (delivery statuses may still arrive); cancelling it now only withdraws it from the feeds",
    )
