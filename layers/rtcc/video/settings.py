"""Settings of the video capability (`RTCC_VIDEO_*`), read only by the code that serves
live video, camera agents' motion and clips.

Deployed, CDK gives each variable only to the functions that read it (infra/constructs/video.py);
everything else runs on these defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rtcc.settings import cached_settings


class VideoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_VIDEO_", extra="ignore")

    session_expiry_s: int = Field(
        300,
        ge=300,
        le=43_200,
        description="Seconds a live HLS session URL stays valid (Kinesis Video Streams' `Expires`, "
        "300..43200) for the city's cameras shared at any time; owners' cameras and cameras shared during "
        "incidents only get 300 (a URL cannot be revoked: a pause or a closing incident window takes effect "
        "within 5 minutes). The console renews it before then.",
    )
    viewers: str = Field(
        "officer",
        pattern="^(officer|supervisor)$",
        description="The lowest role that may watch cameras live: `officer` or `supervisor` (auditors never: "
        "they read the audit log, not cameras).",
    )
    grid_size: int = Field(
        4, ge=1, le=9, description="Most cameras an incident's live grid shows: the nearest live-allowed now."
    )
    max_clip_minutes: int = Field(
        30, ge=1, le=180, description="Longest clip (minutes) an officer may save from a camera to a case."
    )
    motion_recent_s: int = Field(
        120,
        ge=10,
        le=86_400,
        description="Seconds a camera's last motion event counts as recent (the map and the incident grid).",
    )
    motion_keep_hours: int = Field(
        24, ge=1, le=720, description="Hours a camera's last motion event is kept (DynamoDB TTL)."
    )
    agent_token_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="Days a camera agent's motion token (signed with the cameras' link key) stays valid.",
    )


@cached_settings
def video_settings() -> VideoSettings:
    return VideoSettings()
