"""SQS consumer of `camera-verify-codes`: owners' one-time codes and portal links
(rtcc.cameras.verify_codes). Its own function so the internet-facing `api` holds no SMS key
and opens no contact: this one has Decrypt on the cameras vault key (its key policy names
it), the contact lookup key, the link key and the Twilio API key; no route reaches it.

A message that is not one of ours fails alone (partial batch response) and reaches the
dead-letter queue after the queue's receives; only its id is logged, never the body.
"""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.cameras.verify_codes import CodeSender
from rtcc.metrics import count

logger = Logger(service="rtcc-camera-verify")
processor = BatchProcessor(event_type=EventType.SQS)

_sender: CodeSender | None = None


def _default() -> CodeSender:
    global _sender
    if _sender is None:
        from rtcc.cameras.verify_wiring import code_sender

        _sender = code_sender()
    return _sender


def record_handler(record: SQSRecord, sender: CodeSender | None = None) -> str:
    try:
        message = json.loads(record.body)
        if not isinstance(message, dict):
            raise ValueError("not an object")
    except ValueError:
        count("CameraVerifyTexts", "malformed")
        logger.warning("camera-verify message is not ours", extra={"message_id": record.message_id})
        raise
    outcome = (sender or _default()).handle(message)
    count("CameraVerifyTexts", outcome)
    logger.info("camera-verify handled", extra={"outcome": outcome})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
