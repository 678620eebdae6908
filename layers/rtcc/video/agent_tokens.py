"""Camera agents' motion tokens: a cameras link token (rtcc.cameras.owner_links) whose scope
is `agent:<camera_id>`, signed with the cameras' link key (KMS HMAC: the key never leaves KMS).

A token is `<owner id>.<expiry epoch s>.<base64url MAC>`, the MAC a GenerateMac of
`rtcc-cameras/link\\0<owner id>\\0agent:<camera id>\\0<expiry>`: the links' own message, so
a portal or request link never passes for an agent's token and one camera's token never
passes for another's (the camera is in the MAC, not in the token). When the camera's stream
was set after its creation (camera-streams), the scope is `agent:<camera_id>@<stream_since ms>`:
a camera moved to Register and integrated again voids its former agent's token. `rtcc cameras provision`
mints one (`issue`); the motion route checks it (`verify`) against the camera the body names.

Errors name the field `token`: missing, malformed, forged or another camera's 401, expired 401
(an agent cannot follow a link again: it needs a new token from its provisioning).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import time

from rtcc.cameras import owner_links
from rtcc.cameras.owner_links import Mac
from rtcc.errors import Unauthorized

#: What a resident's or business's camera id looks like: only theirs run an agent of ours.
AGENT_CAMERA = re.compile(r"^cam-[0-9a-f]{12}$")
_TOKEN = re.compile(r"^(own-[0-9a-f]{16})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16,128})$")


def scope(camera_id: str) -> str:
    return f"agent:{camera_id}"


def _signature(mac: Mac, owner_id: str, camera_id: str, expires_at: int, since: float | None) -> bytes:
    if not AGENT_CAMERA.match(camera_id):
        raise ValueError("camera_id: an integrated camera's id (cam-<12 hex>)")
    # Bound to the camera's current stream (registry stream_since): a camera moved to Register
    # and integrated again gets a new one, so its former agent's token no longer verifies.
    bound = scope(camera_id) if since is None else f"{scope(camera_id)}@{int(since * 1000)}"
    message = f"{owner_id}\x00{bound}\x00{expires_at}".encode()
    return mac.mac(owner_links.LINK_PREFIX + message)


_default: Mac | None = None


def _default_mac(mac: Mac | None) -> Mac:
    global _default
    if mac is not None:
        return mac
    if _default is None:  # one KMS client per process (a Lambda's warm invocations share it)
        _default = owner_links.KmsLinkMac()
    return _default


def issue(
    owner_id: str,
    camera_id: str,
    days: float,
    *,
    since: float | None = None,
    mac: Mac | None = None,
    now: float | None = None,
) -> str:
    """The token `camera_id`'s agent sends as `Authorization: Bearer <token>`, valid while the
    camera keeps the stream set at `since` (rtcc.cameras.registry_dynamodb.stream_since)."""
    expires_at = int((time.time() if now is None else now) + days * 86_400)
    sig = base64.urlsafe_b64encode(_signature(_default_mac(mac), owner_id, camera_id, expires_at, since))
    return f"{owner_id}.{expires_at}.{sig.rstrip(b'=').decode()}"


def verify(
    token: str | None,
    camera_id: str,
    *,
    since: float | None = None,
    mac: Mac | None = None,
    now: float | None = None,
) -> str:
    """The owner id a genuine, unexpired token for `camera_id`'s stream set at `since` names."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if not match or not AGENT_CAMERA.match(camera_id):
        raise Unauthorized("not a valid camera agent token", field="token")
    owner_id, expires_at, sig = match.group(1), int(match.group(2)), match.group(3)
    try:
        given = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        raise Unauthorized("not a valid camera agent token", field="token") from None
    # The signature first: a forged token is "not valid" whatever expiry it claims.
    if not hmac.compare_digest(given, _signature(_default_mac(mac), owner_id, camera_id, expires_at, since)):
        raise Unauthorized("not a valid camera agent token for this camera", field="token")
    if (time.time() if now is None else now) >= expires_at:
        raise Unauthorized("the camera agent token has expired; provision the camera again", field="token")
    return owner_id


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (None: absent or another scheme)."""
    if not header:
        return None
    kind, _, value = header.strip().partition(" ")
    return (value.strip() or None) if kind.lower() == "bearer" else None
