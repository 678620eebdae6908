"""Settings of every process (Lambda, `rtcc dev`, tests): the platform's here, each
capability's in its own model (`Capability.settings`, e.g. `rtcc.tips.settings`).

Every field is read from an ``RTCC_*`` environment variable. Local defaults let
`make dev` run with no configuration; deployed stacks set the variables from CDK, and
only on the functions that read them. Secrets are ``SecretStr`` so they never print in a
repr or a log line. The README's settings table is generated from these models
(`python -m rtcc.settings`) and a unit test keeps it identical.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def shown(text: str) -> dict[str, str]:
    """What the README's table says for a default the value itself would not explain."""
    return {"readme_default": text}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTCC_", extra="ignore")

    environment: Literal["local", "test", "deployed"] = Field(
        "local",
        description="Where this process runs (`local`, `test`, `deployed`); `deployed` turns on the strict "
        "checks.",
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The URL the outside world (residents, Twilio) uses, stage path included. Twilio "
        "signatures are checked against it, never against the Host header.",
        json_schema_extra=shown("`http://127.0.0.1:8000/prod` (set by `rtcc dev`)"),
    )
    region: str = Field("us-east-1", description="AWS region of the deployment.")
    city_name: str | None = Field(
        None,
        description="The city's name, shown in the console header (`cityName` in `/config.json`). "
        "Deployed: the config's `city_name`.",
    )
    map_center: tuple[float, float] | None = Field(
        None,
        description="JSON `[lat, lon]` where the `/tip` page's map opens (`mapCenter` in `/config.json`; "
        "unset: the whole country). Deployed: the config's `map_center`.",
    )
    map_zoom: int = Field(
        13,
        ge=1,
        le=19,
        description="Zoom level of that map at `RTCC_MAP_CENTER`. Deployed: `map_center.zoom`.",
    )
    map_tiles: str = Field(
        "",
        pattern=r"^(https?://[^\s/;'\"]+/[^\s;'\"]*)?$",
        description="URL template (`https://tiles.city.example/{z}/{x}/{y}.png`) of the tile server the "
        "`/tip` page's map loads pictures from (`mapTiles` in `/config.json`); the page names it and its "
        "CSP allows images from its origin only. Empty: no pictures, a plain grid (the pin still works). "
        "Deployed: the config's `map_tiles`.",
        json_schema_extra=shown("empty (no tiles)"),
    )
    map_tiles_attribution: str = Field(
        "",
        description="Plain text credit shown with those tiles. "
        "Deployed: the config's `map_tiles_attribution`.",
        json_schema_extra=shown("empty"),
    )
    aws_endpoint_url: str | None = Field(
        None, description="Override for every AWS client (the local moto server); unset in AWS."
    )
    table_prefix: str = Field("rtcc-", description="Prefix of every DynamoDB table name.")
    media_bucket: str = Field("rtcc-media", description="S3 bucket for tip media and evidence.")
    camera_evidence_bucket: str | None = Field(
        None,
        description="S3 bucket of camera owners' footage clips and case exports (versioned; Object Lock "
        "when deployed). None: the deployment prefix + `camera-evidence`.",
    )
    anchors_bucket: str = Field(
        "rtcc-anchors",
        description="S3 bucket (Object Lock when deployed) where the audit chain's head is published hourly.",
    )
    user_pool_id: str = Field(
        "", description="Cognito user pool of staff accounts.", json_schema_extra=shown("set by `rtcc dev`")
    )
    user_pool_client_id: str = Field(
        "",
        description="Cognito app client the console signs in with.",
        json_schema_extra=shown("set by `rtcc dev`"),
    )
    cognito_endpoint: str = Field(
        "",
        description="Cognito endpoint the console talks to (empty: the regional AWS endpoint).",
        json_schema_extra=shown("set by `rtcc dev`"),
    )
    twilio_account_sid: str = Field(
        "AC00000000000000000000000000000000",
        description="Twilio account SID.",
        json_schema_extra=shown("a placeholder"),
    )
    twilio_auth_token: SecretStr = Field(
        SecretStr("local-twilio-auth-token"),
        description="Twilio auth token; verifies webhooks' signatures, and only the webhook reads it. "
        "Deployed: read from Secrets Manager (`RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN`).",
        json_schema_extra=shown("a local token"),
    )
    twilio_api_key: SecretStr = Field(
        SecretStr("SK00000000000000000000000000000001:local-twilio-api-key-secret"),
        description="Twilio API key as `SID:secret` (`SK...`): what sends replies and alerts, downloads "
        "MMS media and deletes messages at Twilio. Deployed: read from Secrets Manager "
        "(`RTCC_TWILIO_API_KEY_SECRET_ARN`).",
        json_schema_extra=shown("a local key"),
    )
    cad_webhook_secret: SecretStr = Field(
        SecretStr("local-cad-webhook-secret"),
        description="Shared secret the city's CAD signs incidents to `POST /webhooks/cad/incidents` with "
        "(HMAC-SHA256); only the `cameras-cad` function reads it. Deployed: read from Secrets Manager "
        "(`RTCC_CAD_WEBHOOK_SECRET_SECRET_ARN`).",
        json_schema_extra=shown("a local secret"),
    )
    twilio_messaging_service_sid: str = Field(
        "",
        description="Twilio Messaging Service SID (`MG...`) every SMS line sends through (sender pool, "
        "Advanced Opt-Out, status callbacks); empty: each line sends from its own number. Twilio keeps "
        "opt-outs per service, so with a second line (alerts) leave it empty: one STOP would silence "
        "every line.",
        json_schema_extra=shown("none"),
    )
    demo_password: SecretStr | None = Field(
        None, description="Password of the local demo users.", json_schema_extra=shown("random, printed")
    )
    sms_backend: Literal["outbox", "twilio"] = Field(
        "outbox", description="`twilio` sends real SMS; `outbox` keeps them in the local outbox."
    )
    max_body_bytes: int = Field(
        256 * 1024, description="Largest JSON body the API accepts; larger requests get 413."
    )

    @property
    def cognito_idp_url(self) -> str:
        return self.cognito_endpoint or f"https://cognito-idp.{self.region}.amazonaws.com"

    @property
    def cognito_issuer(self) -> str:
        # The `iss` claim always names the regional AWS endpoint (moto does the same),
        # whatever endpoint the console talks to.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


