"""Twilio's inbound-message webhook for any SMS line (rtcc.sms.line.SmsLine).

`webhook_handler(line, logger)` is the whole door: POST only, a size cap, the signature
checked against RTCC_PUBLIC_BASE_URL + the request's path (never the Host header),
refusals counted under the line's door (rtcc.refusals: a counter, never one audit entry
per forged request), signed status callbacks on the line's sub-paths, the MessageSid
de-duplication hook, then the line's own keywords and storage. Only the outcome is
logged and counted; nothing from the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from rtcc.metrics import count
from rtcc.refusals import count_refusal
from rtcc.secrets import secret_value
from rtcc.settings import get_settings
from rtcc.sms.inbound import FormError
from rtcc.sms.line import SmsLine
from rtcc.sms.twilio_webhook import parse_form, raw_body, signature_valid, signed_url, twiml

#: Twilio's form for one message with ten media items is a few KB; anything far larger
#: is not Twilio.
MAX_FORM_BYTES = 64 * 1024

Handler = Callable[[dict, Any], dict]


def respond(status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type},
        "body": body,
        "isBase64Encoded": False,
    }


def _refuse(line: SmsLine, logger: Any, reason: str, why: str) -> dict:
    # Counted, not audited one by one: a flood of forged posts must not lengthen the audit
    # chain or slow officers' appends; `refusal-summary` writes one entry per minute
    # (rtcc.refusals). Nothing from the request body is kept.
    count_refusal(line.door, why)
    logger.warning(f"{line.name} webhook refused", extra={"reason": reason})
    count(line.refused_metric, "signature" if "Signature" in reason else "body")
    return respond(403, "forbidden: " + reason)


class _Refused(Exception):
    def __init__(self, response: dict) -> None:
        super().__init__("refused")
        self.response = response


def _signed_form(line: SmsLine, logger: Any, event: Mapping[str, Any]) -> dict[str, str]:
    """The form, if Twilio signed it; else `_Refused` with the counted refusal."""
    try:
        body = raw_body(event)
    except (ValueError, UnicodeDecodeError):
        raise _Refused(_refuse(line, logger, "body is not a UTF-8 form", "not_a_form")) from None
    params = parse_form(body)
    url = signed_url(get_settings().public_base_url, event)
    if not signature_valid(secret_value("twilio_auth_token"), url, params, event):
        signed = any(k.lower() == "x-twilio-signature" for k in (event.get("headers") or {}))
        why = "invalid_signature" if signed else "missing_signature"
        reason = ("invalid" if signed else "missing") + " X-Twilio-Signature"
        raise _Refused(_refuse(line, logger, reason, why))
    return params.flat()


def _callback_for(line: SmsLine, path: str):
    for suffix, callback in (line.callbacks or {}).items():
        if path.endswith(line.path + suffix):
            return callback
    return None


def _receive(line: SmsLine, logger: Any, form: dict[str, str]) -> dict:
    earlier = line.seen(form.get("MessageSid", "")) if line.seen else None
    if earlier is not None:
        count(line.received_metric, "duplicate")
        return respond(200, twiml(earlier), "application/xml")
    try:
        result = line.receive(form)
    except FormError as exc:  # a signed form that lacks a field (anything else is a 5xx, alarmed)
        logger.warning(f"{line.name} webhook: signed form lacks a field", extra={"problem": str(exc)})
        return respond(400, str(exc))
    count(line.received_metric, result.outcome)
    return respond(200, twiml(result.reply), "application/xml")


def webhook_handler(line: SmsLine, logger: Any | None = None) -> Handler:
    """The Lambda handler (API Gateway proxy event) of `line`'s webhook."""
    log = logger or logging.getLogger(f"rtcc.sms.{line.name}")

    def handler(event: dict, context: Any = None) -> dict:
        if (event.get("httpMethod") or "POST").upper() != "POST":
            return respond(405, "method not allowed: POST only")
        if len(event.get("body") or "") > MAX_FORM_BYTES * 2:
            return respond(413, "body: too large for a Twilio webhook")
        try:
            form = _signed_form(line, log, event)
        except _Refused as refused:
            return refused.response
        callback = _callback_for(line, event.get("path") or "")
        if callback is not None:
            status, body = callback(event, form)
            return respond(status, body)
        return _receive(line, log, form)

    return handler
