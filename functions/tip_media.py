"""SQS consumer of the tip-media queue: fetch, check, clean and file one item per record.

Powertools' BatchProcessor reports partial failures, so one bad item is retried (and
dead-lettered after the queue's max receives) without holding back the others.
"""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.metrics import count
from rtcc.tips.adapters import default_ports
from rtcc.tips.logs import route_tips_logs
from rtcc.tips.media import MediaProcessor

logger = Logger(service="rtcc-tips-media")
route_tips_logs(logger)
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    job = json.loads(record.body)
    ports = default_ports()
    state = MediaProcessor(ports.store, ports.sources).process(str(job["code"]), str(job["media_id"]))
    logger.info(
        "tips media job done", extra={"code": job["code"], "media_id": job["media_id"], "state": state}
    )
    count("TipMedia", state)
    return state


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
