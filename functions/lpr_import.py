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
from rtcc.lpr.capability import LPR_QUEUES
from rtcc.metrics import count

logger = Logger(service="rtcc-lpr-import")
processor = BatchProcessor(event_type=EventType.SQS)
#: Deliveries before the dead-letter queue (the lpr-imports queue's declaration).
MAX_RECEIVES = next(q.max_receive_count for q in LPR_QUEUES if q.name == "lpr-imports")


def _now() -> datetime:
    return datetime.now(UTC)


def record_handler(record: SQSRecord) -> str:
    from rtcc.lpr.hotlist_import import ImportFailed
    from rtcc.lpr.hotlist_runner import give_up, run_queued
    from rtcc.lpr.hotlist_store_dynamodb import ImportBusy

    import_id = str(json.loads(record.body)["import_id"])
    try:
        outcome = run_queued(import_id, _now)
    except ImportFailed:
        outcome = "failed"
    except ImportBusy:
        count("LprImports", "busy")  # another import holds the list: SQS brings it back later
        raise
    except Exception as error:
        # The queue's last delivery (then the dead-letter queue): the console would wait on a
        # "running" import for ever, so the record says it failed, naming the error's kind only.
        if int(record.attributes.approximate_receive_count) >= MAX_RECEIVES:
            give_up(import_id, f"failed {MAX_RECEIVES} times ({type(error).__name__})", _now)
            count("LprImports", "failed")
        raise
    count("LprImports", outcome)
    logger.info("hotlist import", extra={"import_id": import_id, "outcome": outcome})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
