"""Clips to a case in the synthesized template (infra/constructs/video_clips.py): video-clip
reads clips of cameras' streams only (GetDataEndpoint, GetClip on stream/<prefix>cam-*/*),
writes objects under clips/ only, and its queue waits out its 15 minutes."""

from __future__ import annotations

import json

import pytest

from tests.infra.iam_policy import as_list, role_statements

pytestmark = pytest.mark.infra

STREAM = "arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:stream/"


def _joined(value: object) -> str:
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(p if isinstance(p, str) else f"<{p.get('Ref', json.dumps(p))}>" for p in parts)
    return str(value)


def _with(synth, name: str, word: str) -> list[dict]:
    return [s for s in role_statements(synth, name) if any(word in a for a in as_list(s["Action"]))]


def test_video_clip_reads_clips_of_cameras_streams_only(synth):
    (statement,) = _with(synth, "video-clip", "kinesisvideo")
    assert statement["Effect"] == "Allow"
    assert sorted(as_list(statement["Action"])) == ["kinesisvideo:GetClip", "kinesisvideo:GetDataEndpoint"]
    prefix = synth.config.resource_prefix
    assert [_joined(r) for r in as_list(statement["Resource"])] == [f"{STREAM}{prefix}cam-*/*"]


def test_video_clip_writes_under_clips_only_and_nothing_else_of_s3(synth):
    statements = _with(synth, "video-clip", "s3:")
    assert [sorted(as_list(s["Action"])) for s in statements] == [["s3:PutObject"]]
    (resource,) = as_list(statements[0]["Resource"])
    assert _joined(resource).endswith("/clips/*")


def test_the_clips_queue_outlasts_the_function(synth):
    from rtcc.topology import TOPOLOGY

    spec = TOPOLOGY.function("video-clip")
    (queue,) = [q for q in TOPOLOGY.queues if q.name == "video-clips"]
    assert queue.consumer == "video-clip" and queue.batch_size == 1
    assert queue.visibility_timeout_s >= spec.timeout_s
    # the api queues jobs; nothing but video-clip may read a stream's media
    readers = [n for n in synth.stack.api.functions if _with(synth, n, "kinesisvideo:GetClip")]
    assert readers == ["video-clip"]
