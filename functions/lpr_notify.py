"""SQS consumer of `lpr-hit-texts`: texts the watch desk (rtcc.lpr.settings hit_text_to) a hit
on a list marked feed+sms, through the platform's SMS gateway (rtcc.lpr.hit_texts). The only
LPR function holding the Twilio key; no route reaches it.

A message that is not a hit-text fails alone (Powertools partial batch response) and reaches
the dead-letter queue; only its id is logged. Outcomes are counted (`LprHitTexts`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.lpr.hit_texts import HitText, send_hit_text
from rtcc.metrics import count

logger = Logger(service="rtcc-lpr-notify")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    from rtcc.lpr.hits_dynamodb import DynamoHitTexts
    from rtcc.lpr.settings import lpr_settings
    from rtcc.settings import get_settings
    from rtcc.sms.gateway import get_sms_gateway

    try:
        message = HitText.from_message(record.body)
    except ValueError:
        count("LprHitTexts", "malformed")
        logger.warning("lpr-hit-texts message is not a hit", extra={"message_id": record.message_id})
        raise
    settings = lpr_settings()
    try:
        outcome = send_hit_text(
            message, DynamoHitTexts(), get_sms_gateway(), settings.hit_text_to, settings.hit_text_from,
            get_settings().public_base_url, datetime.now(UTC),
        )  # fmt: skip
    except RuntimeError:
        count("LprHitTexts", "failed")
        raise
    count("LprHitTexts", outcome)
    logger.info("hit text handled", extra={"outcome": outcome, "hit_id": message.hit_id})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
