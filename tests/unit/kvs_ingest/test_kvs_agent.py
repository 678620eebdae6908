"""The agent process: several cameras, health, motion posts and the rtcc-ingest command."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from kvs_ingest.agent import Agent
from kvs_ingest.cli import main
from kvs_ingest.config import parse_config
from kvs_ingest.credentials import StaticProvider
from kvs_ingest.motion_client import MotionClient
from tests.unit.kvs_ingest.fake_kvs import FakeKvs, FixedEndpoints, fake_fragment

REPO = Path(__file__).resolve().parents[3]
T0 = 1_767_000_000_000


def _config(tmp_path, cameras: int = 2, **agent) -> dict:
    return {
        "agent": {"region": "us-east-1", "buffer_dir": str(tmp_path / "buf"), **agent},
        "credentials": {"mode": "static", "access_key": "AKIDEXAMPLE", "secret_key": "secret"},
        "cameras": [
            {"camera_id": f"c{n}", "stream_name": f"rtcc-cam-c{n}", "source": str(tmp_path / "x.mp4")}
            for n in range(cameras)
        ],
    }


def _fake_fragments(count: int):
    class Fragments(list):
        def stop(self) -> None:
            pass

    def fragments(camera, on_motion, clock):
        base = T0 + int(camera.camera_id[1:]) * 100_000
        return Fragments(
            SimpleNamespace(
                producer_ts_ms=base + n * 2000,
                duration_ms=2000,
                data=fake_fragment(base + n * 2000),
                width=8,
                height=8,
            )
            for n in range(count)
        )

    return fragments


def test_several_cameras_stream_through_one_process_and_health_reports_them(tmp_path):
    kvs = FakeKvs()
    data = _config(tmp_path, health_port=0, endpoint_url="http://127.0.0.1:1")
    config = parse_config(data)
    agent = Agent(
        config, StaticProvider("AKIDEXAMPLE", "secret"), FixedEndpoints(kvs.url), _fake_fragments(5)
    )
    runner = threading.Thread(target=agent.run, kwargs={"drain": True})
    runner.start()
    runner.join(30)
    assert not runner.is_alive()
    assert sorted(kvs.stored) == sorted(T0 + c * 100_000 + n * 2000 for c in range(2) for n in range(5))
    assert {r["headers"]["x-amzn-stream-name"] for r in kvs.requests} == {"rtcc-cam-c0", "rtcc-cam-c1"}
    assert all(kvs.signature_ok)
    kvs.close()


def test_health_is_200_when_streaming_and_503_with_a_backlog(tmp_path):
    from kvs_ingest.health import HealthServer

    config = parse_config(_config(tmp_path, cameras=1, endpoint_url="http://127.0.0.1:1"))
    agent = Agent(config, StaticProvider("AKIDEXAMPLE", "secret"), FixedEndpoints("http://127.0.0.1:9"))
    server = HealthServer(agent.pipelines).start()
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        assert json.load(urllib.request.urlopen(url))["status"] == "ok"
        agent.pipelines[0].buffer.append(T0, 2000, b"x")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url)
        assert caught.value.code == 503
        body = json.load(caught.value)
        assert body["cameras"][0]["pending_fragments"] == 1 and body["cameras"][0]["camera_id"] == "c0"
        assert "secret" not in json.dumps(body) and "AKID" not in json.dumps(body)
    finally:
        server.stop()


class _Api(BaseHTTPRequestHandler):
    status = 202
    seen: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        _Api.seen.append((self.path, self.headers["Authorization"], json.loads(self.rfile.read(length))))
        self.send_response(_Api.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_motion_events_post_with_the_token_and_pause_when_refused(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Api.seen.clear()
    client = MotionClient(
        f"http://127.0.0.1:{server.server_address[1]}/prod", "c7", "m0tion-tok", refused_wait_s=600
    )
    client.post(SimpleNamespace(at=datetime(2026, 12, 2, 9, 0, 1, 250000, tzinfo=UTC), score=0.37))
    _wait(lambda: client.sent == 1)
    path, auth, body = _Api.seen[0]
    assert path == "/prod/api/public/video/motion" and auth == "Bearer m0tion-tok"
    assert body == {"camera_id": "c7", "at": "2026-12-02T09:00:01.250Z", "score": 0.37}
    _Api.status = 401
    try:
        for _ in range(3):
            client.post(SimpleNamespace(at=datetime.now(UTC), score=2.0))
            time.sleep(0.1)
        _wait(lambda: client.failed == 1)
        time.sleep(0.2)
        assert len(_Api.seen) == 2 and client.dropped >= 1  # refused once, then paused
    finally:
        _Api.status = 202
        client.close()
        server.shutdown()


def _wait(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert predicate()


def _toml(tmp_path, extra: str = "") -> Path:
    (tmp_path / "x.mp4").write_bytes(b"")
    path = tmp_path / "agent.toml"
    path.write_text(
        f'[agent]\nregion = "us-east-1"\nbuffer_dir = "{tmp_path / "buf"}"\nendpoint_url = "http://127.0.0.1:4566"\n'
        '[credentials]\nmode = "static"\naccess_key = "AKIALOCAL"\nsecret_key = "s3cr3t"\n'
        f'[[cameras]]\ncamera_id = "c1"\nstream_name = "rtcc-cam-c1"\n'
        f'source = "{tmp_path / "x.mp4"}"\n{extra}'
    )
    return path


def test_check_config_says_ok_or_names_each_bad_field_with_exit_2(tmp_path, capsys):
    assert main(["check-config", "--config", str(_toml(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 1 camera(s) (c1 -> rtcc-cam-c1)") and "s3cr3t" not in out
    assert main(["check-config", "--config", str(_toml(tmp_path, "fragment_seconds = 30\n"))]) == 2
    err = capsys.readouterr().err
    assert "cameras[0].fragment_seconds" in err and "s3cr3t" not in err
    (tmp_path / "x.mp4").unlink()
    path = _toml(tmp_path)
    (tmp_path / "x.mp4").unlink()
    assert main(["check-config", "--config", str(path)]) == 2
    assert "cameras[0].source" in capsys.readouterr().err


def test_the_console_script_is_installed_in_the_dev_environment(tmp_path):
    script = Path(sys.executable).with_name("rtcc-ingest")
    assert script.exists(), "pyproject.toml [project.scripts] rtcc-ingest: run `uv sync --extra dev`"
    result = subprocess.run(
        [str(script), "check-config", "--config", str(_toml(tmp_path))],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 camera(s)")


def test_the_agent_package_builds_on_its_own():
    """kvs_ingest/pyproject.toml: its own name, the console script, no rtcc or CDK dependency."""
    import tomllib

    project = tomllib.loads((REPO / "kvs_ingest" / "pyproject.toml").read_text())["project"]
    assert project["name"] == "rtcc-ingest" and project["scripts"] == {"rtcc-ingest": "kvs_ingest.cli:main"}
    deps = " ".join(project["dependencies"])
    assert (
        "av" in deps
        and "boto3" in deps
        and not any(x in deps for x in ("rtcc", "aws-cdk", "constructs", "powertools"))
    )
    for path in (REPO / "kvs_ingest").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("rtcc", "infra", "functions") for n in names), path.name
