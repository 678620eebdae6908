"""POST /webhooks/twilio/tips: Twilio's inbound-message webhook for the tip line, and
POST /webhooks/twilio/tips/status: the status callbacks of replies to tipsters.

Its own small function so a cold start stays quick: no API app, no pydantic models.
Answers TwiML within the request; media copying is queued, never done here.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.metrics import count
from rtcc.refusals import count_refusal
from rtcc.secrets import secret_value
from rtcc.settings import get_settings
from rtcc.tips.adapters import default_ports
from rtcc.tips.adapters.twilio_webhook import parse_form, raw_body, signature_valid, signed_url, twiml
from rtcc.tips.inbound import FormError
from rtcc.tips.logs import route_tips_logs
from rtcc.tips.reply_status import STATUS_PATH, StatusFormError, receive_status
from rtcc.tips.sms_intake import SmsIntake

logger = Logger(service="rtcc-tips")
route_tips_logs(logger)


def _warm() -> None:
    """Before a SnapStart snapshot: import what the first message would import lazily
    (the AWS adapters, Twilio's media source, Powertools' secrets provider)."""
    import aws_lambda_powertools.utilities.parameters  # noqa: F401
    import rtcc.tips.adapters.aws  # noqa: F401
    import rtcc.tips.adapters.twilio_media  # noqa: F401

    get_settings()


snapstart.enable(warm=_warm)

#: Twilio's form for one message with ten media items is a few KB; anything far larger
#: is not Twilio.
MAX_FORM_BYTES = 64 * 1024
#: This door's name in the refusal counters (rtcc.refusals.DOORS).
WEBHOOK_DOOR = "/webhooks/twilio/tips"


def _respond(status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type},
        "body": body,
        "isBase64Encoded": False,
    }


def _refuse(event: dict, reason: str, why: str) -> dict:
    # Counted, not audited one by one: a flood of forged posts must not lengthen the audit
    # chain or slow officers' appends; `refusal-summary` writes one entry per minute
    # (rtcc.refusals). Nothing from the request body is kept.
    count_refusal(WEBHOOK_DOOR, why)
    logger.warning("tips webhook refused", extra={"reason": reason})
    count("TipWebhookRefused", "signature" if "Signature" in reason else "body")
    return _respond(403, "forbidden: " + reason)


def _reply_status(event: dict, form: dict[str, str]) -> dict:
    """A reply's status callback, signed like an inbound message (and refused by the same
    `_refuse` when not): a final status queues the reply's deletion at Twilio
    (rtcc.tips.reply_status). Logs the outcome only, never the SID; nothing here knows
    which tip the reply belongs to."""
    ref = (event.get("queryStringParameters") or {}).get("ref")
    try:
        outcome = receive_status(default_ports().queues, ref, form)
    except StatusFormError as exc:
        logger.warning("tips reply status: signed form lacks a field", extra={"problem": str(exc)})
        return _respond(400, str(exc))
    count("TipReplyStatus", outcome)
    logger.info("tips reply status", extra={"outcome": outcome})
    return _respond(200, "")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    if (event.get("httpMethod") or "POST").upper() != "POST":
        return _respond(405, "method not allowed: POST only")
    if len(event.get("body") or "") > MAX_FORM_BYTES * 2:
        return _respond(413, "body: too large for a Twilio webhook")
    try:
        body = raw_body(event)
    except (ValueError, UnicodeDecodeError):
        return _refuse(event, "body is not a UTF-8 form", "not_a_form")
    params = parse_form(body)
    url = signed_url(get_settings().public_base_url, event)
    if not signature_valid(secret_value("twilio_auth_token"), url, params, event):
        signed = any(k.lower() == "x-twilio-signature" for k in (event.get("headers") or {}))
        why = "invalid_signature" if signed else "missing_signature"
        return _refuse(event, ("invalid" if signed else "missing") + " X-Twilio-Signature", why)
    if (event.get("path") or "").endswith(STATUS_PATH):
        return _reply_status(event, params.flat())
    ports = default_ports()
    try:
        result = SmsIntake(ports.sealer, ports.queues).receive(params.flat())
    except FormError as exc:
        logger.warning("tips webhook: signed form lacks a field", extra={"problem": str(exc)})
        return _respond(400, str(exc))
    count("TipMessages", result.outcome)
    return _respond(200, twiml(result.reply), "application/xml")
