"""The stand-in's HTTP server: KVS's data endpoint on 127.0.0.1, behind a SigV4 check and
the same IAM enforcer as the emulator.

    media = KvsMediaStandIn(root, permissions=..., region=..., console_origin=...)
    media.start()            # media.url: what GetDataEndpoint answers
    media.stop()             # every connection dropped, the port refuses
    media.start()            # the same port again, the same fragments (on disk)
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from rtcc.local.iam.enforcer import CallLog, IamEnforcer
from rtcc.local.kvs_media import clip, hls
from rtcc.local.kvs_media.ebml import Fragment
from rtcc.local.kvs_media.errors import error_response
from rtcc.local.kvs_media.putmedia import put_media, stored
from rtcc.local.kvs_media.sigv4 import SigV4Check
from rtcc.local.kvs_media.store import FragmentStore, StoredFragment
from rtcc.local.kvs_media.streams import StreamInfo, find_stream

logger = logging.getLogger("rtcc.local.kvs_media")

#: PutMedia connections one stream may hold at once (a producer refreshing its endpoint
#: overlaps two for a moment) and new ones per second (KVS: 5 TPS per stream).
MAX_CONNECTIONS_PER_STREAM = 3
MAX_PUTMEDIA_PER_SECOND = 5


class ChunkedBody:
    """A chunked request body read chunk by chunk: read() answers as soon as a chunk's
    bytes are in (werkzeug's own reader waits to fill the whole buffer, which would hold
    a fragment's acks back until the next ones arrive)."""

    def __init__(self, rfile: Any) -> None:
        self.rfile = rfile
        self.left = 0
        self.done = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 16), b""))
        if self.done:
            return b""
        if self.left == 0:
            line = self.rfile.readline(1024)
            try:
                self.left = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise OSError("a malformed chunk size") from exc
            if self.left == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                self.done = True
                return b""
        data = self.rfile.read(min(size, self.left))
        if not data:
            raise OSError("the connection closed inside a chunk")
        self.left -= len(data)
        if self.left == 0:
            self.rfile.readline(16)  # the chunk's CRLF
        return data


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def make_environ(self) -> dict:
        environ = super().make_environ()
        if self.headers.get("Transfer-Encoding", "").strip().lower() == "chunked":
            environ["wsgi.input"] = ChunkedBody(self.rfile)
        return environ


class _TrackingServer(ThreadedWSGIServer):
    """Remembers its open connections, so stop() can drop them as a crash would."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
            self.connections.clear()
        for conn in open_now:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class KvsMediaStandIn:
    def __init__(
        self,
        root: Path,
        *,
        permissions: Callable[[], Any],
        account: str,
        region: Callable[[], str],
        console_origin: Callable[[], str | None] = lambda: None,
        enforce: bool = True,
        log: CallLog | None = None,
        idle_ack_s: float = 3.0,
        idle_timeout_s: float = 30.0,
    ) -> None:
        self.store = FragmentStore(root)
        self.region = region
        self.console_origin = console_origin
        self.idle_ack_s = idle_ack_s
        self.idle_timeout_s = idle_timeout_s
        self.stopping = threading.Event()
        self.sessions = hls.SessionSigner()
        self.port = 0
        self._server: _TrackingServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: dict[str, int] = {}
        self._recent: dict[str, list[float]] = {}
        enforced = IamEnforcer(self._route, permissions, account=account, enforce=enforce, log=log)
        self.app = _LocalHostOnly(SigV4Check(enforced, exempt=_unsigned), lambda: self.port)

    # -- lifecycle -----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> KvsMediaStandIn:
        if self._server is not None:
            return self
        self.stopping.clear()
        self._server = _TrackingServer("127.0.0.1", self.port, self.app, handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="rtcc-kvs-media", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Drops every connection and closes the port; the fragments stay on disk."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(10)
        with self._lock:
            self._connections.clear()

    def fragments(self, stream_name: str) -> list[StoredFragment]:
        """The stored fragments of the stream of that name as it exists now ([] when none)."""
        stream = find_stream(self.region(), name=stream_name)
        return self.store.fragments(stream.key) if stream else []

    # -- what the handlers use -----------------------------------------------------

    def admit(self, stream: str) -> str | None:
        """None when a new PutMedia may start, else KVS's error name."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._recent.get(stream, []) if now - t < 1.0]
            if len(recent) >= MAX_PUTMEDIA_PER_SECOND:
                return "ClientLimitExceededException"
            if self._connections.get(stream, 0) >= MAX_CONNECTIONS_PER_STREAM:
                return "ConnectionLimitExceededException"
            self._recent[stream] = [*recent, now]
            self._connections[stream] = self._connections.get(stream, 0) + 1
        return None

    def release(self, stream: str) -> None:
        with self._lock:
            if self._connections.get(stream, 0) > 0:
                self._connections[stream] -= 1

    def persist(
        self, stream: StreamInfo, fragment: Fragment, size: tuple[int, int], number: str, producer_ms: int
    ) -> None:
        record = stored(fragment, number, producer_ms, size)
        self.store.put(stream.key, record, fragment.document)
        self.store.expire(stream.key, stream.retention_hours, record.server_ts_ms)

    # -- routing -------------------------------------------------------------------

    def _route(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        try:
            if path.startswith("/hls/"):
                return hls.serve(self, environ, start_response)
            if method != "POST":
                return error_response(start_response, 405, "InvalidArgumentException", "POST only")
            if path == "/putMedia":
                return put_media(self, environ, start_response)
            if path == "/getHLSStreamingSessionURL":
                return hls.session_url(self, environ, start_response)
            if path == "/getClip":
                return clip.get_clip(self, environ, start_response)
        except Exception:
            logger.exception("the KVS stand-in failed on %s", path)
            return error_response(start_response, 500, "InternalServerError", "stand-in error")
        return error_response(start_response, 404, "ResourceNotFoundException", f"no operation at {path}")


class _LocalHostOnly:
    """Answers only requests addressed to this stand-in by its loopback name: a web page whose
    name an attacker re-points at 127.0.0.1 (DNS rebinding) reaches the port as its own
    origin, and the local keys are public (sign with "testing"), so it could take a session
    and read a camera's video. Its requests name the page's host: refused before anything."""

    def __init__(self, app: Callable, port: Callable[[], int]) -> None:
        self.app = app
        self.port = port

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "")
        if host not in (f"127.0.0.1:{self.port()}", f"localhost:{self.port()}"):
            message = "Host: this local stand-in answers 127.0.0.1 and localhost only"
            return error_response(start_response, 403, "AccessDeniedException", message)
        return self.app(environ, start_response)


def _unsigned(environ: dict) -> bool:
    """HLS playlists and media are fetched under a session token, unsigned (as a browser
    does); CORS preflights are never signed."""
    return environ.get("PATH_INFO", "").startswith("/hls/") or environ.get("REQUEST_METHOD") == "OPTIONS"
