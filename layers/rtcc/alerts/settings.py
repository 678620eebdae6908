"""Settings of the community alerts capability (`RTCC_ALERTS_*`), read only by the code that
serves alerts.

Deployed, CDK gives each variable only to the functions that read it
(`infra/constructs/alerts.py`); everything else runs on these defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rtcc.settings import cached_settings, shown


class AlertsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_ALERTS_", extra="ignore")

    program_name: str = Field(
        "City Alerts",
        description="The program's name in every confirmation and HELP answer (carriers require it).",
    )
    contact: str = Field(
        "the city's non-emergency line",
        description="Who residents reach for help, named in the HELP answer (a phone number, a web "
        "address or an office).",
    )
    line_number: str = Field(
        "+15550100200",
        description="The alerts number residents text (JOIN, YES, STOP) and alerts are sent from; never "
        "the tip line.",
    )
    sender_rate_per_second: float = Field(
        1.0,
        gt=0,
        description="Messages per second the alerts number may send (its carrier lane: about 1 for a "
        "long code, 3 for toll-free, 100 for a short code), shared by every dispatcher; the API sizes the "
        "fan-out pages from it (deployed: the config's `alerts.sender_rate_per_second`).",
    )
    signups_per_hour: int = Field(
        60,
        ge=0,
        description="Texts (confirmations, manage links) signups from /signup may make the alerts line send "
        "in an hour, city-wide; past it signups are dropped, answered the same, counted and alarmed on "
        "(deployed: `alerts.signups_per_hour`). A number gets at most 3 a day whatever this says. Each "
        "text also takes its turn in the line's send rate, shared with alerts.",
    )
    signup_ticket_max_age_hours: float = Field(
        24,
        gt=0,
        description="Hours a signup from /signup may wait in its queue: an older one (a dead-letter "
        "queue's, redriven) signs nobody up and texts nobody (`alert-confirm` counts it as `stale`).",
    )
    delivery_retention_days: int = Field(
        90,
        ge=15,
        description="Days an alert's delivery ledger entries (opaque subscriber id, zone, outcome) are kept "
        "before DynamoDB's TTL deletes them; the per-zone counts stay. At least 15: longer than a fan-out "
        "page can wait in its queue (14 days), so no entry goes while a page naming it could still be sent.",
    )
    allow_foreign_numbers: bool = Field(
        False, description="Whether a number of another country than `region` may subscribe."
    )
    region: str = Field(
        "US", description="The country residents' numbers are read in (ISO 3166 code, as phonenumbers)."
    )
    consent_retention_days: int = Field(
        1461,
        ge=0,
        description="Days a subscription's consent evidence is kept after it ends (4 years: the TCPA's "
        "limitation period).",
    )
    emergency_approval_required: bool = Field(
        False,
        description="Whether an Emergency alert waits for a second supervisor's (or an admin's) approval "
        "before anything is sent or published (deployed: the config's `alerts.emergency_approval_required`, "
        "on in the example config).",
    )
    zones_file: str | None = Field(
        None,
        description="GeoJSON file of the zones (deployed: the config's `alerts.zones_geojson`); unset, "
        "`rtcc dev` loads the demo city.",
        json_schema_extra=shown("the demo city"),
    )
    zip_codes: list[str] = Field(
        default_factory=list,
        description="JSON list of the ZIP codes residents can text to opt in and alerts can target "
        "(deployed: `alerts.zip_codes`).",
    )
    categories: list[str] = Field(
        default_factory=lambda: ["safety", "traffic", "weather", "utilities", "events"],
        description="JSON list of the alert topics residents may pick on /signup (none picked: every "
        "topic); the page names each from its catalogs (`signup.category.<name>`).",
    )
    vault_key_id: str = Field(
        "alias/rtcc-alerts-vault",
        description="KMS key encrypting subscribers' numbers (locally created by `rtcc dev` from the "
        "template; deployed: the ARN of the stack's alerts vault key).",
    )
    subscriber_key_id: str = Field(
        "alias/rtcc-alerts-subscriber",
        description="KMS HMAC key (GenerateMac) keying the number lookup; only the alerts functions "
        "that look numbers up may use it.",
    )
    manage_key_id: str = Field(
        "alias/rtcc-alerts-manage",
        description="KMS HMAC key (GenerateMac) signing the manage links; apart from the number lookup's "
        "key so the API, which checks links, cannot hash numbers (deployed: the stack's manage-link key).",
    )
    place_index: str | None = Field(
        None,
        description="Amazon Location Service place index the /signup page's address search queries "
        "(deployed: the config's `alerts.place_index`; `rtcc dev`: its demo stand-in). Unset: no address "
        "search; residents pick zones by pin, ZIP or list.",
    )
    cap_sender: str | None = Field(
        None,
        pattern=r"^[^\s,<&@]+@[^\s,<&@]+\.[^\s,<&@]+$",
        description="The CAP `<sender>` of the public alert feed (deployed: the config's "
        "`alerts.cap_sender`, else alerts@<domain_name>; read by the API only). Unset: alerts@ + the host of "
        "`RTCC_PUBLIC_BASE_URL`.",
        json_schema_extra=shown("alerts@ + the public URL's host"),
    )


@cached_settings
def alerts_settings() -> AlertsSettings:
    return AlertsSettings()
