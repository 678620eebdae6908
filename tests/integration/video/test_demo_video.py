"""`rtcc dev`'s demo live video (rtcc.local.demo_video) against the test stack: the real edge
agent loops a test pattern into the config's city cameras' streams with each camera's local
agent keys (held to the camera-agent role), an officer's live session plays it (master and
media playlists with segments), and it stops with the stack's stop hooks, leaving no thread.
The suite's stack never starts it by itself: this test does, and stops it."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from rtcc.local.demo_video import DemoVideo, start_demo_video

from tests.integration.video.helpers import audits

pytestmark = pytest.mark.integration


def _wait(predicate, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)
    return found


def _demo_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("demo-video-", "camera-city-"))]


def test_nothing_streams_until_asked(local_stack: Any) -> None:
    assert local_stack.stop_hooks == [] and _demo_threads() == []


def test_the_demo_cameras_play_live_and_stop_with_the_stack(local_stack: Any, api: Any) -> None:
    lines = start_demo_video(local_stack.base_url)
    demo = local_stack.stop_hooks[-1].__self__  # stopped with the stack unless stopped here
    try:
        assert isinstance(demo, DemoVideo) and demo.alive()
        assert set(demo.cameras) == {"city-main-and-1st", "city-city-hall-plaza"}
        assert "City Hall Plaza (city-city-hall-plaza)" in lines[0] and "kvs_ingest" in lines[0]
        camera_id, stream = next(iter(demo.cameras.items()))
        media = local_stack.kvs_media
        _wait(lambda: len(media.fragments(stream)) >= 2, 90, "demo fragments in the stand-in")

        officer = api.as_role("officer")
        answer = _wait(
            lambda: (r := officer.post("/api/video/sessions", json={"camera_id": camera_id})).ok and r,
            60,
            "a live session (the city camera synced into the registry)",
        )
        url = answer.json()["url"]
        assert url.startswith(media.url)
        master = requests.get(url, timeout=30)
        assert master.status_code == 200 and master.text.startswith("#EXTM3U"), master.text
        playlist = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
        listing = requests.get(urljoin(url, playlist), timeout=30)
        assert listing.status_code == 200 and "#EXTINF" in listing.text, listing.text
        segment = next(line for line in listing.text.splitlines() if line and not line.startswith("#"))
        assert requests.get(urljoin(listing.url, segment), timeout=30).content
        assert audits(camera_id)[0].action == "video.viewed"
    finally:
        local_stack.stop_hooks.remove(demo.stop)
        started = time.monotonic()
        demo.stop()
    assert time.monotonic() - started < 15, "Ctrl-C must not wait long for the demo"
    assert not demo.alive() and _demo_threads() == [] and demo.folder is None
    count = len(local_stack.kvs_media.fragments(stream))
    time.sleep(2.5)
    assert len(local_stack.kvs_media.fragments(stream)) == count, "nothing is sent once stopped"
