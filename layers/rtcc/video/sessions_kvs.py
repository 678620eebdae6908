"""Live HLS sessions from Kinesis Video Streams (rtcc.video.live.LiveSessions): GetDataEndpoint
(APIName GET_HLS_STREAMING_SESSION_URL) on the control plane, then GetHLSStreamingSessionURL on
that endpoint (kinesis-video-archived-media), PlaybackMode LIVE, Expires from the settings.

The api's grants: kinesisvideo:GetDataEndpoint and kinesisvideo:GetHLSStreamingSessionURL on
`stream/<prefix>cam-*/*` only (infra/constructs/video.py). The URL carries its own session
token: whoever holds it may play that stream until it expires, so it is given only after the
view is decided and audited, and never logged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from rtcc.errors import Unavailable
from rtcc.video.live import NoVideo, StreamMissing

HLS_API = "GET_HLS_STREAMING_SESSION_URL"


#: KVS's throttles (per stream and account): the same request may work in a moment.
_BUSY = ("ClientLimitExceededException", "LimitExceededException", "ConnectionLimitExceededException")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _busy(exc: ClientError) -> Unavailable:
    return Unavailable(
        "Kinesis Video Streams is busy for this camera; try again in a few seconds", field="camera_id"
    )


class KvsLiveSessions:
    def __init__(self, control: Any, media_client: Any) -> None:
        self._control = control  # boto3 "kinesisvideo"
        self._media_client = media_client  # endpoint URL -> boto3 "kinesis-video-archived-media"

    def live_url(self, stream_name: str, expires_s: int) -> str:
        try:
            endpoint = self._control.get_data_endpoint(StreamName=stream_name, APIName=HLS_API)[
                "DataEndpoint"
            ]
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                raise StreamMissing(stream_name) from None
            if _code(exc) in _BUSY:
                raise _busy(exc) from None
            raise
        try:
            answer = self._media_client(endpoint).get_hls_streaming_session_url(
                StreamName=stream_name,
                PlaybackMode="LIVE",
                Expires=expires_s,
                # fMP4 (MSE in every browser hls.js runs in, and Safari's native HLS).
                ContainerFormat="FRAGMENTED_MP4",
                # #EXT-X-PROGRAM-DATE-TIME on each fragment: the player shows its delay.
                DisplayFragmentTimestamp="ALWAYS",
            )
        except ClientError as exc:
            # KVS: a LIVE session of a stream with no fragment in the last 30 s is
            # ResourceNotFoundException; a stream deleted meanwhile is too (no data either way).
            if _code(exc) == "ResourceNotFoundException":
                raise NoVideo(stream_name) from None
            if _code(exc) in _BUSY:
                raise _busy(exc) from None
            raise
        return str(answer["HLSStreamingSessionURL"])


@lru_cache(maxsize=8)
def _media_client(endpoint: str, region: str) -> Any:
    """A client of one data endpoint (a stream's endpoint is stable: warm invocations reuse it)."""
    from rtcc.aws_clients import _CONFIG

    return boto3.client(
        "kinesis-video-archived-media", region_name=region, endpoint_url=endpoint, config=_CONFIG
    )


@lru_cache(maxsize=2)
def _control(endpoint_url: str | None, region: str) -> Any:
    from rtcc.aws_clients import client

    return client("kinesisvideo")


def kvs_live_sessions() -> KvsLiveSessions:
    from rtcc.settings import get_settings

    settings = get_settings()
    region = settings.region
    return KvsLiveSessions(
        _control(settings.aws_endpoint_url, region), lambda endpoint: _media_client(endpoint, region)
    )
