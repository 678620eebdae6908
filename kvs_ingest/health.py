"""GET /healthz on the agent's health port: one JSON line per camera, 200 when all stream.

For systemd, a container orchestrator or the owner's monitoring. It answers on 127.0.0.1
unless `agent.health_host` says otherwise, and shows counts and states only: no key, token,
camera URL (it may hold the camera's password) or motion token. A connection that sends no
request within `request_timeout` seconds is closed: each holds a thread, and a client opening
many and sending nothing (slowloris) would otherwise pile them up for ever.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: A camera is healthy when its source gave a fragment this recently and KVS persisted one of its
#: fragments this recently (or it has nothing waiting to be sent).
FRESH_S = 60.0


def camera_health(pipeline) -> dict:
    status, buffer = pipeline.uploader.status, pipeline.buffer
    pending = len(buffer.pending())
    persisted_ago = (
        None if status.last_persisted_at is None else round(time.time() - status.last_persisted_at, 1)
    )
    # A source that stopped giving video (a camera sending garbage, a stuck decoder) leaves nothing
    # pending, yet nothing is streamed: not healthy. A file that ended is done, not stuck.
    produced_ago = round(time.time() - getattr(pipeline, "last_produced_at", time.time()), 1)
    source_alive = pipeline.source_state == "ended" or produced_ago <= FRESH_S
    healthy = source_alive and (pending == 0 or (persisted_ago is not None and persisted_ago <= FRESH_S))
    return {
        "camera_id": status.camera_id,
        "healthy": healthy,
        "state": status.state,
        "source": pipeline.source_state,
        "last_error": status.last_error,
        "persisted": status.persisted,
        "last_persisted_s_ago": persisted_ago,
        "last_fragment_s_ago": produced_ago,
        "buffered_fragments": len(buffer),
        "pending_fragments": pending,
        "buffered_seconds": round(buffer.span_ms() / 1000, 1),
        "buffered_bytes": buffer.stored_bytes,
        "dropped_window": buffer.dropped,
        "dropped_oversize": buffer.oversize,
        "dropped_by_kvs": status.dropped_by_error,
        # Fragments a source stamped more than 30 s past the wall clock (kvs_ingest.fragmenter).
        "dropped_ahead": getattr(getattr(pipeline, "_clock", None), "dropped_ahead", 0),
        "sessions": status.sessions,
    }


def report(pipelines) -> tuple[int, dict]:
    cameras = [camera_health(p) for p in pipelines]
    ok = all(c["healthy"] for c in cameras)
    return (200 if ok else 503), {"status": "ok" if ok else "degraded", "cameras": cameras}


class HealthServer:
    def __init__(
        self, pipelines, host: str = "127.0.0.1", port: int = 0, request_timeout: float = 10.0
    ) -> None:
        owner = self
        self.pipelines = pipelines

        class Handler(BaseHTTPRequestHandler):
            timeout = request_timeout  # applied to the socket before the request is read

            def do_GET(self):  # noqa: N802
                if self.path.split("?")[0] != "/healthz":
                    status, body = 404, {"error": "not found", "field": "path"}
                else:
                    status, body = report(owner.pipelines)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="health", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
