"""The CAD webhook's signature: `X-Rtcc-Signature: t=<unix seconds>,v1=<hex>`, where v1 is
HMAC-SHA256 of f"{t}.{body}" under the city's `cad_webhook_secret` (as Stripe signs its
webhooks). A time more than `MAX_SKEW_S` from ours either way is refused like a wrong
signature: a captured request replayed later is worth nothing. Pure: no I/O.

Every way of failing is the same 401 (a caller cannot tell a bad format from a wrong secret).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from rtcc.errors import DomainError

HEADER = "x-rtcc-signature"
MAX_SKEW_S = 300
_SIGNED = re.compile(r"^t=([0-9]{1,12}),v1=([0-9a-f]{64})$")


class CadUnauthenticated(DomainError):
    status = 401

    def __init__(self) -> None:
        super().__init__(
            "send X-Rtcc-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'> "
            "signed with the CAD webhook secret, within 300 s of now",
            field="X-Rtcc-Signature",
        )


def _mac(secret: str, stamp: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).digest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value CAD sends for `body` at `timestamp`."""
    return f"t={timestamp},v1={_mac(secret, str(timestamp), body).hex()}"


def verify(header: str | None, body: bytes, secret: str, now: datetime, skew_s: int = MAX_SKEW_S) -> None:
    """Raises CadUnauthenticated unless `header` signs `body` with `secret` within the skew."""
    match = _SIGNED.match((header or "").strip().lower()) if header and header.isascii() else None
    if match is None or not secret:
        raise CadUnauthenticated()
    stamp = match.group(1)  # signed as sent: "t=0123" was signed as "0123."
    if abs(now.timestamp() - int(stamp)) > skew_s:
        raise CadUnauthenticated()
    if not hmac.compare_digest(_mac(secret, stamp, body), bytes.fromhex(match.group(2))):
        raise CadUnauthenticated()
