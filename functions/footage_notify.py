"""SQS consumer of `footage-notices`: tells one camera owner about a footage request (a text
from the alerts number through the platform's SMS gateway, or an email), with a signed link
scoped to that request (rtcc.cameras.evidence_jobs.notify_owner). The only footage function
that opens owners' sealed contacts; no route reaches it.

A message that is not a notice fails alone (partial batch response) and reaches the
dead-letter queue. Logs carry the request and owner ids only: never a number, an email or the
link's token.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.cameras.evidence_jobs import notify_owner, parse
from rtcc.metrics import count

logger = Logger(service="rtcc-footage-notify")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    from rtcc.alerts.settings import alerts_settings
    from rtcc.settings import get_settings
    from rtcc.sms.gateway import get_sms_gateway

    try:
        message = parse(record.body, "request_id", "owner_id")
    except ValueError:
        count("FootageNotices", "malformed")
        logger.warning("footage-notices message is not a notice", extra={"message_id": record.message_id})
        raise
    try:
        outcome = notify_owner(
            message["request_id"],
            message["owner_id"],
            get_sms_gateway(),
            alerts_settings().line_number,
            get_settings().public_base_url,
            datetime.now(UTC),
        )
    except RuntimeError:
        count("FootageNotices", "failed")
        raise
    count("FootageNotices", outcome)
    # The outcome and the request only: which owner was asked is not for the logs.
    logger.info("footage notice handled", extra={"outcome": outcome, "request_id": message["request_id"]})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
