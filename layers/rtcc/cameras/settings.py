"""Settings of the cameras capability (`RTCC_CAMERAS_*`), read only by the code that serves
cameras, incidents and footage requests.

Deployed, CDK gives each variable only to the functions that read it (infra/constructs/cameras.py,
from the deploy config's `[camera_program]`); everything else runs on these defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rtcc.cameras.streams import CityCamera
from rtcc.email.gateway import LOCAL_EMAIL_FROM
from rtcc.settings import cached_settings, shown

#: `rtcc dev`'s city cameras: the example deploy config's two (in the demo city).
LOCAL_CITY_CAMERAS = (
    CityCamera(id="main-and-1st", name="Main St & 1st Ave", lat=47.6062, lon=-122.3321, bearing_deg=90),
    CityCamera(id="city-hall-plaza", name="City Hall Plaza", lat=47.6038, lon=-122.3301),
)


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
        "(deployed: `camera_program.request_max_radius_m`).",
    )
    request_max_hours: float = Field(
        12,
        gt=0,
        le=72,
        description="Longest time window (hours) a footage request may ask for "
        "(deployed: `camera_program.request_max_hours`).",
    )
    request_max_owners: int = Field(
        200,
        ge=1,
        le=5000,
        description="Most camera owners one footage request's circle may reach; more: refused at "
        "`radius_m` (a request is a targeted ask, not a mass mailing).",
    )
    requests_per_hour: int = Field(
        10, ge=1, le=1000, description="Footage requests one officer may send per clock hour; more: 429."
    )
    request_lookback_days: int = Field(
        30, ge=1, le=365, description="How many days back a footage request's window may start."
    )
    request_days: int = Field(
        14, ge=1, le=90, description="Days a footage request stays open before it expires unanswered."
    )
    requesters: str = Field(
        "officer",
        pattern="^(officer|supervisor)$",
        description="The lowest role that may send footage requests: `officer` or `supervisor` "
        "(deployed: `camera_program.requesters`).",
    )
    max_clip_mb: int = Field(
        2048,
        ge=1,
        le=51_200,
        description="Largest clip (MiB) an owner may upload to a request "
        "(deployed: `camera_program.max_clip_mb`).",
    )
    registrations_per_day: int = Field(
        200,
        ge=0,
        description="New camera owners the city accepts in 24 h, city-wide; past it registration "
        "answers 429.",
    )
    owner_link_hours: int = Field(
        72, ge=1, le=720, description="Hours a camera owner's signed portal or request link stays valid."
    )
    email_from: str = Field(
        LOCAL_EMAIL_FROM,
        pattern=r"^$|^[^@\s<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
        description="The address owners' codes and footage requests are emailed from, through Amazon SES "
        "(deployed: `camera_program.email_from`, an address or `no-reply@` a domain verified in SES; "
        "empty: the city sends no email; locally the emulator's SES, read at `/dev/mail`).",
        json_schema_extra=shown(f"`{LOCAL_EMAIL_FROM}`"),
    )
    city_cameras: list[CityCamera] = Field(
        default_factory=lambda: list(LOCAL_CITY_CAMERAS),
        description='JSON list of the city\'s own cameras (`[{"id", "name", "lat", "lon", '
        '"bearing_deg"}]`) the `camera-streams` function keeps in the registry as `city-<id>` '
        "(deployed: the config's `[[cameras]]`, given to that function only).",
        json_schema_extra=shown("the example config's two"),
    )
    stream_retention_hours: int = Field(
        24,
        ge=1,
        le=8760,
        description="Hours Kinesis Video Streams keeps an integrated camera's video (deployed: "
        "`camera_program.stream_retention_hours`; city cameras' streams get the same).",
    )

    vault_key_id: str = Field(
        "alias/rtcc-cameras-vault",
        description="KMS key sealing camera owners' contacts: the API seals (Encrypt), only camera-verify "
        "and footage-notify open them (locally created by `rtcc dev` from the template; deployed: the "
        "ARN of the stack's key).",
    )
    contact_key_id: str = Field(
        "alias/rtcc-cameras-contact",
        description="KMS HMAC key an owner's normalised number or email is looked up by (never stored in "
        "clear; deployed: the ARN of the stack's key, given to camera-verify).",
    )
    link_key_id: str = Field(
        "alias/rtcc-cameras-links",
        description="KMS HMAC key signing owners' expiring portal and footage-request links (deployed: the "
        "ARN of the stack's key, given to the functions that sign or check links).",
    )
    evidence_key_id: str = Field(
        "alias/rtcc-evidence-signing",
        description="KMS asymmetric key (ECC P-256) signing evidence exports' manifests: only "
        "evidence-export may Sign; the api reads its public key for `GET /api/footage/signing-key` "
        "(deployed: the ARN of the stack's key).",
    )

    incident_recent_hours: int = Field(
        12,
        ge=1,
        le=168,
        description="Hours a closed incident stays on the operations map's list after it closed.",
    )
    incident_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="Days a closed incident's record (type, place, address, notes) is kept after it closed; "
        "then DynamoDB's TTL deletes it (reads treat it as gone at once). Its live windows go a day after "
        "they end. Evidence is kept with its case, apart from incidents.",
    )
    live_window_hours: int = Field(
        12,
        ge=1,
        le=72,
        description='Longest live-view window an open incident gives the policy-"incident" cameras near '
        "it (closing the incident ends it sooner).",
    )
    cad_max_bytes: int = Field(
        65_536,
        ge=1024,
        le=1_048_576,
        description="Largest body the CAD webhook (POST /webhooks/cad/incidents) accepts; larger: 413.",
    )


@cached_settings
def cameras_settings() -> CamerasSettings:
    return CamerasSettings()
