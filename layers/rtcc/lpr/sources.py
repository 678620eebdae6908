"""Plate-read sources: the vendor integrations allowed to post reads, and their secrets.

Pure rules (no AWS): making a source and its secret, checking a request's credentials,
rotation with an overlap, the status changes, and the readers a source may report for. The
store (rtcc.lpr.sources_dynamodb) and the KMS sealer are ports the callers pass in.

Two ways a source authenticates (the contract of POST /ingest/lpr/reads):
- bearer: `Authorization: Bearer rtcc_lpr.<source_id>.<secret>`. Only the SHA-256 digest of
  the whole token is stored: the token is shown once, a stolen table does not post reads,
  and a digest is enough (the secret is 256 random bits: no dictionary to try).
- hmac: `X-Rtcc-Source`, `X-Rtcc-Timestamp` (unix seconds) and `X-Rtcc-Signature:
  v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. The key itself is needed to check
  a signature, so it is stored sealed by KMS (only lpr-ingest may open it). The timestamp
  bounds a replay to the skew; a replayed body within it stores nothing new (reads are
  de-duplicated by id).

Comparisons are constant-time (hmac.compare_digest), and an unknown source, a wrong secret
and a malformed header all answer the same 401 (source ids are 48 random bits besides). A
disabled or revoked source answers 403 only once its secret was proven.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rtcc.errors import Conflict, DomainError, Forbidden

TOKEN_PREFIX = "rtcc_lpr"
#: 32 random bytes, url-safe base64 without padding: 43 characters.
SECRET_CHARS = 43
SIGNATURE_VERSION = "v1"
_SOURCE_ID = re.compile(r"src-[0-9a-f]{12}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
_SIGNATURE = re.compile(r"v1=([0-9a-f]{64})")
_CAMERA_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


class Unauthenticated(DomainError):
    """No credentials, or credentials that prove nothing: one answer for every cause."""

    status = 401


class AuthKind(StrEnum):
    BEARER = "bearer"
    HMAC = "hmac"


class Status(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # refused (403) until enabled again; its secret is kept
    REVOKED = "revoked"  # final; its secret is kept only so its sender is told 403, not 401


class Vendor(StrEnum):
    OPENALPR = "openalpr"
    FLOCK = "flock"
    GENERIC = "generic"


class ReaderKind(StrEnum):
    FIXED = "fixed"
    MOBILE = "mobile"


@dataclass(frozen=True)
class Secret:
    """A source's secret as stored: a bearer token's digest, or an HMAC key sealed by KMS."""

    digest: str | None = None
    sealed: str | None = None


@dataclass(frozen=True)
class Source:
    source_id: str
    name: str
    vendor: Vendor
    auth: AuthKind
    status: Status
    current: Secret
    previous: Secret | None
    previous_valid_until: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    def secrets_valid_at(self, now: datetime) -> list[Secret]:
        """The current secret, then the previous one while the rotation's overlap lasts."""
        valid = [self.current]
        if self.previous is not None and self.previous_valid_until and now < self.previous_valid_until:
            valid.append(self.previous)
        return valid


@dataclass(frozen=True)
class Reader:
    source_id: str
    camera_id: str
    name: str
    kind: ReaderKind
    lat: float | None
    lon: float | None
    registered_by: str
    registered_at: datetime
    last_heartbeat_at: datetime | None = None
    last_read_at: datetime | None = None


# --- making ---------------------------------------------------------------------------------
def new_source_id() -> str:
    return f"src-{secrets.token_hex(6)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def bearer_token(source_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}.{source_id}.{secret}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(value: str, field: str = "name", limit: int = 100) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > limit or not text.isprintable():
        raise DomainError(f"required: 1 to {limit} printable characters", field=field)
    return text


def check_camera_id(value: str) -> str:
    if not isinstance(value, str) or not _CAMERA_ID.fullmatch(value):
        raise DomainError(
            "1 to 64 letters, digits and . _ : - (starting with a letter or digit)", field="camera_id"
        )
    return value


