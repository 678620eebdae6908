"""Models of the platform endpoints: health, console config, the caller, the audit log, the
live feed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Health(BaseModel):
    status: str = Field(description="'ok' when the API answers")
    version: str
    environment: str


class ConsoleConfig(BaseModel):
    """Public configuration the static console reads at start (no secrets)."""

    region: str
    userPoolId: str
    userPoolClientId: str
    cognitoEndpoint: str
    apiBase: str = Field(
        "api",
        description="Where the API is, relative to config.json (the site root): never an absolute "
        "path, which would leave the stage path of the execute-api URL",
    )
    environment: str
    capabilities: list[str]
    cityName: str | None = Field(None, description="The deploying city's name, for the header")
    mapCenter: list[float] | None = Field(None, description="[lat, lon] where public maps open")
    mapZoom: int | None = Field(None, description="Zoom level at mapCenter")
    mapTiles: str | None = Field(
        None, description="Tile URL template ({z}/{x}/{y}) of public maps; null: no pictures, a plain grid"
    )
    mapTilesAttribution: str | None = Field(None, description="Plain text credit shown with those tiles")


class Me(BaseModel):
    username: str
    subject: str
    email: str | None
    groups: list[str]
    roles: list[str]


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int
    at: str
    actor: str
    role: str
    action: str
    target: str
    purpose: str | None
    case_number: str | None
    request_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_after_seq: int | None = Field(
        None, description="Pass as after_seq to read the next page; null at the end"
    )


class AuditVerification(BaseModel):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None
    head_seq: int = Field(description="Newest verified entry; record seq and hash outside AWS as an anchor")
    head_hash: str
    anchors_checked: int = Field(
        description="Published anchors within the range verified (the newest one, which starts it, included)"
    )
    latest_anchor_seq: int | None = Field(description="Seq of the newest published anchor")
    from_seq: int = Field(
        description="First entry verified: the newest published anchor's (the anchor function verified "
        "everything before it against the write-once copy before publishing), or 1 with no anchor yet. "
        "`rtcc audit verify` checks the whole chain."
    )
    uncopied: int = Field(
        0, description="Newest entries not yet in the write-once copy (the archiver copies within a minute)"
    )
    full_check_at: str | None = Field(
        None,
        description="When the audit-anchor function last verified the whole chain against every anchor "
        "and the whole write-once copy (daily), or null if none in the last 7 days",
    )
    full_check_ok: bool | None = Field(None, description="That full check's result")


class PublicAnchor(BaseModel):
    chain: str
    seq: int = Field(description="Sequence number of the anchored entry")
    entry_hash: str = Field(description="SHA-256 of that entry; together: SEQ:SHA256")
    anchors: int = Field(description="How many heads have been published for this chain")


class ErrorBody(BaseModel):
    statusCode: int
    message: str
    detail: Any | None = None


class FeedItemOut(BaseModel):
    cursor: str = Field(description="Unique per item; sorts by publish time")
    at: str = Field(description="When it was published (UTC ISO 8601)")
    kind: str = Field(description="What happened, in the channel's words, e.g. 'tip' or 'message'")
    ref: str = Field(description="The item's key in its capability, e.g. a tip code")
    summary: dict[str, Any] = Field(description="A few non-sensitive values; fetch the item for more")


class FeedPageOut(BaseModel):
    items: list[FeedItemOut] = Field(
        description="Oldest first. Items of the last few seconds come again on the next polls: "
        "drop those already seen (by cursor)"
    )
    cursor: str = Field(description="Pass as `after` next time")
    reset: bool = Field(
        False, description="The cursor was too old: reload what you show, then follow `cursor`"
    )
    more: bool = Field(False, description="More items are waiting: read again now")
