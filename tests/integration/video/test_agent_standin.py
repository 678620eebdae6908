"""The edge agent (kvs_ingest) end to end against the local KVS stand-in: a test pattern file
read by the real Fragmenter, buffered on disk, sent by PutMedia signed with the camera
agent's local credentials (the enforcer holds them to the camera-agent role), stored.
The stand-in is stopped mid-stream and started again: every fragment timecode the agent
produced is stored exactly once."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import boto3
import pytest
from rtcc.local.kvs_media import agent_credentials

from kvs_ingest.agent import Agent, default_fragments
from kvs_ingest.config import parse_config
from kvs_ingest.testpattern import write_test_pattern

pytestmark = pytest.mark.integration


class _Recorded:
    """The Fragmenter, noting each fragment's producer timestamp as it is produced."""

    def __init__(self, inner: Any, produced: list[int]) -> None:
        self.inner, self.produced = inner, produced

    def __iter__(self):
        for fragment in self.inner:
            self.produced.append(fragment.producer_ts_ms)
            yield fragment

    def stop(self) -> None:
        self.inner.stop()


def _stream(stack: Any) -> str:
    name = f"{stack.settings.table_prefix}cam-agent-{secrets.token_hex(5)}"
    client = boto3.client(
        "kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region
    )
    client.create_stream(StreamName=name, DataRetentionInHours=24, MediaType="video/h264")
    return name


def make_agent(stack: Any, tmp_path, seconds: float, produced: list[int], fragment_seconds: float = 1.0):
    """An agent for one new stream streaming a fresh test pattern once; (agent, stream name)."""
    stream = _stream(stack)
    pattern = write_test_pattern(tmp_path / "pattern.mp4", seconds, fps=15, size=(320, 240), gop=15)
    access_key, secret_key = agent_credentials(stream)
    config = parse_config(
        {
            "agent": {
                "region": stack.settings.region,
                "buffer_dir": str(tmp_path / "buffer"),
                "endpoint_url": stack.aws_endpoint_url,
            },
            "credentials": {"mode": "static", "access_key": access_key, "secret_key": secret_key},
            "cameras": [
                {
                    "camera_id": stream.removeprefix(f"{stack.settings.table_prefix}cam-"),
                    "stream_name": stream,
                    "source": str(pattern),
                    "fragment_seconds": fragment_seconds,
                }
            ],
        }
    )

    def fragments(camera, on_motion, clock):
        return _Recorded(default_fragments(camera, on_motion, clock), produced)

    agent = Agent(config, fragments=fragments)
    # Quick reconnects: the test's outage is seconds, not the deployed backoff's minutes.
    agent.pipelines[0].uploader.backoff.cap = 2.0
    return agent, stream


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_agent_streams_and_an_outage_of_the_service_loses_nothing(local_stack: Any, tmp_path) -> None:
    media = local_stack.kvs_media
    produced: list[int] = []
    agent, stream = make_agent(local_stack, tmp_path, seconds=16, produced=produced)
    runner = threading.Thread(target=agent.run, kwargs={"drain": True}, daemon=True)
    runner.start()
    try:
        _wait(lambda: len(media.fragments(stream)) >= 3, 60, "3 fragments stored")
        media.stop()
        try:
            pipeline = agent.pipelines[0]
            _wait(lambda: len(pipeline.buffer.pending()) >= 3, 30, "fragments waiting in the buffer")
            time.sleep(2)
            assert pipeline.uploader.status.state == "retrying"
        finally:
            media.start()
        runner.join(120)
        assert not runner.is_alive(), "the agent did not finish sending its buffer"
    finally:
        agent.stop()
    stored = [f.producer_ts_ms for f in media.fragments(stream)]
    assert len(produced) >= 14  # 16 s of 1 s fragments
    assert sorted(stored) == sorted(produced), "every fragment produced is stored"
    assert len(stored) == len(set(stored)), "and none twice"
    pipeline = agent.pipelines[0]
    assert len(pipeline.buffer) == 0 and pipeline.buffer.dropped == 0
    assert pipeline.uploader.status.sessions >= 2 and pipeline.uploader.status.persisted == len(produced)
