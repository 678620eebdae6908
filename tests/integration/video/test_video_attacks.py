"""The video capability's local stand-in reviewed as an attacker would use it: each test is an
attack that worked before its fix."""

from __future__ import annotations

import secrets
from typing import Any

import boto3
import requests

from tests.support.kvs_feed import feed


def _kvs(stack: Any) -> Any:
    return boto3.client(
        "kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region
    )


def _session(stack: Any, stream: str) -> str:
    archived = boto3.client(
        "kinesis-video-archived-media", endpoint_url=stack.kvs_media.url, region_name=stack.settings.region
    )
    return archived.get_hls_streaming_session_url(StreamName=stream, PlaybackMode="LIVE", Expires=3600)[
        "HLSStreamingSessionURL"
    ]


def test_an_old_streams_session_does_not_play_the_stream_made_again_under_its_name(local_stack: Any) -> None:
    """A camera unintegrated (its stream deleted) and integrated again gets a stream of the same
    name: in KVS a new ARN, so a session URL of the old stream is dead. moto reuses the ARN; the
    stand-in played the new stream's video to whoever kept the old URL."""
    name = f"{local_stack.settings.table_prefix}cam-attack-{secrets.token_hex(5)}"
    kvs = _kvs(local_stack)
    kvs.create_stream(StreamName=name, DataRetentionInHours=24, MediaType="video/h264")
    assert len(feed(local_stack, name, seconds=2, live=False).join().persisted()) == 1
    old = _session(local_stack, name)
    assert requests.get(old, timeout=10).status_code == 200
    kvs.delete_stream(StreamARN=kvs.describe_stream(StreamName=name)["StreamInfo"]["StreamARN"])
    kvs.create_stream(StreamName=name, DataRetentionInHours=24, MediaType="video/h264")
    assert len(feed(local_stack, name, seconds=2, live=False).join().persisted()) == 1
    answer = requests.get(old, timeout=10)
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (404, "ResourceNotFoundException")
    assert requests.get(_session(local_stack, name), timeout=10).status_code == 200
