"""API models of the hits and search routes (`/api/lpr/hits`, `/api/lpr/search`). Field
values are checked by the domain (rtcc.lpr.hit_review, rtcc.lpr.search), which answers 400
naming the field; these models only fix the shape."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: str = Field(max_length=20, description='"accept" or "reject"')
    reason: str | None = Field(
        None, max_length=40, description="A rejection's reason (rtcc.lpr.model.RejectReason values)"
    )
    note: str = Field("", max_length=2000, description="Why: required to change an earlier verdict")
    case_number: str | None = Field(None, max_length=80, description="Accepting into a case keeps the hit")
    revision: int = Field(ge=0, description="The hit's revision the officer saw (409 when stale)")


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str | None = Field(None, max_length=100, description="One of GET /api/lpr/search/purposes")
    case_number: str | None = Field(None, max_length=80)
    start: str | None = Field(None, max_length=40, description="ISO 8601 with offset, inclusive")
    end: str | None = Field(None, max_length=40, description="ISO 8601 with offset, exclusive")
    plate: str | None = Field(None, max_length=20)
    mode: str = Field("exact", max_length=20, description='"exact", "ocr-equivalent" or "wildcard"')
    reader_id: str | None = Field(None, max_length=64)
    area: list[float] | None = Field(None, description="[south, west, north, east]")
