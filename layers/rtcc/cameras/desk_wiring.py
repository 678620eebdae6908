"""The public registry's desk over the deployed adapters (DynamoDB, KMS Encrypt, SQS), for
the internet-facing `api` function. Kept apart from rtcc.cameras.desk so importing the rules
loads no AWS client."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from rtcc.cameras.desk import CODE_QUEUE, CameraDesk

logger = logging.getLogger(__name__)

#: The queue lane X's `camera-streams` function consumes: {camera_id, action: create|delete}.
STREAMS_QUEUE = "camera-streams"


class SqsQueue:
    def __init__(self, name: str) -> None:
        from rtcc.aws_clients import client

        self.name = name
        self._sqs = client("sqs")
        self._url: str | None = None

    def __call__(self, message: dict) -> None:
        if self._url is None:
            from rtcc.tips.adapters.aws import queue_url

            self._url = queue_url(self.name)
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(message))


def streams_declared() -> bool:
    from rtcc.topology import TOPOLOGY

    return any(queue.name == STREAMS_QUEUE for queue in TOPOLOGY.queues)


class StreamRequestsPort:
    """Integrated cameras' stream requests, queued on `camera-streams` once that queue is
    declared (the streams function's); until then each request is logged by camera id only
    and dropped: registration works, the stream is not made."""

    def __init__(self) -> None:
        self._queue = SqsQueue(STREAMS_QUEUE) if streams_declared() else None

    def __call__(self, camera_id: str, action: str) -> None:
        if self._queue is None:
            logger.warning(
                "camera-streams is not declared: stream %s for %s not requested", action, camera_id
            )
            return
        self._queue({"camera_id": camera_id, "action": action})


def public_desk(audit: Callable[[str, str, dict], None]) -> CameraDesk:
    from rtcc.alerts.signup_limits_dynamodb import DynamoDbWindowCounters
    from rtcc.cameras import registry_dynamodb
    from rtcc.cameras.boundary import inside_city
    from rtcc.cameras.owners_dynamodb import KmsContactSealer, OwnerBook
    from rtcc.cameras.receipts_dynamodb import receipt_book
    from rtcc.cameras.settings import cameras_settings

    return CameraDesk(
        owners=OwnerBook(),
        cameras=registry_dynamodb,
        receipts=receipt_book(),
        sealer=KmsContactSealer(),
        codes=SqsQueue(CODE_QUEUE),
        streams=StreamRequestsPort(),
        inside=inside_city,
        audit=audit,
        counters=DynamoDbWindowCounters(),  # the alerts signup's window counters, by key
        registrations_per_day=cameras_settings().registrations_per_day,
        link_hours=cameras_settings().owner_link_hours,
    )
