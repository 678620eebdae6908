"""SQS consumer of `evidence-exports`: a case's received clips zipped with manifest.json (each
file's SHA-256, size, S3 version, request, camera) to exports/ in the evidence bucket, a
short-lived presigned GET recorded on the export, and a chain-of-custody audit entry
(rtcc.cameras.evidence_jobs.export_case). Safe to receive twice."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.cameras.evidence_jobs import export_case, parse
from rtcc.metrics import count

logger = Logger(service="rtcc-evidence-export")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    try:
        message = parse(record.body, "case_number", "export_id")
    except ValueError:
        count("EvidenceExports", "malformed")
        logger.warning("evidence-exports message is not an export", extra={"message_id": record.message_id})
        raise
    outcome = export_case(message["case_number"], message["export_id"], "evidence-export", datetime.now(UTC))
    count("EvidenceExports", outcome)
    logger.info("evidence export handled", extra={"outcome": outcome, "export_id": message["export_id"]})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
