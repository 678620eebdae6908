"""The agent: several cameras per process, each a producer thread and an upload task.

Per camera: a thread iterates the Fragmenter (PyAV reading the camera; blocking) and writes
each fragment to the camera's on-disk ring buffer; an asyncio task (all cameras share one
event loop in the main thread) streams the buffer to KVS with PutMedia. The two only meet at
the buffer, so a slow network never stalls the camera reader and a camera hiccup never drops
the connection. A source that fails is reopened with backoff (its ProducerClock kept, so
timestamps keep increasing); a file that ends without `loop` ends that camera's producer,
and the agent returns once every producer ended and every buffer is sent (`run(drain=True)`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

from kvs_ingest.backoff import Backoff
from kvs_ingest.config import AgentConfig, CameraSection
from kvs_ingest.credentials import make_provider
from kvs_ingest.health import HealthServer
from kvs_ingest.logsafe import scrub
from kvs_ingest.motion_client import MotionClient
from kvs_ingest.putmedia import DataEndpoints
from kvs_ingest.ringbuffer import BufferDirError, RingBuffer
from kvs_ingest.uploader import Uploader

log = logging.getLogger("kvs_ingest.agent")


def default_fragments(camera: CameraSection, on_motion, clock):
    """Lane A's Fragmenter for this camera (imported here: PyAV/OpenCV load only when run)."""
    from kvs_ingest.fragmenter import Fragmenter, MotionSettings
    from kvs_ingest.source import SourceSpec

    motion = camera.motion
    return Fragmenter(
        SourceSpec(camera.source, loop=camera.loop),
        on_motion=on_motion if motion.enabled else None,
        fragment_seconds=camera.fragment_seconds,
        motion=MotionSettings(
            enabled=motion.enabled, sample_fps=motion.sample_fps, threshold=motion.threshold
        ),
        privacy_masks=[[tuple(p) for p in polygon] for polygon in motion.privacy_masks],
        clock=clock,
    )


def buffer_path(buffer_dir: Path, stream_name: str) -> Path:
    """The camera's own folder under buffer_dir. "." and ".." are valid KVS stream names, but as a
    folder they are buffer_dir itself or its parent (which the buffer would chmod and sweep)."""
    if stream_name in (".", ".."):
        raise BufferDirError(f"stream_name {stream_name!r} cannot name a camera's buffer folder")
    return Path(buffer_dir) / stream_name


