"""Demo live video for `rtcc dev`, through the real edge agent: no AWS account, no camera.

A short test pattern (a square moving over grey, 640x360 at 15 fps, a few seconds) is encoded
once into a temporary folder; the camera edge agent (`kvs_ingest`, the one owners install)
then loops it for the config's city cameras, remuxing the pre-encoded H.264 (no re-encode,
motion off: a few percent of a core). Each camera's agent signs with that camera's local
agent keys (rtcc.local.kvs_media.agent_credentials), so GetDataEndpoint and PutMedia go
through the same SigV4 check and camera-agent role as a deployed agent's, and the console's
live view plays them from the KVS stand-in's HLS. City cameras are watchable live at any
time (policy "always") and their streams come from the template, so nothing is registered.

Only `rtcc dev` starts it (the video capability's `demo`, run after the stack is up; the
test suite's stack never does): it stops with the stack (LocalStack.stop_hooks).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Small and cheap: a demo, not a bench (bench/video.py measures 1080p30).
SIZE, FPS, SECONDS = (640, 360), 15, 4
#: At most this many cameras stream (each is an agent with its own keys, as on site).
MAX_CAMERAS = 2


class DemoVideo:
    """Agents looping the demo pattern into the named streams until stop()."""

    def __init__(self, region: str, endpoint_url: str, cameras: dict[str, str]) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.cameras = dict(cameras)  # camera id -> stream name
        self.folder: Path | None = None
        self._agents: list[Any] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> DemoVideo:
        from kvs_ingest.testpattern import write_test_pattern

        self.folder = Path(tempfile.mkdtemp(prefix="rtcc-demo-video-"))
        # A keyframe every second, so the agent's 1 s fragments keep HLS close to live.
        pattern = write_test_pattern(
            self.folder / "pattern.mp4", SECONDS, fps=FPS, size=SIZE, burn_time=False, gop=FPS
        )
        for camera_id, stream in self.cameras.items():
            agent = _agent(self.region, self.endpoint_url, self.folder, camera_id, stream, pattern)
            thread = threading.Thread(target=_run, args=(agent,), name=f"demo-video-{camera_id}", daemon=True)
            self._agents.append(agent)
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> None:
        """Every agent stopped and joined, the folder removed. Safe to call more than once."""
        for agent in self._agents:
            agent.stop()
        for thread in self._threads:
            thread.join(30)
        self._agents.clear()
        self._threads.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)


def _agent(region: str, endpoint_url: str, folder: Path, camera_id: str, stream: str, pattern: Path) -> Any:
    """The agent as `rtcc cameras provision --local` configures it, for one camera."""
    from kvs_ingest.agent import Agent
    from kvs_ingest.config import parse_config
    from rtcc.local.kvs_media import agent_credentials

    access_key, secret_key = agent_credentials(stream)  # the thing name is the stream name
    config = parse_config(
        {
            "agent": {"region": region, "buffer_dir": str(folder / "buffer"), "endpoint_url": endpoint_url},
            "credentials": {"mode": "static", "access_key": access_key, "secret_key": secret_key},
            "cameras": [
                {
                    "camera_id": camera_id,
                    "stream_name": stream,
                    "source": str(pattern),
                    "loop": True,
                    "fragment_seconds": 1.0,
                    "motion": {"enabled": False},
                }
            ],
        },
        path="<demo video>",
    )
    return Agent(config)


def _run(agent: Any) -> None:
    try:
        agent.run()
    except Exception:  # the demo must never take `rtcc dev` down with it
        log.exception("demo video: the agent stopped")


def streamable(region: str, endpoint_url: str, candidates: list[tuple[str, str]]) -> dict[str, str]:
    """The (camera id, stream) pairs whose stream exists, asked as each camera's agent asks
    (GetDataEndpoint for PUT_MEDIA with its own keys), up to MAX_CAMERAS."""
    import boto3
    from botocore.exceptions import ClientError

    from rtcc.local.kvs_media import agent_credentials

    found: dict[str, str] = {}
    for camera_id, stream in candidates:
        access_key, secret_key = agent_credentials(stream)
        client = boto3.client(
            "kinesisvideo",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )
        try:
            client.get_data_endpoint(StreamName=stream, APIName="PUT_MEDIA")
        except ClientError as exc:
            log.warning("demo video: %s not streamed (%s)", camera_id, exc.response["Error"]["Code"])
            continue
        found[camera_id] = stream
        if len(found) == MAX_CAMERAS:
            break
    return found


def city_candidates() -> list[tuple[str, str, str]]:
    """The config's city cameras: (camera id, stream name, name)."""
    from rtcc.cameras.model import stream_name
    from rtcc.cameras.settings import cameras_settings

    return [(c.camera_id, stream_name(c.camera_id), c.name) for c in cameras_settings().city_cameras]


def start_demo_video(base_url: str) -> list[str]:
    """The video capability's demo (`rtcc dev`): the city cameras stream until the stack
    stops; the banner's lines."""
    from rtcc.local.stack import active_stack

    stack = active_stack()
    if stack is None or stack.kvs_media is None or stack.settings is None:
        return []
    region, endpoint = stack.settings.region, stack.aws_endpoint_url
    cameras = city_candidates()
    names = {camera_id: name for camera_id, _, name in cameras}
    chosen = streamable(region, endpoint, [(camera_id, stream) for camera_id, stream, _ in cameras])
    if not chosen:
        return ["video: no city camera's stream exists: no demo video"]
    demo = DemoVideo(region, endpoint, chosen).start()
    stack.stop_hooks.append(demo.stop)
    listed = ", ".join(f"{names[c]} ({c})" for c in chosen)
    return [
        f"video: live now (a looped test pattern sent by the edge agent, kvs_ingest): {listed}; "
        f"watch as an officer from the operations map (#/map) or {base_url}/#/live/{next(iter(chosen))}"
    ]