def check_position(kind: ReaderKind, lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise DomainError("a position needs both lat and lon", field="lon" if lon is None else "lat")
    if kind is ReaderKind.MOBILE and lat is not None:
        # A mobile reader's reads carry their own position; a fixed one would fill them wrongly.
        raise DomainError("a mobile reader has no fixed position", field="lat")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
        raise DomainError("WGS84 degrees: lat -90..90, lon -180..180", field="lat")


# --- status and rotation ----------------------------------------------------------------------
_TRANSITIONS = {
    "disable": ({Status.ACTIVE}, Status.DISABLED),
    "enable": ({Status.DISABLED}, Status.ACTIVE),
    "revoke": ({Status.ACTIVE, Status.DISABLED}, Status.REVOKED),
}


def change_status(source: Source, action: str, now: datetime) -> Source:
    """`disable`, `enable` or `revoke` (final: nothing brings a revoked source back). A revoked
    source keeps its current secret, never valid again, so a vendor still posting with it is
    told 403 "revoked" and stops retrying; the rotation's previous secret goes at once."""
    allowed, target = _TRANSITIONS[action]
    if source.status not in allowed:
        raise Conflict(f"cannot {action} a {source.status} source", field="status")
    changed = replace(source, status=target, updated_at=now, revision=source.revision + 1)
    if target is Status.REVOKED:
        changed = replace(changed, previous=None, previous_valid_until=None)
    return changed


def rotate(source: Source, fresh: Secret, now: datetime, overlap: timedelta) -> Source:
    """The new secret becomes current; the old one keeps working for `overlap` (none: at once
    refused). A second rotation within an overlap ends the first one's previous secret."""
    if source.status is Status.REVOKED:
        raise Conflict("a revoked source has no secret to rotate", field="status")
    keep = overlap > timedelta(0)
    return replace(
        source,
        current=fresh,
        previous=source.current if keep else None,
        previous_valid_until=now + overlap if keep else None,
        updated_at=now,
        revision=source.revision + 1,
    )


# --- checking a request -----------------------------------------------------------------------
@dataclass(frozen=True)
class BearerClaim:
    source_id: str
    token: str


@dataclass(frozen=True)
class SignedClaim:
    source_id: str
    timestamp: int
    signature: bytes


def _refuse() -> Unauthenticated:
    return Unauthenticated(
        "send Authorization: Bearer rtcc_lpr.<source>.<secret>, or X-Rtcc-Source, X-Rtcc-Timestamp and "
        "X-Rtcc-Signature (v1=<hex HMAC-SHA256>) of a registered source",
        field="Authorization",
    )


def claim(headers: dict[str, str]) -> BearerClaim | SignedClaim:
    """Which source a request says it is, from headers with lower-cased names. Malformed or
    missing: the one 401 (a caller cannot tell a bad format from a wrong secret)."""
    authorization = headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        parts = token.strip().split(".")
        if scheme.lower() != "bearer" or len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise _refuse()
        if not _SOURCE_ID.fullmatch(parts[1]) or not _SECRET.fullmatch(parts[2]):
            raise _refuse()
        return BearerClaim(parts[1], token.strip())
    source_id, stamp = headers.get("x-rtcc-source", ""), headers.get("x-rtcc-timestamp", "")
    signature = _SIGNATURE.fullmatch(headers.get("x-rtcc-signature", "").strip().lower())
    # ASCII digits only: "²" is a digit to str.isdigit, and int() refuses it (a 503, not the 401).
    digits = stamp.isascii() and stamp.isdigit()
    if not _SOURCE_ID.fullmatch(source_id) or not digits or len(stamp) > 12 or signature is None:
        raise _refuse()
    return SignedClaim(source_id, int(stamp), bytes.fromhex(signature.group(1)))


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """What a source sends as X-Rtcc-Signature for `body` at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def bearer_matches(source: Source, token: str, now: datetime) -> bool:
    wanted = digest(token)
    # Every valid secret is compared (no early exit), each in constant time.
    results = [hmac.compare_digest(wanted, s.digest or "") for s in source.secrets_valid_at(now) if s.digest]
    return any(results)


def signature_matches(
    keys: list[str], request: SignedClaim, body: bytes, now: datetime, skew: timedelta
) -> bool:
    """`keys`: the source's opened HMAC keys valid now. A timestamp beyond the skew either
    way fails like a wrong signature (a replay, or a clock the vendor must fix)."""
    if abs(now.timestamp() - request.timestamp) > skew.total_seconds():
        return False
    message = f"{request.timestamp}.".encode() + body
    macs = [hmac.new(key.encode(), message, hashlib.sha256).digest() for key in keys]
    return any([hmac.compare_digest(mac, request.signature) for mac in macs])


def admit(source: Source | None, proven: bool) -> Source:
    """The source a request may post as: 401 unless its secret was proven, 403 when the
    source is disabled or revoked (said only to a caller holding its secret)."""
    if source is None or not proven:
        raise _refuse()
    if source.status is not Status.ACTIVE:
        raise Forbidden(f"this source is {source.status}", field="source")
    return source
