"""SQS consumer of `lpr-imports`: one hotlist import per message ({"import_id"}), run by
rtcc.lpr.hotlist_import with the list's lease: the uploaded file streamed from S3, diffed
against the list's current version, the touched keys written, the list switched over.

A message for an import already done or failed is dropped (queues deliver twice). While
another import holds the list, the message fails alone (partial batch response) and SQS
brings it back after the visibility timeout. A refused file (too large, wrong layout)
fails the import with the reason on its record; the message is not retried. Only ids and
counts are logged, never a row.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.metrics import count

logger = Logger(service="rtcc-lpr-import")
processor = BatchProcessor(event_type=EventType.SQS)


def _now() -> datetime:
    return datetime.now(UTC)


def record_handler(record: SQSRecord) -> str:
    from rtcc.lpr.hotlist_import import ImportFailed
    from rtcc.lpr.hotlist_runner import run_queued

    import_id = str(json.loads(record.body)["import_id"])
    try:
        outcome = run_queued(import_id, _now)
    except ImportFailed:
        outcome = "failed"
    count("LprImports", outcome)
    logger.info("hotlist import", extra={"import_id": import_id, "outcome": outcome})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
