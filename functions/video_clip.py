"""SQS consumer of `video-clips`: a camera's range saved to a case (rtcc.video.clips_service):
GetClip from the camera's stream into the evidence bucket, SHA-256, evidence items and their
chain-of-custody entries. Safe to receive twice; the last failed delivery marks the clip failed."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.cameras.evidence_jobs import parse
from rtcc.metrics import count
from rtcc.video.clips_kvs import kvs_clip_source
from rtcc.video.clips_service import fail_clip, save_clip, utc_now

logger = Logger(service="rtcc-video-clip")
processor = BatchProcessor(event_type=EventType.SQS)
#: The queue's max_receive_count (rtcc.video.clips_declaration): the delivery that gives up.
LAST_DELIVERY = 3


def record_handler(record: SQSRecord) -> str:
    try:
        clip_id = parse(record.body, "clip_id")["clip_id"]
    except ValueError:
        count("VideoClips", "malformed")
        logger.warning("video-clips message is not a clip job", extra={"message_id": record.message_id})
        raise
    try:
        outcome = save_clip(clip_id, kvs_clip_source(), "video-clip", utc_now())
    except Exception as error:
        if int(record.attributes.approximate_receive_count) < LAST_DELIVERY:
            raise  # retried by SQS
        fail_clip(clip_id, f"not saved after {LAST_DELIVERY} attempts ({type(error).__name__})", utc_now())
        outcome = "failed"
    count("VideoClips", outcome)
    logger.info("video clip handled", extra={"outcome": outcome, "clip_id": clip_id})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
