"""SQS consumer of the tip-media queue: fetch, check, clean and file one item per record.

Powertools' BatchProcessor reports partial failures, so one bad item is retried (and
dead-lettered after the queue's max receives) without holding back the others. Each
record's body is parsed into a `MediaJob` first: a message that is not one fails as
that record, with the reason logged (rtcc.consumers).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json
from rtcc.consumers import JobBatchProcessor, JobRecord
from rtcc.metrics import count
from rtcc.sms import get_sms_gateway
from rtcc.tips.adapters import default_ports
from rtcc.tips.jobs import MediaJob
from rtcc.tips.logs import route_tips_logs
from rtcc.tips.media import MediaProcessor

logger = Logger(service="rtcc-tips-media")
route_tips_logs(logger)


class MediaJobRecord(JobRecord):
    body: Json[MediaJob]  # type: ignore[assignment]


processor = JobBatchProcessor(MediaJobRecord, logger, metric="TipMedia")


def record_handler(record: MediaJobRecord) -> str:
    job = record.body
    ports = default_ports()
    state = MediaProcessor(ports.store, ports.sources, get_sms_gateway()).process(job.code, job.media_id)
    logger.info("tips media job done", extra={"code": job.code, "media_id": job.media_id, "state": state})
    count("TipMedia", state)
    return state


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
