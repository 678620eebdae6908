"""Twilio's inbound-message form for any SMS line: what may be read of it, and the message
it carries.

Only fields on an allowlist survive `sanitize_form`: Twilio adds geography guessed from
the number (FromCity, FromZip, ...), and new fields may appear at any time, so keeping
what we know is safe is stricter than dropping what we know is not. Every line parses its
form here, so no line keeps Twilio's geography.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Form fields that may be looked at after the signature check. Everything else
#: (FromCity, FromState, FromZip, FromCountry, ToCity, ..., AddOns) is dropped unread.
SAFE_FIELDS = frozenset(
    {
        "MessageSid",
        "SmsMessageSid",
        "SmsSid",
        "AccountSid",
        "MessagingServiceSid",
        "From",
        "To",
        "Body",
        "NumMedia",
        "NumSegments",
        "SmsStatus",
        "ApiVersion",
        "OptOutType",  # Advanced Opt-Out's verdict: STOP, START or HELP (rtcc.sms.optout)
    }
)
_MEDIA_FIELD = re.compile(r"^(MediaUrl|MediaContentType)(\d)$")

#: Twilio sends at most 10 media items per message.
MAX_MEDIA = 10

GEO_FIELDS = frozenset(
    f"{side}{what}"
    for side in ("From", "To", "Caller", "Called")
    for what in ("City", "State", "Zip", "Country")
)


def sanitize_form(form: dict[str, str]) -> dict[str, str]:
    """The subset of an inbound form that is safe to keep: no geography, no add-ons."""
    return {k: v for k, v in form.items() if k in SAFE_FIELDS or _MEDIA_FIELD.match(k)}


@dataclass(frozen=True)
class InboundMedia:
    index: int
    url: str
    content_type: str


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    from_number: str
    to_number: str
    body: str
    media: tuple[InboundMedia, ...] = field(default_factory=tuple)


class FormError(ValueError):
    """A signed form that still lacks what an inbound message must have."""


def parse_inbound(form: dict[str, str]) -> InboundSms:
    safe = sanitize_form(form)
    sid = safe.get("MessageSid") or safe.get("SmsMessageSid") or ""
    if not re.fullmatch(r"[A-Z]{2}[0-9a-zA-Z]{10,40}", sid):
        raise FormError("MessageSid: missing or malformed")
    sender = safe.get("From", "")
    if not sender.strip():
        raise FormError("From: missing")
    try:
        declared = int(safe.get("NumMedia") or 0)
    except ValueError:
        raise FormError("NumMedia: not a number") from None
    media = []
    for index in range(min(max(declared, 0), MAX_MEDIA)):
        url = safe.get(f"MediaUrl{index}")
        if url:
            media.append(InboundMedia(index, url, safe.get(f"MediaContentType{index}", "")))
    return InboundSms(
        message_sid=sid,
        from_number=sender,
        to_number=safe.get("To", ""),
        body=safe.get("Body", ""),
        media=tuple(media),
    )