class CameraPipeline:
    def __init__(
        self, camera: CameraSection, config: AgentConfig, provider, endpoints, fragments=None
    ) -> None:
        self.camera = camera
        self.buffer = RingBuffer(
            buffer_path(config.agent.buffer_dir, camera.stream_name),
            config.agent.buffer_minutes,
            config.agent.buffer_max_mb * 1024 * 1024,
        )
        self.uploader = Uploader(
            camera.camera_id,
            camera.stream_name,
            self.buffer,
            provider,
            endpoints,
            config.agent.region,
            rotate_s=config.agent.rotate_minutes * 60,
        )
        self.motion = None
        if camera.motion.enabled:
            token = camera.motion_token.get_secret_value()
            self.motion = MotionClient(config.agent.api_url, camera.camera_id, token)
        self.fragments = fragments or default_fragments
        self.source_state = "starting"
        self.produced = 0
        #: When the source last gave a fragment (start-up counts: the health page's grace period).
        self.last_produced_at = time.time()
        self.finished = threading.Event()
        self._fragmenter = None
        self._clock = None

    def produce(self, stop: threading.Event) -> None:
        """The producer thread: camera -> fragments -> disk, reopening a failed source."""
        backoff = Backoff(base=1.0, cap=30.0)
        try:
            while not stop.is_set():
                ended = self._read_source(stop, backoff)
                if ended:
                    self.source_state = "ended"
                    return
                stop.wait(backoff.next_delay())
        finally:
            self.finished.set()

    def _read_source(self, stop: threading.Event, backoff: Backoff) -> bool:
        """True when the source ended for good (a file without loop)."""
        from kvs_ingest.fragmenter import ProducerClock
        from kvs_ingest.source import SourceUnavailable

        if self._clock is None:
            self._clock = ProducerClock()
            # Fragments a previous run left unsent come first: new ones start after them even when
            # the wall clock is now behind (stepped back, a box booted without an RTC). Older
            # stamps would reach the uploader after a newer one was sent on the same connection,
            # wait behind it until the connection rotates, and be refused by KVS as 4004.
            # Unless that end lies more than 30 s past the wall clock (start_after): a floor a hostile
            # source pushed ahead would carry its offset across restarts.
            end = self.buffer.newest_end_ms()
            if end is not None:
                self._clock.start_after(end)
        on_motion = self.motion.post if self.motion else None
        try:
            self._fragmenter = self.fragments(self.camera, on_motion, self._clock)
            self.source_state = "reading"
            for fragment in self._fragmenter:
                self.buffer.append_fragment(fragment)
                self.produced += 1
                self.last_produced_at = time.time()
                backoff.reset()
                if stop.is_set():
                    self._fragmenter.stop()
        except SourceUnavailable as exc:
            # Shown on /healthz: a password in the URL's query (?pwd=…) is masked too.
            self.source_state = scrub(f"unavailable: {exc}")
            log.warning("camera %s: source unavailable: %s; reopening", self.camera.camera_id, exc)
            return False
        except Exception as exc:  # a bug or a decoder surprise must not end the camera for good
            self.source_state = f"failed: {type(exc).__name__}"
            log.exception("camera %s: reading the source failed; reopening", self.camera.camera_id)
            return False
        is_file = "://" not in self.camera.source and not self.camera.source.startswith("device:")
        return is_file and not self.camera.loop

    def stop_source(self) -> None:
        if self._fragmenter is not None:
            self._fragmenter.stop()


class Agent:
    def __init__(self, config: AgentConfig, provider=None, endpoints=None, fragments=None) -> None:
        self.config = config
        self.provider = provider or make_provider(config.credentials)
        self.endpoints = endpoints or DataEndpoints(
            config.agent.region, self.provider, config.agent.endpoint_url, config.agent.rotate_minutes * 60
        )
        self.pipelines = [
            CameraPipeline(camera, config, self.provider, self.endpoints, fragments)
            for camera in config.cameras
        ]
        self.stop_event = threading.Event()
        self.health: HealthServer | None = None

    def stop(self) -> None:
        self.stop_event.set()
        for pipeline in self.pipelines:
            pipeline.stop_source()

    def drained(self) -> bool:
        return all(p.finished.is_set() and not p.buffer.pending() for p in self.pipelines)

    def run(self, drain: bool = False) -> None:
        """Streams until stop() (or, with drain, until every source ended and all is sent)."""
        if self.config.agent.health_port is not None:
            self.health = HealthServer(
                self.pipelines, self.config.agent.health_host, self.config.agent.health_port
            )
            self.health.start()
        threads = [
            threading.Thread(
                target=p.produce, args=(self.stop_event,), name=f"camera-{p.camera.camera_id}", daemon=True
            )
            for p in self.pipelines
        ]
        for thread in threads:
            thread.start()
        try:
            asyncio.run(self._upload(drain))
        finally:
            self.stop()
            for thread in threads:
                thread.join(10)
            for pipeline in self.pipelines:
                if pipeline.motion:
                    pipeline.motion.close()
            if self.health:
                self.health.stop()

    async def _upload(self, drain: bool) -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(_supervise(p.uploader, stop)) for p in self.pipelines]
        while not self.stop_event.is_set() and not (drain and self.drained()):
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _supervise(uploader: Uploader, stop: asyncio.Event) -> None:
    """An uploader that crashes (a bug, not a network error: those it handles) is restarted."""
    while not stop.is_set():
        try:
            await uploader.run(stop)
        except Exception:
            log.exception("camera %s: uploader failed; restarting in 5 s", uploader.status.camera_id)
            uploader.status.state = "restarting"
            try:
                await asyncio.wait_for(stop.wait(), 5)
            except TimeoutError:
                pass
