"""Sources that cannot be read fail fast and clearly, without leaking a camera's password."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kvs_ingest.fragmenter import Fragmenter
from kvs_ingest.source import SourceSpec, SourceUnavailable, open_source, redact
from kvs_ingest.testpattern import read_burned_time
from tests.unit.kvs_ingest.media import START_MS, decode_fragment


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_rtsp_camera_is_a_fast_clear_source_unavailable() -> None:
    url = f"rtsp://admin:hunter2@127.0.0.1:{_closed_port()}/stream1"
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as err:
        list(Fragmenter(SourceSpec(url)))
    assert time.monotonic() - started < 3
    assert "cannot open rtsp://***@127.0.0.1:" in err.value.reason
    assert "refused" in err.value.reason.lower()
    assert "hunter2" not in str(err.value) and "admin" not in str(err.value)


def test_a_camera_that_accepts_but_never_answers_times_out() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # the kernel completes the handshake; nobody ever answers OPTIONS
        port = server.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match="cannot open rtsp://127.0.0.1"):
            open_source(SourceSpec(f"rtsp://127.0.0.1:{port}/x", open_timeout_s=1, read_timeout_s=1))
        assert time.monotonic() - started < 5


def test_a_missing_file_or_device_is_named(tmp_path) -> None:
    with pytest.raises(SourceUnavailable, match="no such file"):
        open_source(SourceSpec(str(tmp_path / "nope.mp4")))
    with pytest.raises(SourceUnavailable, match="cannot open device:/dev/rtcc-no-such-camera"):
        open_source(SourceSpec("device:/dev/rtcc-no-such-camera"))


def test_a_file_that_is_not_video_is_refused(tmp_path) -> None:
    junk = tmp_path / "notes.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    with pytest.raises(SourceUnavailable, match="cannot open"):
        open_source(SourceSpec(str(junk)))


def test_spec_kinds_and_redaction() -> None:
    assert SourceSpec("rtsp://cam/1").kind == "rtsp" and SourceSpec("RTSPS://cam/1").kind == "rtsp"
    assert SourceSpec("device:/dev/video0").kind == "device"
    assert SourceSpec("/srv/loop.mp4").kind == "file" and SourceSpec("/srv/loop.mp4").paced
    assert not SourceSpec("/srv/loop.mp4", realtime=False).paced and not SourceSpec("rtsp://c/1").paced
    assert redact("rtsp://u:p@cam:554/a?b=c") == "rtsp://***@cam:554/a?b=c"
    assert redact("rtsp://cam:554/a@b") == "rtsp://cam:554/a@b"


def test_a_paced_file_is_read_at_its_own_speed(media) -> None:
    source = open_source(SourceSpec(str(media["mpeg4"])))
    started = time.monotonic()
    try:
        count = sum(1 for _ in source.packets())
    finally:
        source.close()
    assert count == 60 and 3.5 <= time.monotonic() - started < 10  # 4 s of video, at its pace


class _Camera(http.server.BaseHTTPRequestHandler):
    """An HTTP camera serving an MPEG-TS stream: all of it, or hanging up half-way (`/cut`)."""

    body = b""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body if self.path == "/all" else self.body[: len(self.body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def camera(media):
    _Camera.body = media["sizes"].read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Camera)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _until_unavailable(url: str) -> tuple[list, SourceUnavailable]:
    fragments: list = []
    with pytest.raises(SourceUnavailable) as err:
        for fragment in Fragmenter(SourceSpec(url, read_timeout_s=2), fragment_seconds=1):
            fragments.append(fragment)
    return fragments, err.value


def test_a_live_source_ending_its_stream_is_unavailable_after_its_last_whole_fragment(camera) -> None:
    fragments, err = _until_unavailable(f"{camera}/all")
    assert "ended the stream" in err.reason
    assert [(f.width, f.duration_ms) for f in fragments] == [(320, 1000)] * 3 + [(480, 1000)] * 3


def test_a_camera_hanging_up_mid_stream_still_delivers_what_came_before(camera) -> None:
    fragments, err = _until_unavailable(f"{camera}/cut")
    assert err.reason == f"reading {camera}/cut failed: Input/output error"
    # two whole fragments, then the frames of the third that arrived before the hang-up (flushed, not lost)
    assert [f.frames for f in fragments[:2]] == [15, 15] and len(fragments) == 3
    assert 1 <= fragments[2].frames < 15
    assert all(f.width == 320 for f in fragments)


def test_an_rtsp_camera_is_remuxed_from_its_keyframes_with_wall_clock_stamps(media) -> None:
    url = f"rtsp://127.0.0.1:{_closed_port()}/live"
    pusher = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("rtsp_pusher.py")), str(media["h264"]), url]
    )
    spec = SourceSpec(url, options={"rtsp_flags": "listen", "listen_timeout": "10"}, read_timeout_s=3)
    fragments: list = []
    try:
        with pytest.raises(SourceUnavailable, match="ended the stream"):  # the camera's TEARDOWN
            for fragment in Fragmenter(spec):
                fragments.append(fragment)
    finally:
        pusher.kill()
        pusher.wait()
    assert len(fragments) >= 2
    starts = [read_burned_time(decode_fragment(f.data)[0]) for f in fragments]
    assert all(b - a == 2000 for a, b in zip(starts, starts[1:], strict=False))  # each at a keyframe
    assert (starts[0] - START_MS) % 2000 == 0
    stamps = [f.producer_ts_ms for f in fragments]
    assert stamps == sorted(set(stamps)) and abs(stamps[-1] / 1000 - time.time()) < 15
