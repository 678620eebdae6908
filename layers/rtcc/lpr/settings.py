"""Settings of the plate-reads capability (`RTCC_LPR_*`), read only by the code that serves
plate reads.

Deployed, CDK gives each variable only to the functions that read it (infra/constructs/lpr.py);
everything else runs on these defaults. The search purposes and the retention preset are
published on /transparency, so they are checked when the settings load.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rtcc.lpr.retention import RetentionPolicy, policy
from rtcc.lpr.search import SearchRules
from rtcc.lpr.transparency import check_purposes
from rtcc.settings import cached_settings


def _split(value: object) -> object:
    # One comma-separated environment variable (CDK sets it from the config's list).
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class LprSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_LPR_", extra="ignore")

    purposes: Annotated[tuple[str, ...], NoDecode] = Field(
        ("stolen vehicle", "missing person", "wanted person", "violent crime", "property crime"),
        description="The purposes an investigator picks from to search reads (comma-separated); each "
        "search names one and a case number, both audited, and /transparency counts searches per "
        "purpose (deployed: `lpr.purposes`).",
    )
    retention_preset: str = Field(
        "default",
        description="How long reads are kept: `default` (30 days), a state's preset (NH, ME, MN, TN, AR, "
        "VT: rtcc.lpr.retention cites each law) or `custom` (deployed: `lpr.retention_preset`).",
    )
    retention_days: int | None = Field(
        None,
        description="Days to keep reads: required with `custom` (at most 365), or a shorter period than "
        "a preset's (deployed: `lpr.retention_days`).",
    )
    fold_window_s: int = Field(
        300,
        ge=1,
        le=86_400,
        description="Seconds in which hits of the same plate, reader and entry fold into one.",
    )
    max_read_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        description="Largest body `POST /ingest/lpr/reads` accepts (413 past it); a batch holds at most "
        "500 reads.",
    )
    max_hotlist_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1024,
        description="Largest hotlist file an import accepts: the upload link refuses more, and the "
        "import stops reading past it (deployed: `lpr.max_hotlist_mb`).",
    )
    hotlists_bucket: str | None = Field(
        None,
        description="The S3 bucket of hotlist uploads and each list version's entries (CDK sets it; "
        "locally the deployment prefix's `lpr-hotlists`).",
    )
    rotation_overlap_hours: float = Field(
        24,
        ge=0,
        le=720,
        description="Hours a source's previous secret keeps working after a rotation, so the vendor can "
        "switch without losing reads.",
    )
    sources_key_id: str = Field(
        "alias/rtcc-lpr-sources",
        description="KMS key sealing sources' HMAC keys: the API seals (Encrypt), only lpr-ingest opens "
        "(Decrypt), each bound to its source id (locally created by `rtcc dev` from the template; "
        "deployed: the ARN of the stack's key).",
    )
    signature_max_skew_s: int = Field(
        300, ge=30, le=3600, description="How old (or early) an HMAC-signed request's timestamp may be."
    )
    hit_text_to: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="E.164 numbers (the watch desk, on-duty supervisors) texted a hit on a list marked "
        "`feed+sms`; the text names the list and reader and links the console, never the plate "
        "(deployed: `lpr.hit_text_to`).",
    )
    hit_text_from: str = Field(
        "+15550100300",
        description="The number hit texts are sent from (deployed: `lpr.hit_text_from`).",
    )

    _split_lists = field_validator("purposes", "hit_text_to", mode="before")(_split)

    @field_validator("purposes")
    @classmethod
    def _publishable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        check_purposes(value)
        return value

    @cached_property
    def retention(self) -> RetentionPolicy:
        return policy(self.retention_preset, self.retention_days)

    @property
    def fold_window(self) -> timedelta:
        """The fold window, never longer than the retention: a read folded into a hit past its
        retention (NH keeps reads 3 minutes, the window is 5) would raise nothing an officer
        can see, a listed car seen again silently dropped."""
        return min(timedelta(seconds=self.fold_window_s), self.retention.period)

    @property
    def rotation_overlap(self) -> timedelta:
        return timedelta(hours=self.rotation_overlap_hours)

    @property
    def signature_max_skew(self) -> timedelta:
        return timedelta(seconds=self.signature_max_skew_s)

    @cached_property
    def search_rules(self) -> SearchRules:
        return SearchRules(purposes=frozenset(self.purposes), retention=self.retention)

    def model_post_init(self, context: object) -> None:
        self.retention  # noqa: B018 - a bad preset or period fails at load, not at the first read


@cached_settings
def lpr_settings() -> LprSettings:
    return LprSettings()
