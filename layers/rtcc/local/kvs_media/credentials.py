"""Local credentials for a camera agent, standing in for the temporary ones AWS IoT's
credentials provider hands a thing's certificate.

The access key names the thing (`RTCCIOT<thing name>`, the thing named after its
stream), so the enforcer can hold the caller to the camera-agent role with
`${credentials-iot:ThingName}` set to it, as IoT does. The secret is derived from the
thing name with a fixed local key: stable across `rtcc dev` restarts (an agent.toml
written by `rtcc cameras provision --local` keeps working), not a secret of anything
deployed. Functions sign with `RTCCFN<name>` and the local stack with its own key; both
use the local stack's secret ("testing")."""

from __future__ import annotations

import hashlib
import hmac

from rtcc.local.iam.identity import AGENT_PREFIX as AGENT_KEY_PREFIX
from rtcc.local.iam.identity import thing_of

__all__ = ["AGENT_KEY_PREFIX", "agent_credentials", "secret_for", "thing_of"]
LOCAL_SECRET = "testing"
_DERIVATION_KEY = b"rtcc-local-camera-agent-v1"


def agent_credentials(thing_name: str) -> tuple[str, str]:
    """(access key, secret key) a local camera agent for `thing_name` signs with."""
    digest = hmac.new(_DERIVATION_KEY, thing_name.encode(), hashlib.sha256).hexdigest()
    return f"{AGENT_KEY_PREFIX}{thing_name}", f"local{digest[:36]}"


def secret_for(access_key: str, local_key: str = "testing") -> str | None:
    """The secret `access_key` signs with locally; None for a key nobody issued."""
    thing = thing_of(access_key)
    if thing is not None:
        return agent_credentials(thing)[1]
    if access_key == local_key or access_key.startswith("RTCCFN"):
        return LOCAL_SECRET
    return None
