"""Motion events to rtcc: POST <api_url>/api/public/video/motion with the camera's motion token.

Motion is a hint for officers (the map's recent-motion marker, the incident grid's order),
never worth slowing the video for: events go through a small queue to one background thread,
and when the queue is full the newest is dropped. A refused token (401/403) is logged once
and posting pauses for `refused_wait_s`, so a revoked camera does not hammer the API. The
token is never logged, and never follows a redirect: urllib would carry the Authorization
header to whatever host (even over plain http) a 30x names, so a redirect is an error here.
The answer's body is read up to 64 KiB: a broken or hostile endpoint cannot fill the memory.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

log = logging.getLogger("kvs_ingest.motion_client")

MAX_ANSWER_BYTES = 64 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 30x surfaces as an HTTPError; the bearer token goes nowhere else


_OPENER = urllib.request.build_opener(_NoRedirect)


class MotionClient:
    def __init__(
        self, api_url: str, camera_id: str, token: str, timeout: float = 5.0, refused_wait_s: float = 600.0
    ) -> None:
        self.url = api_url.rstrip("/") + "/api/public/video/motion"
        self.camera_id, self._token, self.timeout, self.refused_wait_s = (
            camera_id,
            token,
            timeout,
            refused_wait_s,
        )
        self._queue: queue.Queue = queue.Queue(maxsize=16)
        self._paused_until = 0.0
        self.sent = self.dropped = self.failed = 0
        self._thread = threading.Thread(target=self._worker, name=f"motion-{camera_id}", daemon=True)
        self._thread.start()

    def post(self, event) -> None:
        """Queues a kvs_ingest.motion.MotionEvent (at: datetime, score: 0..1); never blocks."""
        if time.monotonic() < self._paused_until:
            self.dropped += 1
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def body(self, event) -> dict:
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
        iso = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "camera_id": self.camera_id,
            "at": iso,
            "score": round(min(1.0, max(0.0, float(event.score))), 4),
        }

    def _worker(self) -> None:
        while (event := self._queue.get()) is not None:
            if time.monotonic() < self._paused_until:
                self.dropped += 1
                continue
            self._send(event)

    def _send(self, event) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(self.body(event)).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                response.read(MAX_ANSWER_BYTES)
            self.sent += 1
        except urllib.error.HTTPError as exc:
            self.failed += 1
            if exc.code in (401, 403):
                self._paused_until = time.monotonic() + self.refused_wait_s
                log.error(
                    "camera %s: rtcc refused the motion token (HTTP %s); motion events paused for %.0f s",
                    self.camera_id,
                    exc.code,
                    self.refused_wait_s,
                )
            else:
                log.warning("camera %s: motion event refused (HTTP %s)", self.camera_id, exc.code)
        except (urllib.error.URLError, OSError) as exc:
            self.failed += 1
            log.warning(
                "camera %s: motion event not delivered: %s", self.camera_id, getattr(exc, "reason", exc)
            )


def now_utc() -> datetime:
    return datetime.now(UTC)