#: Every cached settings loader (the platform's and each capability's): reload_settings
#: clears them all, so one call re-reads the whole environment.
_LOADERS: list[Any] = []


def cached_settings(loader: Callable[[], Any]) -> Callable[[], Any]:
    """Caches a settings loader (`@cached_settings def tips_settings() -> TipsSettings`)
    and lets `reload_settings` clear it."""
    cached = lru_cache(maxsize=1)(loader)
    _LOADERS.append(cached)
    return cached


@cached_settings
def get_settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    """Re-read the environment (the local stack and tests change it at start)."""
    for loader in _LOADERS:
        loader.cache_clear()
    return get_settings()


def settings_models() -> list[type[BaseSettings]]:
    """The platform's settings model, then each declared capability's."""
    from rtcc.topology import DECLARED

    models: list[type[BaseSettings]] = [Settings]
    for capability in DECLARED:
        if capability.settings:
            module, _, name = capability.settings.partition(":")
            models.append(getattr(importlib.import_module(module), name))
    return models


def _default(field: Any) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "readme_default" in extra:
        return str(extra["readme_default"])
    value = field.default_factory() if field.default_factory is not None else field.default
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "a local secret"
    if isinstance(value, list | tuple):
        return f"`{json.dumps(list(value))}`"
    return f"`{value}`"


def settings_table() -> str:
    """The README's settings table, one row per field of every settings model."""
    rows = ["| variable | local default | meaning |", "|---|---|---|"]
    for model in settings_models():
        prefix = str(model.model_config.get("env_prefix", ""))
        for name, field in model.model_fields.items():
            rows.append(f"| `{(prefix + name).upper()}` | {_default(field)} | {field.description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(settings_table(), end="")
