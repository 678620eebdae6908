"""One camera's upload loop: ring buffer -> PutMedia sessions, forever, acting on every error.

A session sends the buffer's unsent fragments oldest first and then each new one as the
camera produces it; PERSISTED acks delete fragments from disk. When the session ends (the
network, the service, an ERROR ack, the connection's age) the loop decides how long to wait
(`Backoff`: full jitter for transient trouble, minutes for refused credentials, a missing
stream or an unusable KMS key) and opens the next one, which resends whatever was not RECEIVED.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from kvs_ingest.acks import Ack, AckType, Action
from kvs_ingest.backoff import Backoff
from kvs_ingest.credentials import CredentialsRefused, CredentialsUnavailable
from kvs_ingest.putmedia import (
    PutMediaConnection,
    PutMediaError,
    PutMediaHttpError,
    error_for_ack,
    now,
    read_acks,
    signed_headers,
)
from kvs_ingest.ringbuffer import RingBuffer

log = logging.getLogger("kvs_ingest.uploader")

#: KVS's answers that mean the credentials (not the network) are wrong or expired.
AUTH_ERRORS = {
    "NotAuthorizedException",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
}


#: Seconds before the signing keys expire that a connection is rotated.
EXPIRY_MARGIN_S = 30

#: Failures a retry with backoff may fix: the network, the endpoint, a malformed answer.
TRANSIENT = (TimeoutError, CredentialsUnavailable, OSError, asyncio.IncompleteReadError, ValueError)


@dataclass
class CameraStatus:
    """What /healthz shows for one camera: no key, token or URL with credentials in it."""

    camera_id: str
    state: str = "starting"  # streaming | retrying | refused | waiting | stopped
    last_error: str | None = None
    last_persisted_at: float | None = None
    persisted: int = 0
    dropped_by_error: int = 0
    sessions: int = 0
    extra: dict = field(default_factory=dict)


class _Session:
    """Bookkeeping of one PutMedia connection: what was sent, received, acknowledged when."""

    def __init__(self, uploader: Uploader) -> None:
        self.uploader = uploader
        self.in_flight: dict[int, float] = {}  # sent, not RECEIVED yet -> when sent
        self.received: set[int] = set()
        self.last_ack = now()
        self.rotate_at = float("inf")
        #: An ERROR ack ends the session, but only after the acks of fragments already sent
        #: have been read: those RECEIVED must not be sent twice.
        self.error: PutMediaError | None = None

    def on_ack(self, ack: Ack) -> None:
        log.debug("%s: ack %s %s", self.uploader.stream_name, ack.event_type.value, ack.fragment_timecode)
        self.last_ack = now()
        ts = ack.fragment_timecode
        if ack.event_type is AckType.RECEIVED and ts is not None:
            self.in_flight.pop(ts, None)
            self.received.add(ts)
        elif ack.event_type is AckType.PERSISTED and ts is not None:
            self.in_flight.pop(ts, None)
            self.received.discard(ts)
            self.uploader.persisted(ts)
        elif ack.event_type is AckType.ERROR and self.error is None:
            error = error_for_ack(ack)
            if error.fragment_ts is None and self.in_flight:
                error.fragment_ts = min(self.in_flight)  # 4006 names no fragment: the oldest unreceived
            self.in_flight.pop(error.fragment_ts, None)
            self.error = error

    def stale_for(self) -> float:
        """Seconds without any ack while a fragment waits for one (0 when nothing waits)."""
        if not self.in_flight:
            return 0.0
        return now() - max(self.last_ack, min(self.in_flight.values()))


class Uploader:
    def __init__(
        self,
        camera_id: str,
        stream_name: str,
        buffer: RingBuffer,
        provider,
        endpoints,
        region: str,
        *,
        backoff: Backoff | None = None,
        rotate_s: float = 2400,
        stale_s: float = 20,
        timeout: float = 10,
        drain_s: float = 3,
        sleep=None,
    ) -> None:
        self.stream_name, self.buffer, self.provider = stream_name, buffer, provider
        self.endpoints, self.region = endpoints, region
        self.backoff = backoff or Backoff()
        self.rotate_s, self.stale_s, self.timeout, self.drain_s = rotate_s, stale_s, timeout, drain_s
        self.status = CameraStatus(camera_id)
        self._sleep = sleep or _sleep_unless_stopped
        self._auth_failures = 0
        #: A reconnection at once was used since the last PERSISTED (see _at_once).
        self._at_once_used = False
        self._wakeup: asyncio.Event | None = None

    def persisted(self, ts: int) -> None:
        self.buffer.remove(ts)
        self.status.persisted += 1
        self.status.last_persisted_at = time.time()
        self.status.state = "streaming"
        self._auth_failures = 0
        self._at_once_used = False
        self.backoff.reset()

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self.buffer.add_listener(lambda: loop.call_soon_threadsafe(self._wakeup.set))
        while not stop.is_set():
            delay = await self._attempt(stop)
            if delay > 0 and not stop.is_set():
                await self._sleep(delay, stop)
        self.status.state = "stopped"

    async def _attempt(self, stop: asyncio.Event) -> float:
        try:
            await self._session(stop)
            return 0.0 if stop.is_set() else self._at_once("connection rotated without a fragment persisted")
        except PutMediaError as exc:
            return self._after_error(exc)
        except CredentialsRefused as exc:
            return self._refused(f"credentials refused: {exc}")
        except TRANSIENT as exc:
            return self._retry(f"{type(exc).__name__}: {exc}")

    async def _wait_for_data(self, stop: asyncio.Event) -> bool:
        while not stop.is_set():
            self._wakeup.clear()
            if self.buffer.pending():
                return True
            await _first(stop.wait(), self._wakeup.wait(), timeout=1.0)
        return False

    async def _session(self, stop: asyncio.Event) -> None:
        if not await self._wait_for_data(stop):
            return
        creds = await asyncio.to_thread(self.provider.get)
        url = (await asyncio.to_thread(self.endpoints.get, self.stream_name)) + "/putMedia"
        first = self.buffer.pending()[0]
        headers = signed_headers(url, self.stream_name, first.producer_ts_ms, creds, self.region)
        connection = await PutMediaConnection.open(url, headers, self.timeout)
        log.debug("%s: PutMedia session opened at %s from %d", self.stream_name, url, first.producer_ts_ms)
        session = _Session(self)
        # Rotate before the keys the request was signed with expire (the SDK's streaming token
        # grace period), and before KVS's connection age limit.
        session.rotate_at = now() + self.rotate_s
        if creds.expires_at is not None:
            session.rotate_at = min(
                session.rotate_at, now() + creds.expires_at - time.time() - EXPIRY_MARGIN_S
            )
        self.status.sessions += 1
        reader = asyncio.create_task(read_acks(connection, session.on_ack))
        try:
            await self._pump(connection, session, reader, stop)
        finally:
            connection.abort()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            for ts in session.received:  # RECEIVED, never PERSISTED on this connection
                self.buffer.mark_received(ts)

    async def _pump(self, connection, session: _Session, reader: asyncio.Task, stop: asyncio.Event) -> None:
        last_sent = None
        while True:
            if session.error is not None:  # before the reader: KVS closes after an ERROR ack
                await self._finish(connection, session, reader, self.drain_s, quiet=True)
                raise session.error
            if reader.done():
                reader.result()  # raises what ended the answer
            if stop.is_set() or now() > session.rotate_at:
                await self._finish(connection, session, reader, self.timeout)
                return
            self._wakeup.clear()
            for entry in self.buffer.pending(after_ts=last_sent):
                if reader.done() or session.error is not None:
                    break
                try:
                    data = entry.read()
                except FileNotFoundError:
                    continue  # left the window while waiting
                session.in_flight[entry.producer_ts_ms] = now()
                log.debug("%s: sending %d (%d bytes)", self.stream_name, entry.producer_ts_ms, len(data))
                await connection.send(data, self.stale_s)
                last_sent = entry.producer_ts_ms
            if session.stale_for() > self.stale_s:
                raise PutMediaError(f"no acknowledgement for {self.stale_s:.0f} s: connection stale")
            await _first(reader, self._wakeup.wait(), stop.wait(), timeout=1.0)

    async def _finish(
        self, connection, session: _Session, reader: asyncio.Task, wait_s: float, quiet: bool = False
    ) -> None:
        """Ends the body and gives KVS wait_s seconds to acknowledge what it was sent (quiet: the
        connection may already be closed, which is no news)."""
        try:
            await connection.finish(self.timeout)
        except (OSError, TimeoutError):
            if not quiet:
                raise
            return
        deadline = now() + wait_s
        while (session.in_flight or session.received) and not reader.done() and now() < deadline:
            await asyncio.sleep(0.05)

    def _after_error(self, exc: PutMediaError) -> float:
        if isinstance(exc, PutMediaHttpError):
            return self._after_http_error(exc)
        if exc.action is Action.DROP_FRAGMENT:
            if exc.fragment_ts is not None and self.buffer.remove(exc.fragment_ts):
                self.status.dropped_by_error += 1
            log.warning("%s: %s: fragment %s dropped", self.stream_name, exc, exc.fragment_ts)
            return self._retry(str(exc))
        if exc.action is Action.ROTATE:
            self.endpoints.forget(self.stream_name)
            return self._at_once(str(exc))
        if exc.action is Action.WAIT_LONG:
            return self._refused(str(exc))
        return self._retry(str(exc))

    def _after_http_error(self, exc: PutMediaHttpError) -> float:
        if exc.error_type in AUTH_ERRORS or exc.status in (401, 403):
            # Expired keys are refreshed once at once; refused again means they are wrong.
            self.provider.invalidate()
            self._auth_failures += 1
            if self._auth_failures >= 2:
                return self._refused(f"KVS refused the agent's credentials ({exc})")
            return self._retry(str(exc))
        if exc.error_type == "ResourceNotFoundException" or exc.status == 404:
            return self._refused(f"stream {self.stream_name} does not exist ({exc})")
        if exc.error_type == "InvalidEndpointException":
            self.endpoints.forget(self.stream_name)
            return self._at_once(str(exc))
        return self._retry(str(exc))

    def _at_once(self, reason: str) -> float:
        """No wait for a rotation (4003, a moved endpoint, the connection's age), but only once until a
        fragment is PERSISTED again: a service, proxy or skewed clock answering that every time would
        otherwise make a tight loop of GetDataEndpoint, credentials and PutMedia calls."""
        if not self._at_once_used:
            self._at_once_used = True
            return 0.0
        return self._retry(reason)

    def _retry(self, reason: str) -> float:
        self.endpoints.forget(self.stream_name)
        delay = self.backoff.next_delay()
        self.status.state, self.status.last_error = "retrying", reason
        log.warning("%s: %s; retrying in %.1f s", self.stream_name, reason, delay)
        return delay

    def _refused(self, reason: str) -> float:
        self.endpoints.forget(self.stream_name)
        delay = self.backoff.long_delay()
        self.status.state, self.status.last_error = "refused", reason
        log.error("%s: %s; buffering on disk and trying again in %.0f s", self.stream_name, reason, delay)
        return delay


async def _first(*awaitables, timeout: float) -> None:
    """Waits until the first of awaitables completes (or timeout); cancels the coroutines it made."""
    tasks = [a if isinstance(a, asyncio.Future) else asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task, original in zip(tasks, awaitables, strict=True):
            if task is not original:
                task.cancel()


async def _sleep_unless_stopped(delay: float, stop: asyncio.Event) -> None:
    await _first(stop.wait(), timeout=delay)
