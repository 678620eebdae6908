"""POST /webhooks/twilio/alerts: Twilio's inbound-message webhook for the alerts line.

The door itself (signature, refusal counting) is the platform's SMS webhook
(rtcc.sms.webhook) over the alerts line's declaration (rtcc.alerts.sms_line); the keywords
are rtcc.alerts.inbound. Its own small function so a cold start stays quick: no API app.
Logs outcomes only, never a number or a message body.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc import snapstart
from rtcc.alerts.sms_line import ALERTS_LINE
from rtcc.settings import get_settings
from rtcc.sms.webhook import webhook_handler

logger = Logger(service="rtcc-alerts")


def _warm() -> None:
    """Before a SnapStart snapshot: import what the first message would import lazily."""
    import aws_lambda_powertools.utilities.parameters  # noqa: F401
    import rtcc.alerts.inbound  # noqa: F401
    import rtcc.alerts.subscriber_dynamodb  # noqa: F401
    import rtcc.alerts.subscriber_keys  # noqa: F401
    import rtcc.sms.optout_store  # noqa: F401
    from rtcc.alerts.zone_config import configured_zones

    get_settings()
    configured_zones()


snapstart.enable(warm=_warm)

_handle = webhook_handler(ALERTS_LINE, logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    return _handle(event, context)
