"""The video capability's local stand-in reviewed as an attacker would use it: each test is an
attack that worked before its fix."""

from __future__ import annotations

import secrets
from typing import Any

import boto3
import pytest
import requests
from rtcc.cameras.model import stream_name

from tests.integration.video.test_video_clips import _ask, _camera, _entries
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


# --- a clip job delivered twice at once (SQS standard queues may) -------------------------------
class _Reentrant:
    """GetClip that, while the job fetches its first part, has SQS deliver the same job again."""

    def __init__(self, clip_id: str) -> None:
        from rtcc.video.clips_kvs import kvs_clip_source

        self.clip_id, self.real, self.second = clip_id, kvs_clip_source(), None

    def clip(self, stream: str, start: Any, end: Any) -> Any:
        from rtcc.video.clips_service import save_clip, utc_now

        if self.second is None:
            self.second = "running"
            self.second = save_clip(self.clip_id, self.real, "video-clip", utc_now())
        return self.real.clip(stream, start, end)


@pytest.fixture(scope="module")
def recorded(local_stack: Any) -> dict[str, Any]:
    """An integrated camera whose stream holds 4 s of video that ended just now."""
    camera_id, _ = _camera(local_stack)
    feeder = feed(local_stack, stream_name(camera_id), seconds=4, live=False).join()
    assert len(feeder.persisted()) == len(feeder.sent) >= 2, feeder.acks
    first, last = feeder.sent[0], feeder.sent[-1]
    end_ms = last.producer_ms + last.frames * 1000 // 15
    return {"camera_id": camera_id, "start_ms": first.producer_ms, "end_ms": end_ms}


def test_a_clip_job_delivered_twice_at_once_records_its_custody_once(
    local_stack: Any, recorded: dict
) -> None:
    """Both deliveries fetched, put a version of the part and wrote an `evidence.received`
    custody entry for the same evidence item, each naming its own S3 version: the chain of
    custody held two receipts of one item, one of them for a version the item does not name."""
    from datetime import UTC, datetime

    from rtcc.cameras.registry_dynamodb import get_camera
    from rtcc.local.iam.identity import acting_as
    from rtcc.video import clips
    from rtcc.video import clips_dynamodb as clip_db
    from rtcc.video.clips_service import save_clip

    now = datetime.now(UTC)
    ask = clips.validate_ask(_ask(recorded, f"VC-{secrets.token_hex(3)}"), 30, now)
    clip_id = clips.clip_id(ask)
    clip_db.create_clip(clip_id, ask, get_camera(recorded["camera_id"]), "officer", now)  # not queued
    with acting_as("video-clip"):
        source = _Reentrant(clip_id)
        assert save_clip(clip_id, source, "video-clip", now) == "saved"
    assert source.second == "busy"
    record = clip_db.get_clip(clip_id)
    ((part,),) = [record.parts]
    custody = _entries("evidence.received", part["evidence_id"])
    assert [e.detail["version_id"] for e in custody] == [part["version_id"]]
