"""Settings of the tips capability (`RTCC_TIPS_*`), read only by the code that serves tips.

Deployed, CDK gives each variable only to the functions that read it
(`infra/constructs/tips.py`); everything else runs on these defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rtcc.settings import cached_settings, shown

DEFAULT_PRIORITY_KEYWORDS = [
    "gun",
    "guns",
    "shooting",
    "shot",
    "shots fired",
    "knife",
    "stabbing",
    "bomb",
    "hostage",
    "kidnap",
    "kidnapped",
    "weapon",
]


class TipsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_TIPS_", extra="ignore")

    pseudonym_key_id: str = Field(
        "alias/rtcc-tips-pseudonym",
        description="KMS HMAC key (GenerateMac) turning a tipster's number into a pseudonym; only the "
        "webhook's role may use it (locally created by `rtcc dev` from the template; deployed: the ARN "
        "of the stack's pseudonym key).",
    )
    line_number: str = Field(
        "+15550100100", description="The tip line number; replies to tipsters go out from it."
    )
    thread_window_minutes: int = Field(
        120,
        ge=1,
        description="A text within this many minutes of the tipster's last joins their open tip (`NEW` "
        "starts a new one).",
    )
    vault_retention_days: int = Field(
        30,
        ge=0,
        description="Days after a tip closes until its encrypted contact is deleted (DynamoDB TTL). "
        "Deployed: the config's `retention.tip_contact_days`.",
    )
    closed_retention_days: int = Field(
        1095,
        ge=1,
        description="Days after a tip closes until the tip, its thread and its media are deleted by the "
        "retention sweep. Deployed: `retention.closed_tip_days`.",
    )
    case_retention_days: int = Field(
        3650,
        ge=1,
        description="The same for a closed tip linked to a case number. Deployed: `retention.case_tip_days`.",
    )
    priority_keywords: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PRIORITY_KEYWORDS),
        description="JSON list of words or phrases that raise a tip to high priority and alert supervisors.",
        json_schema_extra=shown("gun, shooting, ..."),
    )
    supervisor_numbers: list[str] = Field(
        default_factory=list,
        description="JSON list of on-duty supervisors' numbers texted about priority tips.",
    )
    rate_limit_per_hour: int = Field(
        20, ge=1, description="Messages per tipster per hour before the tip is flagged as suspected spam."
    )
    sms_language: str = Field(
        "en",
        description="The language of the tip line's texts to a tipster who has not chosen one (a catalog in "
        "`rtcc/catalogs`; a tipster switches by texting a catalog's language name, e.g. ESPAÑOL, ENGLISH). "
        "Deployed: the config's `tips_sms_language`.",
    )
    media_allowed_hosts: list[str] = Field(
        default_factory=lambda: ["api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com"],
        description="JSON list of hosts MMS media may be downloaded from (SSRF guard). Twilio credentials go "
        "only to `api.twilio.com` over HTTPS (off AWS, also to the local stack's `/dev/twilio-media`), "
        "whatever this lists.",
        json_schema_extra=shown("Twilio's media hosts"),
    )
    media_redirect_hosts: list[str] = Field(
        default_factory=lambda: [
            "mms.twiliocdn.com",
            "media.twiliocdn.com",
            "s3-external-1.amazonaws.com/media.twiliocdn.com/",
        ],
        description="JSON list of where a media download may be redirected (`host` or `host/path-prefix`): "
        "`mms.twiliocdn.com`, `media.twiliocdn.com` and Twilio's bucket on `s3-external-1.amazonaws.com`. "
        "Twilio credentials are never sent there.",
        json_schema_extra=shown("Twilio's media CDN"),
    )
    max_media_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest media item a tip accepts (MMS or web upload)."
    )
    max_image_pixels: int = Field(
        50_000_000,
        ge=1,
        description="Most pixels a tip's image may decode to (width x height; for a GIF, times its frames), "
        "read from its header: a larger one is rejected before decoding (a one-colour 12000x12000 PNG is "
        "420 KB and decodes past 2 GB).",
    )
    max_image_frames: int = Field(
        300, ge=1, description="Most frames an animated image may have, counted from its header."
    )
    vault_key_id: str = Field(
        "alias/rtcc-tips-vault",
        description="KMS key encrypting tipster contacts (locally created by `rtcc dev` from the template; "
        "deployed: the ARN of the stack's vault key).",
    )
    code_length: int = Field(4, ge=4, le=8, description="Characters after `T-` in a new tip code.")


@cached_settings
def tips_settings() -> TipsSettings:
    return TipsSettings()
