"""The live part of bench/video.py (issue 13): glass-to-glass latency and a 60 s outage, through
the local stack's KVS stand-in. bench/video.py calls `run()`; this file has no __main__ of its
own (make bench runs every bench/*.py, and this one through video.py only).

One agent (kvs_ingest.Agent, the real Fragmenter and PutMedia, the camera agent's local
credentials) streams a 640x360 15 fps test pattern whose frames carry their capture time
(kvs_ingest.testpattern: a row of blocks encoding epoch ms); the file is read at its own
pace from the moment its first frame's burned time comes, so a frame's burned time is when
a camera would have captured it (the agent opening the file late only makes latency look
worse). Default agent settings: 2 s fragments, keyframe every second.

1. Glass to glass: an HLS LIVE session (GetDataEndpoint + GetHLSStreamingSessionURL, as the
   api asks for the console), its media playlist polled every 250 ms; each new segment is
   fetched (init + media), decoded with PyAV, and its FIRST frame's burned time read back:
   latency = when the segment could first be fetched - that frame's capture time, i.e. the
   oldest picture a player starting at the live edge shows. The player's own buffer (hls.js
   in the console starts 2 segments behind the edge) is NOT included: reported beside it as an estimate.
   Target: p95 <= 6 s.
2. Outage: after BENCH_VIDEO_LIVE_WARMUP_S the stand-in is stopped (connections dropped, port
   closed) for BENCH_VIDEO_OUTAGE_S (60) and started again; when the file is over and the agent
   has drained its buffer, every fragment timecode produced is looked up in the stand-in's
   store. Target: 0 lost (and none stored twice).
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

OUTAGE_S = float(os.environ.get("BENCH_VIDEO_OUTAGE_S", "60"))
WARMUP_S = float(os.environ.get("BENCH_VIDEO_LIVE_WARMUP_S", "30"))
AFTER_S = 20.0  # streamed after the outage, before the file ends
TARGET_LATENCY_S = 6.0
TARGET_LOST = 0
HLS_JS_LIVE_SEGMENTS = 2  # the console's hls.js liveSyncDurationCount (web/public/assets/video/player.js)


def _agent(stack, work: Path, pattern: Path, produced: list[int]):
    from rtcc.local.kvs_media import agent_credentials

    from kvs_ingest.agent import Agent, default_fragments
    from kvs_ingest.config import parse_config

    stream = f"{stack.settings.table_prefix}cam-bench-{secrets.token_hex(4)}"
    _kvs(stack).create_stream(StreamName=stream, DataRetentionInHours=24, MediaType="video/h264")
    access_key, secret_key = agent_credentials(stream)
    config = parse_config(
        {
            "agent": {"region": stack.settings.region, "buffer_dir": str(work / "buffer"),
                      "endpoint_url": stack.aws_endpoint_url},
            "credentials": {"mode": "static", "access_key": access_key, "secret_key": secret_key},
            "cameras": [{"camera_id": "bench", "stream_name": stream, "source": str(pattern)}],
        }
    )  # fmt: skip

    class Recorded:
        def __init__(self, inner) -> None:
            self.inner = inner

        def __iter__(self):
            for fragment in self.inner:
                produced.append(fragment.producer_ts_ms)
                yield fragment

        def stop(self) -> None:
            self.inner.stop()

    return Agent(config, fragments=lambda c, m, k: Recorded(default_fragments(c, m, k))), stream


def _kvs(stack):
    import boto3

    return boto3.client(
        "kinesisvideo", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region
    )


def _hls_url(stack, stream: str) -> str:
    import boto3

    endpoint = _kvs(stack).get_data_endpoint(StreamName=stream, APIName="GET_HLS_STREAMING_SESSION_URL")
    archived = boto3.client(
        "kinesis-video-archived-media",
        endpoint_url=endpoint["DataEndpoint"],
        region_name=stack.settings.region,
    )
    answer = archived.get_hls_streaming_session_url(
        StreamName=stream, PlaybackMode="LIVE", ContainerFormat="FRAGMENTED_MP4", Expires=300
    )
    return answer["HLSStreamingSessionURL"]


def _segments(text: str, base: str) -> tuple[str | None, list[str]]:
    init, media = None, []
    for line in text.splitlines():
        if line.startswith("#EXT-X-MAP:URI="):
            init = urljoin(base, line.split("URI=", 1)[1].strip('"'))
        elif line and not line.startswith("#"):
            media.append(urljoin(base, line))
    return init, media


def _first_frame_ms(init: bytes, media: bytes) -> int:
    import av

    from kvs_ingest.testpattern import read_burned_time

    with av.open(io.BytesIO(init + media)) as container:
        for frame in container.decode(video=0):
            return read_burned_time(frame.to_ndarray(format="rgb24"))
    raise ValueError("no frame in the segment")


def _watch(url: str, until: float, latencies: list[float], errors: list[str]) -> None:
    """Polls the live media playlist; one latency per new segment (see the module docstring)."""
    import requests

    session = requests.Session()
    master = session.get(url, timeout=10)
    master.raise_for_status()
    media_url = _segments(master.text, url)[1][0]
    inits: dict[str, bytes] = {}
    # Segments already listed when watching starts became available earlier: not measured.
    seen = set(_segments(session.get(media_url, timeout=10).text, media_url)[1])
    while time.time() < until:
        try:
            playlist = session.get(media_url, timeout=10)
            init_url, segments = _segments(playlist.text, media_url)
            for segment in segments:
                if segment in seen:
                    continue
                seen.add(segment)
                body = session.get(segment, timeout=10).content
                if init_url not in inits:
                    inits[init_url] = session.get(init_url, timeout=10).content
                fetched_ms = time.time() * 1000
                latencies.append((fetched_ms - _first_frame_ms(inits[init_url], body)) / 1000)
        except Exception as exc:  # noqa: BLE001 - a bench keeps measuring and reports what failed
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        time.sleep(0.25)


def _pattern(work: Path, seconds: float, start_ms: int) -> Path:
    from kvs_ingest.testpattern import write_test_pattern

    return write_test_pattern(work / "live.mp4", seconds, fps=15, size=(640, 360), start_ms=start_ms, gop=15)


def _outage(stack, agent, stream: str) -> dict:
    media = stack.kvs_media
    media.stop()
    stopped = time.monotonic()
    time.sleep(OUTAGE_S)
    pending_at_restart = len(agent.pipelines[0].buffer.pending())
    media.start()
    restarted = time.monotonic()
    pipeline = agent.pipelines[0]
    while pipeline.buffer.pending() and time.monotonic() - restarted < 180:
        time.sleep(0.2)
    return {
        "outage_s": round(restarted - stopped, 1),
        "fragments_waiting_at_restart": pending_at_restart,
        "caught_up_after_restart_s": round(time.monotonic() - restarted, 1),
    }


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def measure(stack) -> dict:
    """Streams, watches, breaks and mends; the numbers (see the module docstring)."""
    work = Path(tempfile.mkdtemp(prefix="rtcc-bench-live-"))
    seconds = WARMUP_S + OUTAGE_S + AFTER_S
    start_ms = int(time.time() * 1000) + 15_000  # time to encode the file first
    pattern = _pattern(work, seconds, start_ms)
    produced: list[int] = []
    agent, stream = _agent(stack, work, pattern, produced)
    time.sleep(max(0.0, start_ms / 1000 - time.time()))
    runner = threading.Thread(target=agent.run, kwargs={"drain": True}, daemon=True)
    runner.start()
    latencies: list[float] = []
    errors: list[str] = []
    time.sleep(6)  # the first fragments reach the store
    _watch(_hls_url(stack, stream), start_ms / 1000 + WARMUP_S - 2, latencies, errors)
    outage = _outage(stack, agent, stream)
    runner.join(seconds + 240)
    agent.stop()
    stored = [f.producer_ts_ms for f in stack.kvs_media.fragments(stream)]
    p95 = _percentile(latencies, 0.95)
    # The console's hls.js plays 2 target durations (2 s fragments) behind the playlist's end,
    # which is one fragment after the first frame measured: (2 - 1) fragments more.
    with_player = None if p95 is None else round(p95 + (HLS_JS_LIVE_SEGMENTS - 1) * 2, 1)
    return {
        "stream_seconds": seconds,
        "latency_s": {"segments": len(latencies), "p50": _percentile(latencies, 0.5), "p95": p95,
                      "max": _percentile(latencies, 1.0), "errors": errors[:5]},
        "latency_with_hls_js_buffer_estimate_s": with_player,
        "outage": {**outage, "fragments_produced": len(produced),
                   "fragments_lost": len(set(produced) - set(stored)),
                   "fragments_stored_twice": len(stored) - len(set(stored)),
                   "dropped_by_buffer_window": agent.pipelines[0].buffer.dropped},
    }  # fmt: skip


def run() -> tuple[dict, str, bool]:
    """(data, one-line summary, targets met) with a local stack of its own."""
    from rtcc.local import LocalStack

    stack = LocalStack(http_port=0, aws_port=0, seed=False).start()
    try:
        data = measure(stack)
    finally:
        stack.stop()
    latency, outage = data["latency_s"], data["outage"]
    ok = latency["p95"] is not None and latency["p95"] <= TARGET_LATENCY_S
    ok &= outage["fragments_lost"] <= TARGET_LOST and outage["fragments_stored_twice"] == 0
    summary = (
        f"live (local stand-in): glass-to-glass p50 {latency['p50']} s, p95 {latency['p95']} s over "
        f"{latency['segments']} segments (target p95 <= {TARGET_LATENCY_S:g} s; + hls.js buffer ~"
        f"{data['latency_with_hls_js_buffer_estimate_s']} s); {outage['outage_s']:g} s outage: "
        f"{outage['fragments_lost']} of {outage['fragments_produced']} fragments lost "
        f"(target {TARGET_LOST}), {outage['fragments_stored_twice']} stored twice, "
        f"caught up {outage['caught_up_after_restart_s']} s after the restart"
    )
    data["targets"] = {"latency_p95_s_max": TARGET_LATENCY_S, "fragments_lost_max": TARGET_LOST}
    data["met"] = ok
    return data, summary, ok
