"""Secret values: from Secrets Manager when deployed, from settings when local.

A deployed Lambda gets `RTCC_<NAME>_SECRET_ARN` (set by CDK) and reads the value
through Powertools' cached parameter provider; `rtcc dev` and tests set the value
itself in `RTCC_<NAME>`. Values are never logged.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import SecretStr

from rtcc.invocation import current_function
from rtcc.settings import get_settings

_CACHE_SECONDS = 300


#: Powertools' secret cache, one per function: deployed there is only one; in `rtcc dev`
#: a function must not read a secret another function fetched (its own role may not).
_PROVIDERS: dict[str, Any] = {}


def _provider() -> Any:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # only deployed code pays for it

    scope = current_function()
    if scope not in _PROVIDERS:
        _PROVIDERS[scope] = SecretsProvider()
    return _PROVIDERS[scope]


def forget_cached_secrets() -> None:
    """Drop every cached value and client (SnapStart restore, tests)."""
    _PROVIDERS.clear()


def secret_value(name: str) -> str:
    """The current value of the secret setting `name` (e.g. "twilio_auth_token")."""
    arn = os.environ.get(f"RTCC_{name.upper()}_SECRET_ARN")
    if arn:
        return str(_provider().get(arn, max_age=_CACHE_SECONDS))
    settings = get_settings()
    if settings.environment == "deployed":
        # A deployed function without the ARN would fall back to the public local default
        # (forgeable webhooks, reversible pseudonyms): refuse instead.
        raise LookupError(
            f"secret {name!r}: RTCC_{name.upper()}_SECRET_ARN is not set in a deployed function"
        )
    return local_secret_value(name)


def local_secret_value(name: str) -> str:
    """The value of `RTCC_<NAME>` (or its local default) from whichever settings model
    declares it: what `rtcc dev` stores in its local Secrets Manager too."""
    value = _local_value(name)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if value is None:
        raise LookupError(f"secret {name!r} is not configured (set RTCC_{name.upper()})")
    return str(value)


def _local_value(name: str) -> object:
    """`RTCC_<NAME>` from whichever settings model declares it (the platform's or a
    capability's, e.g. RTCC_TIPS_<FIELD> -> TipsSettings.<field>)."""
    from rtcc.settings import settings_models

    wanted = f"RTCC_{name.upper()}"
    for model in settings_models():
        prefix = str(model.model_config.get("env_prefix", ""))
        for field in model.model_fields:
            if (prefix + field).upper() == wanted:
                return getattr(model(), field)
    return None
