"""A camera's recorded video from Kinesis Video Streams (rtcc.video.clips_service.ClipSource):
GetDataEndpoint (APIName GET_CLIP) on the control plane, then GetClip on that endpoint
(kinesis-video-archived-media), PRODUCER_TIMESTAMP: the camera's own clock, which the agent
stamps on every fragment, so a range means what the camera saw then.

video-clip's grants: kinesisvideo:GetDataEndpoint and kinesisvideo:GetClip on
`stream/<prefix>cam-*/*` only (infra/constructs/video_clips.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from rtcc.video.clips_service import NoVideoInRange, PartTooLarge

CLIP_API = "GET_CLIP"
CHUNK = 1024 * 1024


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class KvsClipSource:
    def __init__(self, control: Any, region: str) -> None:
        self._control = control  # boto3 "kinesisvideo"
        self._region = region
        self._endpoints: dict[str, str] = {}

    def _media(self, stream_name: str) -> Any:
        from rtcc.aws_clients import _CONFIG

        if stream_name not in self._endpoints:  # one endpoint per stream, reused for its parts
            answer = self._control.get_data_endpoint(StreamName=stream_name, APIName=CLIP_API)
            self._endpoints[stream_name] = answer["DataEndpoint"]
        return boto3.client(
            "kinesis-video-archived-media",
            region_name=self._region,
            endpoint_url=self._endpoints[stream_name],
            config=_CONFIG,
        )

    def clip(self, stream_name: str, start: datetime, end: datetime) -> Iterator[bytes]:
        """The MP4 of [start, end], 1 MiB at a time; NoVideoInRange or PartTooLarge."""
        selector = {
            "FragmentSelectorType": "PRODUCER_TIMESTAMP",
            "TimestampRange": {"StartTimestamp": start, "EndTimestamp": end},
        }
        try:
            answer = self._media(stream_name).get_clip(StreamName=stream_name, ClipFragmentSelector=selector)
        except ClientError as exc:
            code = _code(exc)
            # KVS: no fragment in the range (or no such stream) is ResourceNotFoundException;
            # over its 200 fragments or 100 MB, InvalidArgumentException.
            if code == "ResourceNotFoundException":
                raise NoVideoInRange(str(exc.response.get("Error", {}).get("Message", ""))) from None
            if code == "InvalidArgumentException" and "limit" in str(exc).lower():
                raise PartTooLarge(str(exc)) from None
            raise
        body = answer["Payload"]
        try:
            while chunk := body.read(CHUNK):
                yield chunk
        finally:
            body.close()


def kvs_clip_source() -> KvsClipSource:
    from rtcc.aws_clients import client
    from rtcc.settings import get_settings

    return KvsClipSource(client("kinesisvideo"), get_settings().region)
