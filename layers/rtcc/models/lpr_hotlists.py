"""API models of the hotlist routes (`/api/lpr/hotlists`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HotlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description='A lowercase slug: "stolen", "amber"'
    )
    name: str = Field(min_length=1, max_length=100)
    priority: int = Field(50, ge=0, le=100, description="0 highest .. 100 lowest (AutoVu's scale)")
    notify: Literal["feed", "feed+sms"] = Field("feed", description="feed+sms also texts the watch desk")


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["autovu", "ncic"]
    filename: str = Field(min_length=1, max_length=200, description="For the history only")
    bytes: int = Field(gt=0, description="The file's size (refused over the limit before any upload)")
