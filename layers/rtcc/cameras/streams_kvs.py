"""Kinesis Video Streams behind `rtcc.cameras.streams.VideoStreams` (the camera-streams
function's calls: CreateStream, TagStream, DescribeStream, DeleteStream, each granted on
`stream/<prefix>cam-*/*` only)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

#: What the owners' edge agent (kvs_ingest) pushes.
MEDIA_TYPE = "video/h264"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class KinesisVideoStreams:
    def __init__(self, client: Any) -> None:
        self._client = client

    def create(self, name: str, retention_hours: int, tags: dict[str, str]) -> bool:
        try:
            self._client.create_stream(
                StreamName=name, MediaType=MEDIA_TYPE, DataRetentionInHours=retention_hours, Tags=tags
            )
            return True
        except ClientError as exc:
            if _code(exc) != "ResourceInUseException":
                raise
        # A second delivery of the job (or a create that timed out after AWS made it): the
        # stream is there; make sure it carries its tags.
        self._client.tag_stream(StreamName=name, Tags=tags)
        return False

    def delete(self, name: str) -> bool:
        # DeleteStream takes only the ARN, which ends in the creation time: look it up.
        try:
            arn = self._client.describe_stream(StreamName=name)["StreamInfo"]["StreamARN"]
            self._client.delete_stream(StreamARN=arn)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return False  # gone already (a second delivery): done
            raise
        return True


def kinesis_video_streams() -> KinesisVideoStreams:
    from rtcc.aws_clients import client

    return KinesisVideoStreams(client("kinesisvideo"))
