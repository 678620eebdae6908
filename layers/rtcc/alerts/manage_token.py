"""Signed, expiring manage/delete links, and the message the number lookup MACs.

One alerts key (`SubscriberMac`) serves both, with a distinct prefix per use so a MAC made
for one can never stand for the other: a number lookup hashes `rtcc-alerts/number\\0+1...`,
a link signs `rtcc-alerts/manage\\0<subscriber id>\\0<expiry>`. A link is
`<subscriber id>.<expiry epoch s>.<base64url MAC>`: no number in it, and forging one needs
the key, which only the alerts functions may use.
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
