"""Signed, expiring links for camera owners: the portal (`scope="portal"`) and one footage
request (`scope=f"request:{request_id}"`).

A token is `<owner id>.<expiry epoch s>.<base64url MAC>`, the MAC a KMS HMAC (GenerateMac,
the cameras link key: the key never leaves KMS) of
`rtcc-cameras/link\\0<owner id>\\0<scope>\\0<expiry>`. The scope is in the MAC, not in the
token: a portal link never opens a request and a request link never opens the portal or
another request. No contact in it. Links travel in the URL fragment
(`<public base>/cameras/owner#t=<token>`), which browsers never send, and reach the API in
the `X-Owner-Link` header.

Errors: a malformed or forged token is 401 (`Unauthorized`), an expired one 410 (`Gone`),
both naming the field `token`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import time
from typing import Protocol

from rtcc.cameras.settings import cameras_settings
from rtcc.errors import Gone, Unauthorized

LINK_PREFIX = b"rtcc-cameras/link\x00"
_TOKEN = re.compile(r"^(own-[0-9a-f]{16})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16,128})$")
_SCOPE = re.compile(r"^(portal|request:[A-Za-z0-9_-]{1,64})$")
PORTAL_PAGE = "cameras/owner"
REQUEST_PAGE = "cameras/request"


class Mac(Protocol):
    def mac(self, message: bytes) -> bytes: ...


class KmsLinkMac:
    """HMAC-SHA256 by KMS GenerateMac under the cameras link key."""

    def __init__(self, key_id: str | None = None) -> None:
        from rtcc.aws_clients import client

        self._kms = client("kms")
        self._key_id = key_id

    def mac(self, message: bytes) -> bytes:
        key_id = self._key_id or cameras_settings().link_key_id
        out = self._kms.generate_mac(KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_256")
        return bytes(out["Mac"])


_default: Mac | None = None


def _mac(mac: Mac | None) -> Mac:
    global _default
    if mac is not None:
        return mac
    if _default is None:
        _default = KmsLinkMac()
    return _default


def _signature(mac: Mac, owner_id: str, scope: str, expires_at: int) -> bytes:
    if not _SCOPE.match(scope):
        raise ValueError("scope: 'portal' or 'request:<id>'")
    return mac.mac(LINK_PREFIX + f"{owner_id}\x00{scope}\x00{expires_at}".encode())


def issue(
    owner_id: str, scope: str, hours: float, *, mac: Mac | None = None, now: float | None = None
) -> str:
    expires_at = int((time.time() if now is None else now) + hours * 3600)
    sig = base64.urlsafe_b64encode(_signature(_mac(mac), owner_id, scope, expires_at)).rstrip(b"=")
    return f"{owner_id}.{expires_at}.{sig.decode()}"


def verify(token: str | None, scope: str, *, mac: Mac | None = None, now: float | None = None) -> str:
    """The owner id a genuine, unexpired token of this scope names."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if not match:
        raise Unauthorized("not a valid link", field="token")
    owner_id, expires_at, sig = match.group(1), int(match.group(2)), match.group(3)
    try:
        given = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        raise Unauthorized("not a valid link", field="token") from None
    # The signature first: a forged link is "not valid" whatever expiry it claims.
    if not hmac.compare_digest(given, _signature(_mac(mac), owner_id, scope, expires_at)):
        raise Unauthorized("not a valid link", field="token")
    if (time.time() if now is None else now) >= expires_at:
        raise Gone("the link has expired; ask for a new one", field="token")
    return owner_id


def link_url(token: str, page: str = PORTAL_PAGE) -> str:
    """The link sent to an owner: the token in the fragment, which no browser sends."""
    from rtcc.settings import get_settings

    return f"{get_settings().public_base_url.rstrip('/')}/{page}#t={token}"
