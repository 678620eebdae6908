"""The Twilio API key the senders use, and what Twilio accepts as credentials.

Only the tip webhook holds the account's auth token: it needs it to check signatures, and
whoever has it can sign a webhook form as Twilio and learn from the TwiML answer whether a
number has an open tip. Sending, downloading media and deleting messages need only REST
calls, which Twilio authenticates with an API key (HTTP basic auth, the key's SID and
secret) as well as with the token; so tip-media and tip-outbound get a key and never the
token. A key is revoked in the Twilio console on its own, without touching the token.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass

from rtcc.secrets import local_secret_value, secret_value
from rtcc.settings import get_settings

SECRET_NAME = "twilio_api_key"
_KEY_SID = re.compile(r"^SK[0-9a-f]{32}$")


@dataclass(frozen=True)
class TwilioApiKey:
    sid: str
    secret: str

    def __repr__(self) -> str:  # never the secret, in a log line or a traceback
        return f"TwilioApiKey(sid={self.sid!r})"

    def basic_auth(self) -> str:
        return "Basic " + base64.b64encode(f"{self.sid}:{self.secret}".encode()).decode()


def parse_api_key(value: str) -> TwilioApiKey:
    """`SK<32 hex>:<secret>` as the city stores it; the error never quotes the value."""
    sid, _, secret = value.strip().partition(":")
    if not _KEY_SID.match(sid) or not secret:
        raise ValueError(f"secret {SECRET_NAME!r}: expected '<API key SID SK...>:<API key secret>'")
    return TwilioApiKey(sid, secret)


def twilio_api_key() -> TwilioApiKey:
    """The key, read with the calling function's own permissions (Secrets Manager when
    deployed and in `rtcc dev`)."""
    return parse_api_key(secret_value(SECRET_NAME))


def stand_in_accepts(username: str, password: str) -> bool:
    """What the local stand-ins for Twilio's REST API accept, as Twilio does: the account
    SID with the auth token, or an API key's SID with its secret. They are Twilio's side,
    so they know the local values themselves (from settings), not through any function's role."""
    settings = get_settings()
    key = parse_api_key(local_secret_value(SECRET_NAME))
    pairs = (
        (settings.twilio_account_sid, local_secret_value("twilio_auth_token")),
        (key.sid, key.secret),
    )
    offered = f"{username}:{password}".encode()
    return any(hmac.compare_digest(offered, f"{user}:{secret}".encode()) for user, secret in pairs)
