"""camera-streams: integrated cameras' Kinesis Video Streams, and the city's cameras in the
registry.

Two triggers, one function (the one role allowed to create and delete camera streams):
- SQS `camera-streams`: one `StreamJob` per record ({camera_id, action: create|delete}),
  partial batch failures reported, a malformed record failing alone (rtcc.consumers);
- its schedule (EventBridge; `rtcc dev` runs it at start): the deploy config's city cameras
  (RTCC_CAMERAS_CITY_CAMERAS) created or updated in the registry.
The work is rtcc.cameras.streams'; this module only parses and counts.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json
from rtcc.cameras.streams import CameraStreams, StreamJob, sync_city_cameras
from rtcc.consumers import JobBatchProcessor, JobRecord
from rtcc.metrics import count

logger = Logger(service="rtcc-camera-streams")


class StreamJobRecord(JobRecord):
    body: Json[StreamJob]  # type: ignore[assignment]


processor = JobBatchProcessor(StreamJobRecord, logger, metric="CameraStreams")


def _service() -> CameraStreams:
    from rtcc.cameras import registry_dynamodb
    from rtcc.cameras.settings import cameras_settings
    from rtcc.cameras.streams_kvs import kinesis_video_streams

    return CameraStreams(
        kinesis_video_streams(), registry_dynamodb, cameras_settings().stream_retention_hours
    )


def record_handler(record: StreamJobRecord) -> str:
    outcome = _service().handle(record.body)
    logger.info("camera stream job done", extra={"camera_id": outcome.camera_id, "result": outcome.result})
    count("CameraStreams", outcome.result)
    return outcome.result


def sync(event: dict) -> dict:
    from rtcc.cameras import registry_dynamodb
    from rtcc.cameras.settings import cameras_settings

    synced = sync_city_cameras(list(cameras_settings().city_cameras), registry_dynamodb)
    logger.info("city cameras synced", extra={"cameras": synced})
    count("CameraStreams", "city-synced")
    return {"city_cameras": synced}


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    if event.get("source") == "aws.events":  # the schedule
        return sync(event)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
