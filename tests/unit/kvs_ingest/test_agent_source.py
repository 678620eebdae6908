"""Sources that cannot be read fail fast and clearly, without leaking a camera's password."""

from __future__ import annotations

import socket
import time

import pytest

from kvs_ingest.fragmenter import Fragmenter
from kvs_ingest.source import SourceSpec, SourceUnavailable, open_source, redact


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
    assert count == 60 and 3.5 <= time.monotonic() - started < 6  # 4 s of video
