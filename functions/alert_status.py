"""POST /webhooks/twilio/alerts/status?d=<alert id>.<subscriber id>: Twilio's status callbacks
of the alerts the dispatcher sent.

The door is the platform's signed SMS webhook (rtcc.sms.webhook) for the alerts line's
`/status` sub-path: the signature is checked against RTCC_PUBLIC_BASE_URL + path + query
(so the reference in `d` is Twilio's to vouch for), and a forged or unsigned post is refused
with 403, counted under the alerts line's door and changes nothing. A final status
(delivered, undelivered, failed) settles the ledger entry's delivery once, only for the
message it sent (rtcc.alerts.line_sender.record_status). Its own function, apart from the
alerts line's inbound webhook: this one writes the delivery ledger and nothing else, the
inbound one never touches it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.alerts.line_sender import STATUS_SUFFIX, record_status
from rtcc.alerts.sms_line import ALERTS_LINE
from rtcc.metrics import count
from rtcc.sms.webhook import webhook_handler

logger = Logger(service="rtcc-alerts-status")


def _warm() -> None:
    """Before a SnapStart snapshot: import what the first callback would import lazily."""
    import aws_lambda_powertools.utilities.parameters  # noqa: F401
    import rtcc.alerts.dynamodb  # noqa: F401
    from rtcc.settings import get_settings

    get_settings()


snapstart.enable(warm=_warm)


def _status(event: Any, form: dict[str, str]) -> tuple[int, str]:
    from rtcc.alerts.dynamodb import DynamoDbLedger

    status, body, outcome = record_status(DynamoDbLedger(), event, form, time.time())
    count("AlertStatus", outcome)
    return status, body


def _no_inbound(form: Any) -> Any:
    # Only the /status sub-path is routed here (rtcc.alerts.capability); never reached.
    raise ValueError("inbound messages go to the alerts line's own webhook")


#: The alerts line, with its status sub-path and without its inbound handling.
STATUS_LINE = replace(ALERTS_LINE, receive=_no_inbound, callbacks={STATUS_SUFFIX: _status})
_handle = webhook_handler(STATUS_LINE, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return _handle(event, context)
