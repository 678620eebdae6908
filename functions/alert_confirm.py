"""SQS consumer of the `alert-confirmations` queue: the signups `/signup` queued
(rtcc.alerts.signup_confirm). Its own function so that the internet-facing `api` holds no
Twilio key and opens no number: this one has the Twilio API key, Decrypt on the alerts vault
key (its key policy names it) and the subscriber tables, and no route reaches it.

A message that is not a signup ticket fails alone (Powertools partial batch response) and
reaches the dead-letter queue after the queue's receives; only its id is logged, never the
body. Outcomes are counted (`AlertSignupTexts`: confirmation-sent, manage-link-sent,
capped, breaker, ...); the breaker's count is alarmed on.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.alerts.signup import SignupTicket
from rtcc.alerts.signup_confirm import LineBusy, SignupConfirmer
from rtcc.metrics import count

logger = Logger(service="rtcc-alerts-confirm")
processor = BatchProcessor(event_type=EventType.SQS)

_confirmer: SignupConfirmer | None = None


def _default_confirmer() -> SignupConfirmer:
    global _confirmer
    if _confirmer is None:
        from rtcc.alerts.signup_wiring import signup_confirmer

        _confirmer = signup_confirmer()
    return _confirmer


def record_handler(record: SQSRecord, confirmer: SignupConfirmer | None = None) -> str:
    try:
        ticket = SignupTicket.from_message(record.body)
    except ValueError:
        count("AlertSignupTexts", "malformed")
        logger.warning("confirmations message is not a signup", extra={"message_id": record.message_id})
        raise
    try:
        outcome = (confirmer or _default_confirmer()).handle(ticket)
    except LineBusy:
        # An alert holds the lane: the ticket fails alone and SQS redelivers it later.
        count("AlertSignupTexts", "line-busy")
        raise
    count("AlertSignupTexts", outcome)
    logger.info("signup handled", extra={"outcome": outcome})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
