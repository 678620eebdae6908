"""The tip line as an SMS line (rtcc.sms.line): its webhook path, refusal door, metrics,
number and keywords (STOP/START/HELP/NEW, inside rtcc.tips.sms_intake.SmsIntake).

MessageSids are de-duplicated by SmsIntake's claims (keyed receipts that live as long as
the tip), so the line declares no `seen` hook. Reply status callbacks arrive signed on
`/status` below the same path (rtcc.tips.reply_status).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rtcc.sms.line import Received, SmsLine

logger = logging.getLogger(__name__)

PATH = "/webhooks/twilio/tips"
#: Opt-outs of the tip line are kept under this name (rtcc.sms.optout).
LINE_NAME = "tips"


def _number() -> str:
    from rtcc.tips.settings import tips_settings

    return tips_settings().line_number


def _receive(form: Mapping[str, str]) -> Received:
    from rtcc.tips.adapters import default_ports
    from rtcc.tips.sms_intake import SmsIntake

    ports = default_ports()
    return SmsIntake(ports.sealer, ports.queues).receive(dict(form))


def _reply_status(event: Mapping[str, Any], form: dict[str, str]) -> tuple[int, str]:
    """A reply's status callback: a final status queues the reply's deletion at Twilio
    (rtcc.tips.reply_status). Logs the outcome only, never the SID; nothing here knows
    which tip the reply belongs to."""
    from rtcc.metrics import count
    from rtcc.tips.adapters import default_ports
    from rtcc.tips.reply_status import StatusFormError, receive_status

    ref = (event.get("queryStringParameters") or {}).get("ref")
    try:
        outcome = receive_status(default_ports().queues, ref, form)
    except StatusFormError as exc:
        logger.warning("tips reply status: signed form lacks a field", extra={"problem": str(exc)})
        return 400, str(exc)
    count("TipReplyStatus", outcome)
    logger.info("tips reply status", extra={"outcome": outcome})
    return 200, ""


TIP_LINE = SmsLine(
    name=LINE_NAME,
    path=PATH,
    door=PATH,
    received_metric="TipMessages",
    refused_metric="TipWebhookRefused",
    number=_number,
    receive=_receive,
    callbacks={"/status": _reply_status},
    label="Tip line",
)
