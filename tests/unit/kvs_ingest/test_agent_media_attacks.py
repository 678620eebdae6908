"""A hostile or broken camera source: timestamps racing ahead, endless picture-size changes, and a
network source leading FFmpeg to other protocols."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import pytest

from kvs_ingest.fragmenter import MAX_AHEAD_MS, Fragmenter, ProducerClock
from kvs_ingest.source import SourceSpec, SourceUnavailable, _open_args, open_source
from kvs_ingest.testpattern import pattern_frame
from tests.unit.kvs_ingest.media import FPS, SIZE, START_MS, write_two_part_ts

T0 = 1_800_000_000.0


@pytest.fixture
def served(tmp_path):
    """A local HTTP server over tmp_path/www: a network (live) source, read as fast as it is sent."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _racing(path: Path, hostile: int, step_ms: int = 4_900, legit_s: int = 4) -> Path:
    """An MKV whose first `hostile` frames step `step_ms` apart (all keyframes: just under the jump that
    would re-anchor), then `legit_s` seconds at FPS with a keyframe a second."""
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.codec_context.gop_size = FPS
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.codec_context.options = {"tune": "zerolatency", "preset": "veryfast"}
        times = [k * step_ms for k in range(hostile)]
        times += [times[-1] + 1000 + k * 1000 // FPS for k in range(legit_s * FPS)]
        for k, ms in enumerate(times):
            frame = av.VideoFrame.from_ndarray(pattern_frame(SIZE, START_MS + ms, k), format="rgb24")
            frame.pts, frame.time_base = ms, Fraction(1, 1000)
            frame.pict_type = av.video.frame.PictureType.I if k < hostile else frame.pict_type
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _read_all(fragmenter) -> list:
    fragments = []
    with pytest.raises(SourceUnavailable, match="ended the stream"):
        for fragment in fragmenter:
            fragments.append(fragment)
    return fragments


def test_a_live_source_racing_ahead_is_held_within_30_s_of_the_wall_clock(served) -> None:
    root, base = served
    _racing(root / "race.mkv", hostile=60)  # 60 frames x 4.9 s: almost 5 minutes ahead in 2 s of input
    clock = ProducerClock(wall=lambda: T0)
    fragmenter = Fragmenter(SourceSpec(f"{base}/race.mkv"), clock=clock)
    fragments = _read_all(fragmenter)
    ends = [f.producer_ts_ms + f.duration_ms for f in fragments]
    assert fragments and max(ends) <= int(T0 * 1000) + MAX_AHEAD_MS
    assert (
        fragmenter.stats["dropped_ahead"] >= 50 and clock.dropped_ahead == fragmenter.stats["dropped_ahead"]
    )
    stamps = [f.producer_ts_ms for f in fragments]
    assert stamps == sorted(set(stamps))


def test_after_a_dropped_fragment_the_clock_resumes_right_after_the_last_one_kept() -> None:
    wall = [T0]
    clock = ProducerClock(wall=lambda: wall[0])
    clock.max_ahead_ms = MAX_AHEAD_MS
    now_ms = int(T0 * 1000)
    assert clock.stamp(0) == now_ms
    clock.close(now_ms + 29_400)  # kept: 29.4 s ahead
    start = clock.stamp(29_400)
    assert clock.too_far_ahead(start + 4_900)
    clock.reject()
    wall[0] += 2
    assert clock.stamp(60_000) == now_ms + 29_400  # not 60 s ahead on the old anchor
    assert clock.at(61_000) == now_ms + 30_400  # and the source's time from there
    assert clock.dropped_ahead == 1


def test_a_restart_floor_far_in_the_future_is_not_taken() -> None:
    clock = ProducerClock(wall=lambda: T0)
    now_ms = int(T0 * 1000)
    assert not clock.start_after(now_ms + MAX_AHEAD_MS + 1)
    assert clock.stamp(0) == now_ms
    assert clock.start_after(now_ms + 5_000)
    assert clock.stamp(0) == now_ms + 5_000


def test_a_file_read_as_fast_as_it_can_is_not_held_to_the_wall_clock(tmp_path) -> None:
    path = _racing(tmp_path / "race.mkv", hostile=20)
    fragmenter = Fragmenter(SourceSpec(str(path), realtime=False), clock=ProducerClock(wall=lambda: T0))
    list(fragmenter)
    assert fragmenter.stats["dropped_ahead"] == 0


def test_health_shows_the_fragments_dropped_as_too_far_ahead(tmp_path) -> None:

    from kvs_ingest.health import camera_health
    from kvs_ingest.ringbuffer import RingBuffer

    clock = ProducerClock(wall=lambda: T0)
    clock.reject()
    status = SimpleNamespace(
        camera_id="c1", last_persisted_at=None, state="streaming", last_error=None, persisted=0,
        dropped_by_error=0, sessions=0,
    )  # fmt: skip
    pipeline = SimpleNamespace(
        uploader=SimpleNamespace(status=status), buffer=RingBuffer(tmp_path / "b"), source_state="reading",
        _clock=clock,
    )  # fmt: skip
    assert camera_health(pipeline)["dropped_ahead"] == 1


def test_endless_picture_size_changes_while_reencoding_are_dropped_as_corrupt(tmp_path) -> None:
    sizes = ((320, 240), (480, 360)) * 4  # a change every second for 8 s
    path = write_two_part_ts(tmp_path / "flip.ts", sizes, seconds_each=1)
    fragmenter = Fragmenter(
        SourceSpec(str(path), realtime=False), fragment_seconds=1, force_encode=True,
        clock=ProducerClock(wall=lambda: T0),
    )  # fmt: skip
    fragments = list(fragmenter)
    # One change is followed (a camera switching resolution); the next ones within 10 s are not: those
    # parts are dropped (to the next keyframe, which is of the size being encoded) and counted.
    assert [(f.width, f.height) for f in fragments] == [(320, 240)] + [(480, 360)] * 4
    assert fragmenter.stats["track_changes"] == 1
    assert fragmenter.stats["dropped_size_changes"] >= 3


def test_a_second_size_change_10_s_later_is_followed(tmp_path) -> None:
    path = write_two_part_ts(tmp_path / "slow.ts", ((320, 240), (480, 360), (320, 240)), seconds_each=10)
    fragmenter = Fragmenter(SourceSpec(str(path), realtime=False), fragment_seconds=2, force_encode=True)
    fragments = list(fragmenter)
    assert fragmenter.stats["track_changes"] == 2 and fragmenter.stats["dropped_size_changes"] == 0
    assert (fragments[-1].width, fragments[-1].height) == (320, 240)


def test_a_restart_does_not_continue_after_fragments_far_in_the_future(tmp_path) -> None:
    from kvs_ingest.agent import CameraPipeline
    from kvs_ingest.backoff import Backoff
    from kvs_ingest.config import parse_config
    from tests.unit.kvs_ingest.fake_kvs import FixedEndpoints

    config = parse_config(
        {
            "agent": {"region": "us-east-1", "buffer_dir": str(tmp_path / "buf")},
            "credentials": {"mode": "env"},
            "cameras": [{"camera_id": "c1", "stream_name": "rtcc-cam-c1", "source": "rtsp://cam/1"}],
        }
    )
    ahead = int(time.time() * 1000) + 24 * 60_000  # a hostile source ran 24 minutes ahead last run
    endpoints = FixedEndpoints("http://127.0.0.1:9")
    CameraPipeline(config.cameras[0], config, None, endpoints).buffer.append(ahead, 2000, b"left")
    stamped: list[int] = []

    def fragments(camera, on_motion, clock):
        stamped.append(clock.stamp(0))
        return []

    pipeline = CameraPipeline(config.cameras[0], config, None, endpoints, fragments=fragments)
    pipeline._read_source(threading.Event(), Backoff())
    assert abs(stamped[0] - time.time() * 1000) < 5_000


def _sdp(port: int) -> str:
    return (
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=video {port} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    )


def test_an_http_source_cannot_lead_ffmpeg_to_open_rtp_sockets(served) -> None:
    # Without a whitelist FFmpeg follows an SDP served over HTTP and opens RTP/UDP sockets to the
    # address and ports the server names (and the source "opens", waiting for packets).
    root, base = served
    (root / "cam.sdp").write_text(_sdp(40_000))
    with pytest.raises(SourceUnavailable, match="cannot open"):
        open_source(SourceSpec(f"{base}/cam.sdp", open_timeout_s=2, read_timeout_s=2))


def test_a_playlist_naming_a_local_file_is_refused(served, tmp_path) -> None:
    root, base = served
    secret = write_two_part_ts(tmp_path / "secret.ts", (SIZE,), seconds_each=1)
    playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n"
    (root / "local.m3u8").write_text(playlist.format(f"file://{secret}"))
    with pytest.raises(SourceUnavailable, match="cannot open"):
        open_source(SourceSpec(f"{base}/local.m3u8"))
    # The same playlist naming a segment on its own server plays.
    (root / "seg.ts").write_bytes(secret.read_bytes())
    (root / "own.m3u8").write_text(playlist.format(f"{base}/seg.ts"))
    source = open_source(SourceSpec(f"{base}/own.m3u8"))
    packets = []
    with pytest.raises(SourceUnavailable, match="ended the stream"):
        packets.extend(source.packets())  # a network source that ends has hung up
    source.close()
    assert source.codec_name == "h264" and len(packets) >= FPS - 1


@pytest.mark.parametrize(
    ("url", "whitelist"),
    [
        ("rtsp://cam/1", "rtsp,rtsps,rtp,srtp,tcp,udp,tls"),
        ("rtsps://cam/1", "rtsp,rtsps,rtp,srtp,tcp,udp,tls"),
        ("https://cam/live.m3u8", "http,https,tcp,tls"),
        ("HTTP://cam/video.mjpg", "http,https,tcp,tls"),
    ],
)
def test_network_sources_get_a_protocol_whitelist_options_cannot_widen(url, whitelist) -> None:
    spec = SourceSpec(url, options={"protocol_whitelist": "file,http,rtp,udp,tcp,data"})
    _, kwargs = _open_args(spec)
    assert kwargs["options"]["protocol_whitelist"] == whitelist
