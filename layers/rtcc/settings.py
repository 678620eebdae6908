"""One settings object for every process: Lambda, `rtcc dev` and tests.

Every field is read from an ``RTCC_*`` environment variable. Local defaults let
`make dev` run with no configuration; deployed stacks set the variables from CDK.
Secrets are ``SecretStr`` so they never print in a repr or a log line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_", extra="ignore")

    environment: Literal["local", "test", "deployed"] = Field(
        "local", description="Where this process runs; 'deployed' turns on the strict checks."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The URL the outside world (residents, Twilio) uses to reach this deployment. "
        "Twilio signatures are checked against it, never against the Host header.",
    )
    region: str = Field("us-east-1", description="AWS region of the deployment.")
    city_name: str | None = Field(
        None, description="The city's name, shown in the console header (unset: no name shown)."
    )
    map_center: tuple[float, float] | None = Field(
        None,
        description="JSON [lat, lon] where the /tip page's map opens (unset: the whole country). "
        "Deployed: the config's map_center.",
    )
    map_zoom: int = Field(13, ge=1, le=19, description="Zoom level of the /tip map at map_center.")
    aws_endpoint_url: str | None = Field(
        None, description="Override for every AWS client (the local moto server); unset in AWS."
    )
    table_prefix: str = Field("rtcc-", description="Prefix of every DynamoDB table name.")
    media_bucket: str = Field("rtcc-media", description="S3 bucket for tip media and evidence.")
    anchors_bucket: str = Field(
        "rtcc-anchors",
        description="S3 bucket (Object Lock) where the audit chain's head is published hourly.",
    )

    user_pool_id: str = Field("", description="Cognito user pool of staff accounts.")
    user_pool_client_id: str = Field("", description="Cognito app client the console signs in with.")
    cognito_endpoint: str = Field(
        "", description="Cognito IdP endpoint the console talks to (empty: the regional AWS endpoint)."
    )

    twilio_account_sid: str = Field("AC00000000000000000000000000000000", description="Twilio account SID.")
    twilio_auth_token: SecretStr = Field(
        SecretStr("local-twilio-auth-token"),
        description="Twilio auth token; signs and verifies webhooks. Deployed: from Secrets Manager.",
    )
    demo_password: SecretStr | None = Field(
        None, description="Password of the local demo users; random and printed at start when unset."
    )
    sms_backend: Literal["outbox", "twilio"] = Field(
        "outbox", description="'twilio' sends real SMS; 'outbox' keeps them in the local outbox."
    )
    max_body_bytes: int = Field(
        256 * 1024, description="Largest JSON body the API accepts; larger requests get 413."
    )

    # --- Anonymous tips -------------------------------------------------------------
    tips_pseudonym_key: SecretStr = Field(
        SecretStr("local-tips-pseudonym-key"),
        description="HMAC-SHA256 key: tipster number -> pseudonym. Deployed: from Secrets Manager.",
    )
    tips_line_number: str = Field("+15550100100", description="The tip line number replies go out from.")
    tips_thread_window_minutes: int = Field(
        120, ge=1, description="A text within this many minutes of the last joins the tipster's open tip."
    )
    tips_vault_retention_days: int = Field(
        30, ge=0, description="Days after a tip closes until its encrypted contact is deleted (TTL)."
    )
    tips_closed_retention_days: int = Field(
        1095, ge=1, description="Days after a tip closes until the tip, its messages and media are deleted."
    )
    tips_case_retention_days: int = Field(
        3650,
        ge=1,
        description="The same for a closed tip linked to a case number (kept with the case).",
    )
    tips_priority_keywords: list[str] = Field(
        default_factory=lambda: [
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
        ],
        description="Words or phrases that raise a tip to high priority and notify on-duty supervisors.",
    )
    tips_supervisor_numbers: list[str] = Field(
        default_factory=list, description="On-duty supervisors' numbers texted about priority tips."
    )
    tips_rate_limit_per_hour: int = Field(
        20, ge=1, description="Messages per tipster per hour; more flags the tip as suspected spam."
    )
    tips_media_allowed_hosts: list[str] = Field(
        default_factory=lambda: ["api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com"],
        description="Hosts media may be downloaded from (SSRF guard); the local stack adds its own.",
    )
    tips_media_redirect_hosts: list[str] = Field(
        default_factory=lambda: [
            "mms.twiliocdn.com",
            "media.twiliocdn.com",
            "s3-external-1.amazonaws.com/media.twiliocdn.com/",
        ],
        description="Where a media download may be redirected to (host, or host/path-prefix): "
        "Twilio's media CDN, without Twilio credentials.",
    )
    tips_max_media_bytes: int = Field(5 * 1024 * 1024, ge=1, description="Largest media item accepted.")
    tips_vault_key_id: str = Field(
        "alias/rtcc-tips-vault", description="KMS key (id, ARN or alias) encrypting tipster contacts."
    )
    tips_code_length: int = Field(4, ge=4, le=8, description="Characters after 'T-' in a new tip code.")

    @property
    def cognito_idp_url(self) -> str:
        return self.cognito_endpoint or f"https://cognito-idp.{self.region}.amazonaws.com"

    @property
    def cognito_issuer(self) -> str:
        # The `iss` claim always names the regional AWS endpoint (moto does the same),
        # whatever endpoint the console talks to.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    """Re-read the environment (the local stack and tests change it at start)."""
    get_settings.cache_clear()
    return get_settings()
