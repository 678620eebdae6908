"""Where moto's Cognito breaks a promise the real user pool keeps, and how we restore it.

The bound on how long a disabled officer keeps access is the console client's token
lifetime (API Gateway's Cognito authorizer checks a token's signature and expiry, never
revocation). moto signs every token for one hour whatever the client says, and refreshes
tokens for a user an admin has disabled; Cognito does neither. Locally, tokens therefore
carry the app client's configured lifetimes, and a disabled user's refresh is refused with
Cognito's error.

The deployed pool signs in by username or email (an alias), case-insensitively, and its
admin calls accept either name; moto knows only exact usernames (and UsernameAttributes).
Locally, a pool with AliasAttributes and CaseSensitive false resolves names as Cognito
does, so an admin naming an account by its email reaches that account here too.

Tests must see a token expire without waiting five minutes: `TOKEN_CLOCK` is the one
clock both the local issuer (moto, in this process) and the gateway's verifier read, and
`TOKEN_CLOCK.travel(seconds)` moves both forward together. Only this process's emulator
changes; no rtcc code is replaced.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Cognito's units for a client's token validities, and its defaults when a client sets none.
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_DEFAULTS = {
    "id": ("IdTokenValidity", "IdToken", 60 * 60),
    "access": ("AccessTokenValidity", "AccessToken", 60 * 60),
}


class TokenClock:
    """Wall-clock time plus an offset that tests move forward (time travel)."""

    def __init__(self) -> None:
        self.offset_s = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        return time.time() + self.offset_s

    @contextmanager
    def travel(self, seconds: float) -> Iterator[None]:
        """Within the block, tokens are issued and checked `seconds` later than now."""
        with self._lock:
            self.offset_s += seconds
        try:
            yield
        finally:
            with self._lock:
                self.offset_s -= seconds


TOKEN_CLOCK = TokenClock()
_lock = threading.Lock()
_applied = False


def token_lifetime_s(client_config: dict[str, Any], token_use: str) -> int:
    """A token's lifetime as the app client configures it (Cognito's default: one hour)."""
    field, unit_key, default_s = _DEFAULTS[token_use]
    value = client_config.get(field)
    if value is None:
        return default_s
    unit = (client_config.get("TokenValidityUnits") or {}).get(unit_key, "hours")
    return int(value) * _UNIT_SECONDS[unit]


def make_cognito_tokens_faithful() -> None:
    """Patch moto's Cognito in this process (idempotent): configured token lifetimes,
    `TOKEN_CLOCK` time, and no refresh for a disabled user."""
    global _applied
    with _lock:
        if _applied:
            return
        from moto.cognitoidp import models

        # moto reads `time.time()` for iat/exp: give its module our clock instead.
        models.time = TOKEN_CLOCK  # type: ignore[assignment]
        pool = models.CognitoIdpUserPool
        pool.create_jwt = _with_client_lifetime(pool.create_jwt)
        pool.create_tokens_from_refresh_token = _refusing_disabled(pool.create_tokens_from_refresh_token)
        pool._get_user = _resolving_aliases(pool._get_user)
        _applied = True


def _with_client_lifetime(create_jwt: Any) -> Any:
    @functools.wraps(create_jwt)
    def create(
        self: Any, client_id: str, username: str, token_use: str, expires_in: int | None = None, **kw: Any
    ):
        if expires_in is None:
            client = self.clients.get(client_id)
            expires_in = token_lifetime_s(client.extended_config if client else {}, token_use)
        return create_jwt(self, client_id, username, token_use, expires_in, **kw)

    return create


def _refusing_disabled(refresh: Any) -> Any:
    @functools.wraps(refresh)
    def checked(self: Any, refresh_token: str) -> Any:
        from moto.cognitoidp.exceptions import NotAuthorizedError

        entry = self.refresh_tokens.get(refresh_token)
        if entry is not None and entry[1]:
            user = self.users.get(entry[1])
            if user is not None and not user.enabled:
                # Cognito's answer to a disabled user's refresh (AdminDisableUser).
                raise NotAuthorizedError("User is disabled.")
        return refresh(self, refresh_token)

    return checked


def _resolving_aliases(get_user: Any) -> Any:
    @functools.wraps(get_user)
    def find(self: Any, username: str) -> Any:
        user = get_user(self, username)
        if user is not None:
            return user
        from moto.cognitoidp.utils import flatten_attrs

        config = self.extended_config
        folded = (config.get("UsernameConfiguration") or {}).get("CaseSensitive") is False
        aliases = config.get("AliasAttributes") or []
        wanted = username.casefold() if folded else username
        for candidate in self.users.values():
            if folded and candidate.username.casefold() == wanted:
                return candidate
            attributes = flatten_attrs(candidate.attributes)
            for alias in aliases:
                value = attributes.get(alias)
                # Cognito: only a verified email or phone number is an alias.
                if value and attributes.get(f"{alias}_verified") == "true":
                    if (value.casefold() if folded else value) == wanted:
                        return candidate
        return None

    return find
