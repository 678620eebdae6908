"""The HLS session adapter (rtcc.video.sessions_kvs) over fake KVS clients: the two calls and
their parameters, and each KVS error code mapped (no stream, no video in 30 s, busy)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from rtcc.errors import Unavailable
from rtcc.video.live import NoVideo, StreamMissing
from rtcc.video.sessions_kvs import KvsLiveSessions


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, operation)


class Control:
    def __init__(self, error: str | None = None) -> None:
        self.error, self.calls = error, []

    def get_data_endpoint(self, **kw: Any) -> dict:
        self.calls.append(kw)
        if self.error:
            raise _error(self.error, "GetDataEndpoint")
        return {"DataEndpoint": "https://b-1234abcd.kinesisvideo.us-east-1.amazonaws.com"}


class Media:
    def __init__(self, error: str | None = None) -> None:
        self.error, self.calls = error, []

    def get_hls_streaming_session_url(self, **kw: Any) -> dict:
        self.calls.append(kw)
        if self.error:
            raise _error(self.error, "GetHLSStreamingSessionURL")
        return {
            "HLSStreamingSessionURL": "https://b-1234abcd/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=x"
        }


def test_the_endpoint_then_a_live_session_of_it() -> None:
    control, media, endpoints = Control(), Media(), []
    sessions = KvsLiveSessions(control, lambda endpoint: endpoints.append(endpoint) or media)
    url = sessions.live_url("rtcc-cam-cam-0123456789ab", 600)
    assert url.endswith("SessionToken=x")
    assert control.calls == [
        {"StreamName": "rtcc-cam-cam-0123456789ab", "APIName": "GET_HLS_STREAMING_SESSION_URL"}
    ]
    assert endpoints == ["https://b-1234abcd.kinesisvideo.us-east-1.amazonaws.com"]
    (call,) = media.calls
    assert (call["PlaybackMode"], call["Expires"], call["StreamName"]) == (
        "LIVE",
        600,
        "rtcc-cam-cam-0123456789ab",
    )
    assert call["ContainerFormat"] == "FRAGMENTED_MP4"


@pytest.mark.parametrize(
    ("control", "media", "raised"),
    [
        ("ResourceNotFoundException", None, StreamMissing),
        (None, "ResourceNotFoundException", NoVideo),
        ("ClientLimitExceededException", None, Unavailable),
        (None, "ClientLimitExceededException", Unavailable),
        (None, "NotAuthorizedException", ClientError),
        ("AccessDeniedException", None, ClientError),
    ],
)
def test_kvs_errors(control: str | None, media: str | None, raised: type[Exception]) -> None:
    sessions = KvsLiveSessions(Control(control), lambda endpoint: Media(media))
    with pytest.raises(raised):
        sessions.live_url("rtcc-cam-x", 300)
