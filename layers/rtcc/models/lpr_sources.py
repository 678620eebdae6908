"""API models of the admins' plate-read sources routes (`/api/lpr/sources`). A secret
appears in one place only: the answer to a create or a rotate (`SecretOut.secret`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=100, description='What the source is ("Main St OpenALPR agent")'
    )
    vendor: Literal["openalpr", "flock", "generic"] = Field(description="The payload shape it posts")
    auth: Literal["bearer", "hmac"] = Field(description="Bearer token, or HMAC-SHA256 signed requests")


class ReaderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1, max_length=64, description="The id the source's reads carry")
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["fixed", "mobile"]
    lat: float | None = Field(None, ge=-90, le=90, description="A fixed reader's position (fills its reads)")
    lon: float | None = Field(None, ge=-180, le=180)
