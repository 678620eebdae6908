"""The edge agent reviewed as an attacker would: what a hostile endpoint, a hostile camera or
another local user could make it leak, hammer or fill (the ring buffer's part is in
test_kvs_ringbuffer.py)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from kvs_ingest.motion_client import MotionClient
from tests.unit.kvs_ingest.fake_kvs import FakeKvs, FixedEndpoints, Plan
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
