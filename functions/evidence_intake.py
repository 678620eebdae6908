"""SQS consumer of `evidence-arrivals`: a completed clip upload taken in as evidence
(rtcc.cameras.evidence_jobs.take_in): streamed from S3 at its version, SHA-256 computed,
container sniffed (a wrong type is refused and recorded), the evidence item recorded and a
chain-of-custody audit entry appended. Safe to receive twice."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.cameras.evidence_jobs import parse, take_in
from rtcc.metrics import count

logger = Logger(service="rtcc-evidence-intake")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    try:
        message = parse(record.body, "case_number", "evidence_id")
    except ValueError:
        count("EvidenceIntake", "malformed")
        logger.warning("evidence-arrivals message is not an arrival", extra={"message_id": record.message_id})
        raise
    outcome = take_in(message["case_number"], message["evidence_id"], "evidence-intake", datetime.now(UTC))
    count("EvidenceIntake", outcome)
    logger.info("evidence arrival handled", extra={"outcome": outcome, "evidence_id": message["evidence_id"]})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
