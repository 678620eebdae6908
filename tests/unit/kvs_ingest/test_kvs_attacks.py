"""The edge agent reviewed as an attacker would: what a hostile endpoint, a hostile camera or
another local user could make it leak, hammer or fill (the ring buffer's part is in
test_kvs_ringbuffer.py)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from kvs_ingest.credentials import StaticProvider
from kvs_ingest.motion_client import MotionClient
from tests.unit.kvs_ingest.fake_kvs import FakeKvs, FixedEndpoints, Plan, run_isolated
from tests.unit.kvs_ingest.test_kvs_uploader import START, _buffer, _run, _uploader


def _server(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_the_motion_token_never_follows_a_redirect_to_another_host():
    stolen: list = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            stolen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    thief = _server(Elsewhere)

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{thief.server_address[1]}/collect")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    api = _server(Redirecting)
    client = MotionClient(f"http://127.0.0.1:{api.server_address[1]}", "cam-1", "tok-secret-motion")
    try:
        client.post(SimpleNamespace(at=datetime.now(UTC), score=0.5))
        assert _until(lambda: client.failed + client.sent >= 1)
        time.sleep(0.2)
        assert stolen == [] and client.failed == 1 and client.sent == 0
    finally:
        client.close()
        api.shutdown()
        thief.shutdown()


# A service (or a proxy, or a stand-in) answering "rotate" or "wrong endpoint" to every
# connection must not turn the uploader into a tight loop of GetDataEndpoint and PutMedia calls.


@pytest.mark.parametrize(
    "plan",
    [Plan(error_ack={START: 4003}, close_on_error=True), Plan(http_error=(400, "InvalidEndpointException"))],
    ids=["4003-every-time", "InvalidEndpoint-every-time"],
)
def test_rotation_at_once_happens_once_then_backs_off_until_something_persists(tmp_path, plan):
    kvs = FakeKvs()
    try:
        buffer = _buffer(tmp_path, 1)
        kvs.plans = [plan]  # the last plan repeats: every connection gets it
        sleeps: list[float] = []
        endpoints = FixedEndpoints(kvs.url)
        uploader = _uploader(buffer, endpoints)
        _run(uploader, lambda: len(kvs.requests) >= 6, sleeps=sleeps)
        # Only the first reconnection is immediate: each later one waited its backoff.
        assert len(kvs.requests) >= 6 and len(sleeps) >= len(kvs.requests) - 2
        assert uploader.status.last_error and len(buffer) == 1
    finally:
        kvs.close()


def test_after_a_persisted_fragment_a_rotation_is_immediate_again(tmp_path):
    kvs = FakeKvs()
    try:
        buffer = _buffer(tmp_path, 3)
        kvs.plans = [
            Plan(error_ack={START: 4003}, close_on_error=True),
            Plan(error_ack={START + 2000: 4003}, close_on_error=True),
            Plan(),
        ]
        sleeps: list[float] = []
        _run(_uploader(buffer, FixedEndpoints(kvs.url)), lambda: len(buffer) == 0, sleeps=sleeps)
        assert sleeps == [] and sorted(set(kvs.stored)) == [START, START + 2000, START + 4000]
    finally:
        kvs.close()


def test_health_closes_a_connection_that_sends_nothing_and_shows_the_byte_bound(tmp_path):
    import json
    import socket
    import urllib.request

    from kvs_ingest.health import HealthServer
    from kvs_ingest.ringbuffer import RingBuffer
    from kvs_ingest.uploader import CameraStatus

    buffer = RingBuffer(tmp_path / "cam", max_bytes=100)
    buffer.append(START, 2000, bytes(40))
    buffer.append(START + 2000, 2000, bytes(101))  # refused: over the bound
    pipeline = SimpleNamespace(
        buffer=buffer, uploader=SimpleNamespace(status=CameraStatus("cam-1")), source_state="reading"
    )
    server = HealthServer([pipeline], request_timeout=0.3).start()
    try:
        idle = socket.create_connection(("127.0.0.1", server.port))
        idle.settimeout(5)
        started = time.monotonic()
        assert idle.recv(1) == b""  # closed by the server, not left holding a thread
        assert time.monotonic() - started < 3
        idle.close()
        try:
            body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz"))
        except urllib.error.HTTPError as refused:  # 503: a fragment waits
            body = json.load(refused)
        camera = body["cameras"][0]
        assert (camera["buffered_bytes"], camera["dropped_oversize"]) == (40, 1)
    finally:
        server.stop()


UNIT = Path(__file__).resolve().parents[3] / "kvs_ingest" / "rtcc-ingest.service"


def _directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_systemd_unit_confines_a_process_that_parses_hostile_video():
    unit = _directives(UNIT.read_text())
    expected = {
        "User": "rtcc-ingest",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "ReadWritePaths": "/var/lib/rtcc-ingest",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
        "ProtectKernelLogs": "yes",
        "ProtectClock": "yes",
        "ProtectProc": "invisible",
        "SystemCallArchitectures": "native",
        "DevicePolicy": "closed",
        "UMask": "0077",
    }
    for key, value in expected.items():
        assert unit.get(key) == [value], key
    assert "@system-service" in unit["SystemCallFilter"]
    assert unit["DeviceAllow"] == ["char-video4linux rw"]
    assert unit["MemoryMax"] and unit["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]


def test_systemd_rates_the_unit_well_confined(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "rtcc-ingest.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/rtcc-ingest", "/bin/true"))
    done = subprocess.run(
        [analyze, "security", "--offline=true", str(unit)], capture_output=True, text=True, timeout=60
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    if match is None:
        pytest.skip(f"systemd-analyze security --offline is not supported here: {done.stderr[:200]}")
    assert float(match.group(1)) <= 2.5, done.stdout


def _agent_toml(tmp_path, mode: int, key_mode: int) -> Path:
    for name in ("cert.pem", "key.pem", "ca.pem", "x.mp4"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "key.pem").chmod(key_mode)
    path = tmp_path / "agent.toml"
    path.write_text(
        f'[agent]\nregion = "us-east-1"\nbuffer_dir = "{tmp_path / "buf"}"\napi_url = "https://rtcc.example"\n'
        '[credentials]\nmode = "iot"\nendpoint = "c.credentials.iot.us-east-1.amazonaws.com"\n'
        f'role_alias = "a"\nthing_name = "rtcc-cam-c1"\ncert = "{tmp_path / "cert.pem"}"\n'
        f'key = "{tmp_path / "key.pem"}"\nca = "{tmp_path / "ca.pem"}"\n'
        f'[[cameras]]\ncamera_id = "c1"\nstream_name = "rtcc-cam-c1"\nsource = "{tmp_path / "x.mp4"}"\n'
        'motion_token = "tok-s3cr3t"\n[cameras.motion]\nenabled = true\n'
    )
    path.chmod(mode)
    return path


def test_check_config_warns_when_other_users_can_read_the_key_or_the_tokens(tmp_path, capsys):
    from kvs_ingest.cli import main

    assert main(["check-config", "--config", str(_agent_toml(tmp_path, 0o644, 0o640))]) == 0
    err = capsys.readouterr().err
    assert "credentials.key" in err and "agent.toml holds keys or motion tokens" in err
    assert err.count("chmod 600") == 2 and "tok-s3cr3t" not in err
    assert main(["check-config", "--config", str(_agent_toml(tmp_path, 0o600, 0o600))]) == 0
    assert "warning" not in capsys.readouterr().err


def test_run_refuses_a_buffer_directory_planted_as_a_link_with_exit_2(tmp_path, capsys):
    from kvs_ingest.cli import main

    path = _agent_toml(tmp_path, 0o600, 0o600)
    (tmp_path / "buf").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "buf" / "rtcc-cam-c1").symlink_to(tmp_path / "elsewhere")
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "agent.buffer_dir" in err and "symbolic link" in err
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_plain_http_is_refused_beyond_the_local_stack(tmp_path, capsys):
    from kvs_ingest.cli import main

    path = _agent_toml(tmp_path, 0o600, 0o600)
    text = path.read_text()
    path.write_text(
        text.replace("https://rtcc.example", "http://rtcc.example").replace(
            "[credentials]", 'endpoint_url = "http://10.0.0.5:4566"\n[credentials]'
        )
    )
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "agent.api_url: must be https://" in err and "agent.endpoint_url: must be https://" in err
    path.write_text(
        text.replace("https://rtcc.example", "http://127.0.0.1:8080").replace(
            "[credentials]", 'endpoint_url = "http://localhost:4566"\n[credentials]'
        )
    )
    assert main(["check-config", "--config", str(path)]) == 0


@pytest.mark.parametrize("stream_name", [".", ".."])
def test_a_stream_name_of_dots_cannot_turn_the_buffer_onto_its_parent(tmp_path, stream_name):
    from kvs_ingest.agent import CameraPipeline
    from kvs_ingest.config import ConfigError, parse_config
    from kvs_ingest.ringbuffer import BufferDirError

    (tmp_path / "buf").mkdir()
    tmp_path.chmod(0o755)
    data = {
        "agent": {"region": "us-east-1", "buffer_dir": str(tmp_path / "buf")},
        "credentials": {"mode": "env"},
        "cameras": [{"camera_id": "c1", "stream_name": stream_name, "source": "rtsp://cam/1"}],
    }
    with pytest.raises(ConfigError, match=r"cameras\[0\]\.stream_name: must not be '\.' or '\.\.'"):
        parse_config(data)
    data["cameras"][0]["stream_name"] = "rtcc-cam-c1"
    config = parse_config(data)
    camera = config.cameras[0].model_copy(update={"stream_name": stream_name})  # past the config check
    with pytest.raises(BufferDirError, match="stream_name"):
        CameraPipeline(camera, config, None, FixedEndpoints("http://127.0.0.1:9"))
    assert tmp_path.stat().st_mode & 0o777 == 0o755  # not chmodded 0700 as a camera's folder


@pytest.mark.parametrize(
    ("field", "value"),
    [("thing_name", "rtcc-cam-c1\r\nx-evil: 1"), ("role_alias", "alias/../../other")],
)
def test_iot_names_that_could_not_be_aws_names_are_refused(field, value):
    from kvs_ingest.config import ConfigError, parse_config

    credentials = {
        "mode": "iot",
        "endpoint": "c.credentials.iot.us-east-1.amazonaws.com",
        "role_alias": "rtcc-camera-agent",
        "thing_name": "rtcc-cam-c1",
        "cert": "/c",
        "key": "/k",
        "ca": "/a",
    }
    data = {
        "agent": {"region": "us-east-1", "buffer_dir": "/var/lib/rtcc-ingest/buffer"},
        "credentials": credentials | {field: value},
        "cameras": [{"camera_id": "c1", "stream_name": "rtcc-cam-c1", "source": "rtsp://cam/1"}],
    }
    with pytest.raises(ConfigError, match=f"credentials.{field}"):
        parse_config(data)


def test_the_byte_bound_is_configured_per_camera(tmp_path):
    from kvs_ingest.agent import CameraPipeline
    from kvs_ingest.config import parse_config

    config = parse_config(
        {
            "agent": {"region": "us-east-1", "buffer_dir": str(tmp_path / "buf"), "buffer_max_mb": 64},
            "credentials": {"mode": "env"},
            "cameras": [{"camera_id": "c1", "stream_name": "rtcc-cam-c1", "source": "rtsp://cam/1"}],
        }
    )
    pipeline = CameraPipeline(config.cameras[0], config, None, FixedEndpoints("http://127.0.0.1:9"))
    assert pipeline.buffer.max_bytes == 64 * 1024 * 1024


# Secrets in what the agent prints: logs (even at DEBUG), tracebacks, the health page.


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("cannot open rtsp://admin:hunter2@10.0.0.2:554/s", "hunter2"),
        ("cannot open http://cam/videostream.cgi?user=admin&pwd=hunter2&res=0", "hunter2"),
        ("rtsp://cam/cam/realmonitor?channel=1&password=hunter2", "hunter2"),
        ("{'Authorization': b'AWS4-HMAC-SHA256 Credential=ASIA/x, Signature=5ig', 'x': b'1'}", "5ig"),
        ("{'X-Amz-Security-Token': b'IQoJsessiontoken', 'x-amz-date': b'2026'}", "IQoJsessiontoken"),
        ("Authorization: Bearer tok.motion.secret", "tok.motion.secret"),
        ('{"secretAccessKey": "wJalrXUtn/K7MDENG", "sessionToken": "IQoJ+b3J"}', "wJalrXUtn"),
        ('{"secretAccessKey": "wJalrXUtn/K7MDENG", "sessionToken": "IQoJ+b3J"}', "IQoJ+b3J"),
    ],
)
def test_scrub_masks_passwords_tokens_and_signatures(text, secret):
    from kvs_ingest.logsafe import scrub

    assert secret not in scrub(text) and "***" in scrub(text)


def test_debug_logging_of_the_agents_aws_calls_leaks_no_key_or_token(moto_endpoint):
    import io
    import logging

    from kvs_ingest.logsafe import ScrubFilter, install
    from kvs_ingest.putmedia import DataEndpoints

    def debug_log_of_a_call(scrubbed: bool) -> str:
        out = io.StringIO()
        handler = logging.StreamHandler(out)
        if scrubbed:
            handler.addFilter(ScrubFilter())
        root, botocore = logging.getLogger(), logging.getLogger("botocore")
        levels = root.level, botocore.level
        root.handlers.insert(0, handler)  # first: another handler's filter may scrub the record in place
        root.setLevel(logging.DEBUG)
        botocore.setLevel(logging.DEBUG)  # as if someone lifted install()'s cap: the filter alone
        try:
            provider = StaticProvider("ASIAEXAMPLEKEY", "SECRET/KEY+value", "SESSION-TOKEN-VALUE")
            with contextlib.suppress(Exception):
                DataEndpoints("us-west-2", provider, moto_endpoint).get("no-such-stream")
        finally:
            root.removeHandler(handler)
            root.setLevel(levels[0])
            botocore.setLevel(levels[1])
        return out.getvalue()

    assert "SESSION-TOKEN-VALUE" in debug_log_of_a_call(scrubbed=False)  # what botocore prints
    text = debug_log_of_a_call(scrubbed=True)
    assert "Sending http request" in text
    assert "SESSION-TOKEN-VALUE" not in text and "SECRET/KEY+value" not in text
    assert "Signature=" not in text.split("Authorization", 1)[-1].split("'", 3)[2]
    install("DEBUG")
    assert logging.getLogger("botocore").level == logging.INFO
    logging.getLogger("botocore").setLevel(logging.NOTSET)


def test_a_traceback_holding_a_camera_password_is_scrubbed():
    import io
    import logging

    from kvs_ingest.logsafe import ScrubFilter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(ScrubFilter())
    log = logging.getLogger("kvs_ingest.test_attacks")
    log.addHandler(handler)
    try:
        raise OSError("connect to rtsp://admin:hunter2@cam/1 failed")
    except OSError:
        log.exception("camera %s failed at %s", "c1", "http://cam/snap.cgi?pwd=hunter2")
    finally:
        log.removeHandler(handler)
    assert "Traceback" in out.getvalue() and "hunter2" not in out.getvalue()


def test_health_shows_no_password_from_a_camera_url_query(tmp_path):
    from kvs_ingest.agent import CameraPipeline
    from kvs_ingest.backoff import Backoff
    from kvs_ingest.config import parse_config

    source = "http://127.0.0.1:9/videostream.cgi?user=admin&pwd=hunter2"
    config = parse_config(
        {
            "agent": {"region": "us-east-1", "buffer_dir": str(tmp_path / "buf")},
            "credentials": {"mode": "env"},
            "cameras": [{"camera_id": "c1", "stream_name": "rtcc-cam-c1", "source": source}],
        }
    )
    pipeline = CameraPipeline(config.cameras[0], config, None, FixedEndpoints("http://127.0.0.1:9"))
    assert pipeline._read_source(threading.Event(), Backoff()) is False
    assert pipeline.source_state.startswith("unavailable") and "hunter2" not in pipeline.source_state


def test_a_source_that_stopped_giving_video_is_not_reported_healthy(tmp_path):
    from kvs_ingest.health import FRESH_S, report
    from kvs_ingest.ringbuffer import RingBuffer
    from kvs_ingest.uploader import CameraStatus

    pipeline = SimpleNamespace(
        buffer=RingBuffer(tmp_path / "cam"),
        uploader=SimpleNamespace(status=CameraStatus("cam-1")),
        source_state="reading",
        last_produced_at=time.time(),
    )
    assert report([pipeline])[0] == 200
    # A hostile source (e.g. one empty packet, which drains FFmpeg's decoder for good) yields
    # nothing more: nothing pending, nothing streamed.
    pipeline.last_produced_at = time.time() - FRESH_S - 5
    status, body = report([pipeline])
    assert status == 503 and body["cameras"][0]["last_fragment_s_ago"] > FRESH_S
    pipeline.source_state = "ended"  # a file without loop that ended is done, not stuck
    assert report([pipeline])[0] == 200


def test_after_a_restart_new_fragments_follow_those_left_on_disk_even_if_the_clock_went_back(tmp_path):
    from kvs_ingest.agent import CameraPipeline
    from kvs_ingest.backoff import Backoff
    from kvs_ingest.config import parse_config

    config = parse_config(
        {
            "agent": {"region": "us-east-1", "buffer_dir": str(tmp_path / "buf")},
            "credentials": {"mode": "env"},
            "cameras": [{"camera_id": "c1", "stream_name": "rtcc-cam-c1", "source": "rtsp://cam/1"}],
        }
    )
    # The last run (its clock 20 s ahead, or a source that ran ahead) left one unsent. (Over 30 s ahead
    # it is not continued from: test_agent_media_attacks.py.)
    ahead = int(time.time() * 1000) + 20_000
    previous = CameraPipeline(config.cameras[0], config, None, FixedEndpoints("http://127.0.0.1:9"))
    previous.buffer.append(ahead, 2000, b"left")
    stamped: list[int] = []

    class OneFragment(list):
        def stop(self) -> None:
            pass

    def fragments(camera, on_motion, clock):
        stamped.append(clock.stamp(0))
        clock.close(stamped[-1] + 2000)
        return OneFragment(
            [SimpleNamespace(producer_ts_ms=stamped[-1], duration_ms=2000, data=b"new", width=8, height=8)]
        )

    pipeline = CameraPipeline(
        config.cameras[0], config, None, FixedEndpoints("http://127.0.0.1:9"), fragments=fragments
    )
    pipeline._read_source(threading.Event(), Backoff())
    assert stamped[0] >= ahead + 2000
    assert [e.read() for e in pipeline.buffer.pending()] == [b"left", b"new"]


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\n" + b"x" * (4 << 20),
        b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(100_000)),
    ],
    ids=["a-terabyte-chunk", "endless-headers"],
)
def test_a_hostile_putmedia_answer_ends_the_session_instead_of_filling_memory(answer):
    import asyncio
    import socket

    from kvs_ingest.putmedia import PutMediaConnection, PutMediaError, read_acks

    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = listener.accept()
        with contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(answer)
            time.sleep(5)  # and hold the connection open
        conn.close()

    threading.Thread(target=serve, daemon=True).start()

    async def main():
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/putMedia"
        connection = await PutMediaConnection.open(url, {"Host": "x"}, timeout=5)
        try:
            await asyncio.wait_for(read_acks(connection, lambda ack: None), 4)
        finally:
            connection.abort()

    with pytest.raises(PutMediaError, match="answer chunk|header lines"):
        run_isolated(main)
    listener.close()


# Hostile sources (the media side).


def test_one_empty_packet_from_the_source_does_not_silence_a_re_encoded_camera(tmp_path, monkeypatch):
    """An empty packet sent to FFmpeg's decoder drains it for good (every later packet: EOF): a
    camera with privacy masks (re-encoded) would stream nothing more while reading on."""
    import av

    import kvs_ingest.fragmenter as fragmenter
    from kvs_ingest.source import SourceSpec, open_source
    from kvs_ingest.testpattern import write_test_pattern

    path = write_test_pattern(tmp_path / "p.mp4", 4, 10, (160, 120))

    class Hostile:
        def __init__(self, container):
            self._container = container

        def demux(self, stream):
            for n, packet in enumerate(self._container.demux(stream)):
                if n == 5 and packet.pts is not None:
                    empty = av.Packet(0)
                    empty.pts, empty.dts, empty.time_base = packet.pts, packet.dts, packet.time_base
                    yield empty
                yield packet

        def __getattr__(self, name):
            return getattr(self._container, name)

    def hostile_open(spec):
        source = open_source(spec)
        source.container = Hostile(source.container)
        return source

    monkeypatch.setattr(fragmenter, "open_source", hostile_open)
    made = fragmenter.Fragmenter(SourceSpec(str(path), realtime=False), fragment_seconds=1, force_encode=True)
    fragments = list(made)
    assert sum(f.frames for f in fragments) >= 35 and sum(f.duration_ms for f in fragments) >= 3500


def test_an_absurd_picture_size_is_dropped_remuxed_or_re_encoded(tmp_path):
    from kvs_ingest import avc
    from kvs_ingest.fragmenter import Fragmenter
    from kvs_ingest.source import SourceSpec
    from kvs_ingest.testpattern import write_test_pattern

    # 8208 pixels wide (the limit is 8192 a side): cheap to make, out of range all the same.
    path = write_test_pattern(tmp_path / "wide.mp4", 1, 5, (8208, 16), burn_time=False)
    remux = Fragmenter(SourceSpec(str(path), realtime=False))
    assert list(remux) == [] and remux.stats["dropped_corrupt"] + remux.stats["dropped_to_keyframe"] >= 5
    encode = Fragmenter(SourceSpec(str(path), realtime=False), force_encode=True)
    assert list(encode) == [] and encode.stats["dropped_corrupt"] >= 5
    # An SPS claiming 2**20 macroblocks a side (Exp-Golomb lets it claim up to 2**32).
    bits = "1" + "1" + "1" + "011" + "1" + "0"  # sps_id 0, frame_num 0, poc type 2, 1 ref, no gaps
    big = format((1 << 20) + 1, "b")
    bits += "0" * (len(big) - 1) + big + "1" + "1" + "1" + "0" + "0" + "1"  # 2**20 x 1 MBs, rbsp stop
    bits += "0" * (-len(bits) % 8)
    sps = bytes([0x67, 66, 0, 30]) + int(bits, 2).to_bytes(len(bits) // 8, "big")
    with pytest.raises(avc.BitstreamError, match="out of range"):
        avc.parse_sps(sps)


def test_huge_frames_are_cut_before_kvs_s_limit_instead_of_held_for_ten_seconds(monkeypatch):
    import kvs_ingest.fragmenter as fragmenter
    from kvs_ingest.fragmenter import ProducerClock, _Assembler, _Unit
    from kvs_ingest.mkv import TrackInfo

    monkeypatch.setattr(fragmenter, "MAX_FRAGMENT_BYTES", 10_000)  # KVS's 50 MB, scaled down
    track = TrackInfo(b"\x01\x42\x00\x1e\xff\xe1\x00\x04\x67\x42\x00\x1e\x01\x00\x04\x68\xce\x3c\x80", 64, 48)
    assembler = _Assembler(ProducerClock(), target_ms=2000)
    fragments, held = [], 0
    for n in range(120):  # 4 s at 30 fps, a keyframe every 2 s, 1,000-byte frames (60 KB a GOP)
        out = assembler.feed(_Unit(n * 33, b"\x00\x00\x03\xe4\x65" + bytes(995), n % 60 == 0, track))
        held = max(held, assembler.size)
        fragments += [out] if out else []
    assert assembler.flush() is None  # the last GOP's tail was dropped, nothing left open
    assert held <= 10_000 and all(len(f.data) <= 10_000 + 512 for f in fragments)
    assert len(fragments) == 2 and assembler.dropped == 2 * 50  # the rest of each GOP
    # A single frame larger than the limit is dropped with the GOP after it.
    assert assembler.feed(_Unit(5000, bytes(10_001), True, track)) is None and not assembler.units


def test_a_password_in_a_camera_urls_query_is_redacted_at_the_source():
    from kvs_ingest.source import redact

    assert redact("http://cam/videostream.cgi?user=admin&pwd=hunter2") == (
        "http://cam/videostream.cgi?user=admin&pwd=***"
    )
    assert "hunter2" not in redact("rtsp://a:hunter2@cam/realmonitor?channel=1&password=hunter2")
