"""Moved to `rtcc.sms.twilio_webhook` (the platform's SMS layer, shared by every line);
kept so existing imports (tests, the bench, /dev/phone) keep working."""

from rtcc.sms.twilio_webhook import (  # noqa: F401
    FormParams,
    header,
    parse_form,
    raw_body,
    sign,
    signature_valid,
    signed_url,
    twiml,
)
