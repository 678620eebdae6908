"""POST /webhooks/twilio/tips: Twilio's inbound-message webhook for the tip line, and
POST /webhooks/twilio/tips/status: the status callbacks of replies to tipsters.

The door itself (signature, refusal counting, callbacks) is the platform's SMS webhook
(rtcc.sms.webhook) over the tip line's declaration (rtcc.tips.sms_line). Its own small
function so a cold start stays quick: no API app, no pydantic models. Answers TwiML within
the request; media copying is queued, never done here.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.settings import get_settings
from rtcc.sms.webhook import MAX_FORM_BYTES, webhook_handler  # noqa: F401 - MAX_FORM_BYTES: tests
from rtcc.tips.logs import route_tips_logs
from rtcc.tips.sms_line import TIP_LINE

logger = Logger(service="rtcc-tips")
route_tips_logs(logger)


def _warm() -> None:
    """Before a SnapStart snapshot: import what the first message would import lazily
    (the AWS adapters, Twilio's media source, the intake, Powertools' secrets provider)."""
    import aws_lambda_powertools.utilities.parameters  # noqa: F401
    import rtcc.tips.adapters.aws  # noqa: F401
    import rtcc.tips.adapters.twilio_media  # noqa: F401
    import rtcc.tips.reply_status  # noqa: F401
    import rtcc.tips.sms_intake  # noqa: F401

    get_settings()


snapstart.enable(warm=_warm)

#: This door's name in the refusal counters (rtcc.refusals.DOORS).
WEBHOOK_DOOR = TIP_LINE.door
_handle = webhook_handler(TIP_LINE, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return _handle(event, context)
