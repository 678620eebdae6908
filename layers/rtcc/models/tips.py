"""API models of the tips capability: the officer inbox and the public web-tip endpoints.

Nothing here carries a phone number or a pseudonym: officers see tip codes and aliases.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["new", "triaged", "assigned", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Disposition = Literal["actionable", "information_only", "duplicate", "unfounded", "prank_spam"]
Category = Literal[
    "drugs",
    "violence",
    "weapons",
    "property",
    "fraud",
    "traffic",
    "missing_person",
    "wanted_person",
    "gang",
    "human_trafficking",
    "other",
]

TIP_CODE_PATTERN = r"^T-[2-9A-HJKMNP-Z]{4,8}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- officer inbox -------------------------------------------------------------------------
class TipSummary(BaseModel):
    code: str
    channel: Literal["sms", "web"]
    alias: str = Field(description="What officers call the tipster of this tip; unrelated across tips")
    status: Status
    priority: Priority
    category: str | None
    disposition: str | None
    assignee: str | None
    case_number: str | None
    created_at: str
    last_activity_at: str
    preview: str
    message_count: int
    media_count: int
    media_settled: int = Field(0, description="Media items already stored or rejected (of media_count)")
    unread: bool
    keywords: list[str]
    spam_suspected: bool
    has_location: bool


class TipList(BaseModel):
    tips: list[TipSummary]
    next_before: str | None = Field(None, description="Pass as `before` for the next page; null at the end")
    feed_cursor: str = Field(
        description="Pass as `after` to GET /api/feed/tips (or /api/tips/feed) to hear of changes "
        "since this list"
    )


#: `codes` of GET /api/tips/summaries: up to 100 tip codes, comma-separated.
TIP_CODES_PATTERN = r"^T-[2-9A-HJKMNP-Z]{4,8}(,T-[2-9A-HJKMNP-Z]{4,8}){0,99}$"


class TipSummaries(BaseModel):
    tips: list[TipSummary] = Field(description="The tips named that exist, newest activity first")


class TipFeed(BaseModel):
    tips: list[TipSummary] = Field(description="Tips with new activity, newest first")
    cursor: str = Field(description="Pass as `after` next time")
    reset: bool = Field(False, description="True when the cursor was too old: reload the list")


class TipMessageOut(BaseModel):
    key: str
    at: str
    direction: Literal["in", "out"]
    channel: str
    body: str
    author: str | None
    media_ids: list[str]
    delivery: str | None = Field(
        None,
        description="SMS replies: queued | sending | sent | undeliverable | failed "
        "(failed: not sent; send the reply again)",
    )
    delivery_detail: str | None = Field(None, description="Why a reply is undeliverable, failed or retrying")


class TipMediaOut(BaseModel):
    media_id: str
    message_key: str
    state: Literal["awaiting_upload", "pending", "stored", "rejected"]
    reason: str | None
    content_type: str | None
    size: int | None
    sha256: str | None
    url: str | None = Field(None, description="Short-lived presigned GET URL (stored media only)")
    url_expires_in: int | None = None


class TipNote(BaseModel):
    at: str
    author: str
    text: str


class TipDetail(TipSummary):
    version: int = Field(description="Send back in an update to refuse it if someone changed the tip since")
    latitude: float | None
    longitude: float | None
    closed_at: str | None
    purge_on: str | None = Field(
        description="Closed tips: the UTC day the tip, its thread and media are deleted (retention policy)"
    )
    blocked: bool | None = Field(
        description="Supervisors: whether this tip's sender was blocked from this tip (SMS tips); "
        "null for officers. A block made from another tip of the same sender never shows here."
    )
    messages: list[TipMessageOut]
    media: list[TipMediaOut]
    notes: list[TipNote]


class TipUpdate(_Strict):
    """Fields to change; omit a field to leave it, send null to clear it."""

    status: Status | None = None
    priority: Priority | None = None
    category: Category | None = None
    disposition: Disposition | None = None
    assignee: str | None = Field(None, min_length=1, max_length=128)
    case_number: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-_/.]*$"
    )
    note: str | None = Field(
        None, min_length=1, max_length=4000, description="Appended to the internal notes"
    )
    spam_suspected: bool | None = None
    version: int | None = Field(None, ge=0, description="The version you read; a mismatch answers 409")


class TipReplyIn(_Strict):
    text: str = Field(
        min_length=1, max_length=1000, description="Sent to the tipster by SMS or shown on the web follow-up"
    )


class TipReplyOut(BaseModel):
    message: TipMessageOut


class TipBlockOut(BaseModel):
    code: str
    blocked: bool


class TipOptions(BaseModel):
    statuses: list[str]
    priorities: list[str]
    categories: list[str]
    dispositions: list[str]


class TipExport(BaseModel):
    exported_at: str
    exported_by: str
    tip: TipDetail


# --- public web tips ------------------------------------------------------------------------
class AttachmentIn(_Strict):
    content_type: str = Field(
        min_length=3, max_length=100, description="MIME type of the file, e.g. image/jpeg"
    )
    size: int = Field(ge=1, description="Size in bytes (at most 5 MB)")


class WebTipIn(_Strict):
    text: str = Field("", max_length=5000)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)


class UploadFormOut(BaseModel):
    media_id: str
    url: str = Field(description="POST a multipart form here: `fields` first, then `file`")
    fields: dict[str, str]
    expires_at: str


class WebTipCreatedOut(BaseModel):
    code: str
    passphrase: str = Field(description="Shown once; with the code it opens the follow-up page")
    uploads: list[UploadFormOut]


class FollowUpIn(_Strict):
    code: str = Field(min_length=4, max_length=12)
    passphrase: str = Field(min_length=8, max_length=64)


class AddInformationIn(FollowUpIn):
    text: str = Field("", max_length=5000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)


class PublicAttachment(BaseModel):
    media_id: str
    state: str
    reason: str | None


class PublicMessage(BaseModel):
    at: str
    sender: Literal["you", "investigator"]
    text: str
    attachments: list[PublicAttachment]


class FollowUpOut(BaseModel):
    code: str
    open: bool = Field(description="False once the tip is closed; closed tips take no more information")
    thread: list[PublicMessage]


class AddInformationOut(BaseModel):
    code: str
    uploads: list[UploadFormOut]


class UploadConfirmedOut(BaseModel):
    media_id: str
    state: str
