"""Twilio's inbound-message webhook form, built in one place for everything that plays
Twilio: `rtcc dev`'s phone simulator (/dev/phone), the tests and the tips benchmark.

One builder, so a field Twilio adds (or a spelling it uses) reaches all three at once,
and what the backend is tested against is what the simulator sends. Only the form: the
caller signs it (rtcc.tips.adapters.twilio_webhook.sign) against the URL it posts to.
Plain data, no AWS or twilio imports: it runs in `rtcc dev`, the tests and the bench.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

#: The API version Twilio names in every webhook it sends.
API_VERSION = "2010-04-01"

#: What Twilio looks up from both numbers and adds to every inbound form (the values of
#: Twilio's own published examples). The tips backend must drop these before anything is
#: stored or logged, so every built form carries them and every message exercises that.
EXAMPLE_GEO: Mapping[str, str] = {
    "ToCountry": "US",
    "ToState": "CA",
    "ToCity": "SAN BRUNO",
    "ToZip": "94030",
    "FromCountry": "US",
    "FromState": "CA",
    "FromCity": "VASS",
    "FromZip": "28394",
}

# GSM-7 sizes: one segment holds 160 characters; a longer text is split into segments of
# 153 (7 go to the concatenation header).
_SINGLE_SEGMENT = 160
_PER_SEGMENT = 153


def new_message_sid(*, media: bool = False) -> str:
    """A fresh MessageSid: Twilio names SMS "SM..." and MMS "MM...", 32 hex digits follow."""
    return ("MM" if media else "SM") + secrets.token_hex(16)


def segment_count(body: str) -> int:
    """How many SMS segments Twilio reports (NumSegments) for `body`, GSM-7 encoded."""
    if len(body) <= _SINGLE_SEGMENT:
        return 1
    return -(-len(body) // _PER_SEGMENT)


def inbound_form(
    *,
    from_number: str,
    to_number: str,
    body: str,
    account_sid: str,
    media: Sequence[tuple[str, str]] = (),
    message_sid: str | None = None,
    geo: Mapping[str, str] = EXAMPLE_GEO,
) -> dict[str, str]:
    """The form Twilio posts when `from_number` texts `to_number`.

    `media`: (url, content type) pairs, sent as MediaUrlN / MediaContentTypeN. The sid is
    new unless `message_sid` is given (a retry of the same message reuses it); Twilio
    repeats it as SmsMessageSid and SmsSid. `geo`: the looked-up geography fields."""
    sid = message_sid or new_message_sid(media=bool(media))
    form = {
        **geo,
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": account_sid,
        "From": from_number,
        "To": to_number,
        "Body": body,
        "NumMedia": str(len(media)),
        "NumSegments": str(segment_count(body)),
        "SmsStatus": "received",
        "ApiVersion": API_VERSION,
    }
    for i, (url, content_type) in enumerate(media):
        form[f"MediaUrl{i}"] = url
        form[f"MediaContentType{i}"] = content_type
    return form
