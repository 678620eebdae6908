"""API models of the video capability (`/api/video`, `/api/public/video`). Unknown fields and
wrong types are 422 naming the field."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: A resident's or business's camera ("cam-<12 hex>") or the city's ("city-<config id>").
CAMERA_ID_PATTERN = r"^(cam-[0-9a-f]{12}|city-[A-Za-z0-9_-]{1,64})$"


class SessionIn(_Strict):
    camera_id: str = Field(pattern=CAMERA_ID_PATTERN, strict=True, description="The camera to watch live")


class MotionIn(_Strict):
    camera_id: str = Field(
        pattern=r"^cam-[0-9a-f]{12}$", strict=True, description="The integrated camera the agent runs for"
    )
    at: AwareDatetime = Field(description="When the motion was seen, ISO 8601 with its offset (UTC: Z)")
    score: float = Field(ge=0, le=1, strict=True, description="Share of the frame that moved, 0..1")


class AgentTokenIn(_Strict):
    camera_id: str = Field(
        pattern=CAMERA_ID_PATTERN, strict=True, description="The integrated camera whose agent gets the token"
    )
    days: int | None = Field(
        None,
        ge=1,
        strict=True,
        description="Days the token stays valid; at most (and by default) RTCC_VIDEO_AGENT_TOKEN_DAYS",
    )
