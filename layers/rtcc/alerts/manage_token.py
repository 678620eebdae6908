"""Signed, expiring manage/delete links, and the message the number lookup MACs.

Each use has a KMS key of its own (`KeyPerUse` routes by the message's prefix): a number
lookup hashes `rtcc-alerts/number\\0+1...` under the lookup key, a link signs
`rtcc-alerts/manage\\0<subscriber id>\\0<expiry>` under the manage-link key. Two keys, not
one: KMS cannot limit a role to one prefix, and the internet-facing `api`, which checks links,
must not be able to hash numbers (it could hash an area code's ~10^7 numbers and match the
`number_mac` it reads). The prefixes stay, so a MAC made for one use never stands for the
other even under one key (the in-memory tests'). A link is
`<subscriber id>.<expiry epoch s>.<base64url MAC>`: no number in it, and forging one needs
the manage-link key, which only `api` and `alert-confirm` may use.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re

from rtcc.alerts.subscriber_ports import SubscriberMac
from rtcc.errors import Forbidden

NUMBER_PREFIX = b"rtcc-alerts/number\x00"
MANAGE_PREFIX = b"rtcc-alerts/manage\x00"
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{1,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16,128})$")


class NoKey:
    """Stands for a key a function is not given: using it is a bug in the wiring, said as such
    (deployed, the key policy would refuse it anyway)."""

    def __init__(self, use: str) -> None:
        self.use = use

    def mac(self, message: bytes) -> bytes:
        raise PermissionError(f"this function holds no {self.use} key")


class KeyPerUse:
    """A `SubscriberMac` that computes each MAC under its use's key: the number lookup or the
    manage links, told by the message's prefix."""

    def __init__(self, lookup: SubscriberMac, links: SubscriberMac) -> None:
        self.lookup, self.links = lookup, links

    def mac(self, message: bytes) -> bytes:
        if message.startswith(NUMBER_PREFIX):
            return self.lookup.mac(message)
        if message.startswith(MANAGE_PREFIX):
            return self.links.mac(message)
        raise ValueError("not a message of the alerts keys")


def number_mac(mac: SubscriberMac, e164: str) -> str:
    """The lookup key of a normalised number (hex)."""
    return mac.mac(NUMBER_PREFIX + e164.encode()).hex()


def _signature(mac: SubscriberMac, subscriber_id: str, expires_at: int) -> bytes:
    return mac.mac(MANAGE_PREFIX + f"{subscriber_id}\x00{expires_at}".encode())


def issue(mac: SubscriberMac, subscriber_id: str, expires_at: int) -> str:
    sig = base64.urlsafe_b64encode(_signature(mac, subscriber_id, expires_at)).rstrip(b"=")
    return f"{subscriber_id}.{expires_at}.{sig.decode()}"


def verify(mac: SubscriberMac, token: str, now: float) -> str:
    """The subscriber id a genuine, unexpired token names; Forbidden otherwise."""
    match = _TOKEN.match(token or "") if isinstance(token, str) else None
    if not match:
        raise Forbidden("not a valid link", field="token")
    subscriber_id, expires_at, sig = match.group(1), int(match.group(2)), match.group(3)
    try:
        given = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        raise Forbidden("not a valid link", field="token") from None
    # The signature first: a forged link is "not valid" whatever expiry it claims.
    if not hmac.compare_digest(given, _signature(mac, subscriber_id, expires_at)):
        raise Forbidden("not a valid link", field="token")
    if now >= expires_at:
        raise Forbidden("the link has expired; ask for a new one", field="token")
    return subscriber_id
