"""Verifies Cognito ID tokens the way API Gateway's Cognito authorizer does, against
the local user pool's JWKS, and renders the claims as the authorizer passes them on.

Expiry is checked against a clock the caller passes in (the local stack passes the one its
Cognito issuer reads, rtcc.local.cognito_fidelity.TOKEN_CLOCK), so a test can move time past
a token's five-minute lifetime instead of waiting for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jwt
import requests


class TokenRejected(Exception):
    """The token is missing, malformed, forged, expired or meant for someone else."""


class IdTokenVerifier:
    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        client_id: str,
        leeway_s: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.jwks_url = jwks_url
        self.clock = clock
        self.issuer = issuer
        self.client_id = client_id
        self.leeway_s = leeway_s
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys:
                # Fetched once; an unknown kid triggers one refresh, as a JWKS cache would.
                jwks = requests.get(self.jwks_url, timeout=5).json()
                self._keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(jwks).keys}
            if kid not in self._keys:
                raise TokenRejected("token signed by an unknown key")
            return self._keys[kid]

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected("token is not a JWT") from exc
        if header.get("alg") != "RS256":
            raise TokenRejected("token must be signed with RS256")
        key = self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=self.issuer,
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub", "token_use"],
                    # Checked below against self.clock, not the wall clock.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError as exc:
            raise TokenRejected("token was issued to another app client") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRejected("token was issued by another user pool") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected("token signature or claims are invalid") from exc
        if not isinstance(claims["exp"], int | float) or claims["exp"] + self.leeway_s <= self.clock():
            raise TokenRejected("token expired")
        if claims.get("token_use") != "id":
            raise TokenRejected("an ID token is required (token_use must be 'id')")
        return claims


def bearer_token(authorization: str | None) -> str | None:
    """The token in an Authorization header; the Cognito authorizer accepts it with or
    without a 'Bearer ' prefix."""
    if not authorization:
        return None
    value = authorization.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


_TIME_CLAIMS = ("exp", "iat", "auth_time")


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's REST Cognito authorizer hands them to Lambda: every value
    a string, lists comma-joined, times rendered like 'Mon Jan 01 00:00:00 UTC 2024'."""
    out: dict[str, str] = {}
    for name, value in claims.items():
        if name in _TIME_CLAIMS and isinstance(value, int | float):
            out[name] = datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, list | tuple):
            out[name] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out
