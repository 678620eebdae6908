"""Settings of the cameras capability (`RTCC_CAMERAS_*`), read only by the code that serves
cameras, incidents and footage requests.

Deployed, CDK gives each variable only to the functions that read it (infra/constructs/cameras.py,
from the deploy config's `[cameras]`); everything else runs on these defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rtcc.settings import cached_settings


class CamerasSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_CAMERAS_", extra="ignore")

    nearest_count: int = Field(
        4, ge=1, le=25, description="How many cameras an incident lists: the nearest within the radius."
    )
    nearest_radius_m: int = Field(
        400,
        ge=25,
        le=5000,
        description="How far from an incident (metres) its nearest cameras are looked for.",
    )
    request_max_radius_m: int = Field(
        800,
        ge=25,
        le=5000,
        description="Widest area (radius, metres) a footage request may cover "
        "(deployed: `cameras.request_max_radius_m`).",
    )
    request_max_hours: float = Field(
        12,
        gt=0,
        le=72,
        description="Longest time window (hours) a footage request may ask for "
        "(deployed: `cameras.request_max_hours`).",
    )
    request_days: int = Field(
        14, ge=1, le=90, description="Days a footage request stays open before it expires unanswered."
    )
    requesters: str = Field(
        "officer",
        pattern="^(officer|supervisor)$",
        description="The lowest role that may send footage requests: `officer` or `supervisor` "
        "(deployed: `cameras.requesters`).",
    )
    max_clip_mb: int = Field(
        2048,
        ge=1,
        le=51_200,
        description="Largest clip (MiB) an owner may upload to a request (deployed: `cameras.max_clip_mb`).",
    )
    owner_link_hours: int = Field(
        72, ge=1, le=720, description="Hours a camera owner's signed portal or request link stays valid."
    )
    stream_retention_hours: int = Field(
        24,
        ge=1,
        le=8760,
        description="Hours Kinesis Video Streams keeps an integrated camera's video (deployed: "
        "`cameras.stream_retention_hours`; city cameras' streams get the same).",
    )


@cached_settings
def cameras_settings() -> CamerasSettings:
    return CamerasSettings()
