"""POST /putMedia as Kinesis Video Streams answers it.

The headers are checked first (KVS's errors before any body: 400 InvalidArgument,
404 ResourceNotFound, 400 ConnectionLimitExceeded / ClientLimitExceeded); then HTTP 200
and, while the chunked body is read piece by piece, one JSON acknowledgement per event
and line: BUFFERING when a fragment's Cluster begins, RECEIVED when it is whole and
parsed (EBML split, then opened with PyAV), PERSISTED once it is on disk (only for a
stream that retains data), ERROR with KVS's ErrorId (after which the session ends, as
KVS ends it), IDLE every few seconds while no byte arrives, and the end of the answer
after 30 s without data.
"""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rtcc.local.kvs_media.ebml import ClusterStart, Fragment, FragmentTooLarge, MkvError, MkvSplitter
from rtcc.local.kvs_media.errors import error_response
from rtcc.local.kvs_media.store import StoredFragment
from rtcc.local.kvs_media.streams import StreamInfo, find_stream

if TYPE_CHECKING:
    from rtcc.local.kvs_media.server import KvsMediaStandIn

#: ErrorId -> ErrorCode, as the AWS SDK for Java names KVS's ack errors.
ERROR_CODES = {
    4000: "STREAM_READ_ERROR",
    4001: "MAX_FRAGMENT_SIZE_REACHED",
    4002: "MAX_FRAGMENT_DURATION_REACHED",
    4004: "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS",
    4006: "INVALID_MKV_DATA",
    4008: "STREAM_NOT_ACTIVE",
    4010: "TRACK_NUMBER_MISMATCH",
    4011: "FRAMES_MISSING_FOR_TRACK",
    5000: "INTERNAL_ERROR",
}
MAX_FRAGMENT_MS = 10_000
READ_SIZE = 64 * 1024


def ack(
    event: str, timecode: int | None = None, number: str | None = None, error: int | None = None
) -> bytes:
    body: dict = {"EventType": event}
    if timecode is not None:
        body["FragmentTimecode"] = timecode
    if number is not None:
        body["FragmentNumber"] = number
    if error is not None:
        body["ErrorId"] = error
        body["ErrorCode"] = ERROR_CODES.get(error, "UNKNOWN_ERROR")
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class PutMediaRequest:
    stream: StreamInfo
    relative: bool
    producer_start_ms: int


class FragmentRefused(Exception):
    def __init__(self, error_id: int) -> None:
        super().__init__(error_id)
        self.error_id = error_id


def parse_request(environ: dict, region: str) -> PutMediaRequest | tuple[int, str, str]:
    """The request, or (status, error type, message) as KVS refuses it before the body."""
    name = environ.get("HTTP_X_AMZN_STREAM_NAME")
    arn = environ.get("HTTP_X_AMZN_STREAM_ARN")
    if bool(name) == bool(arn):
        return 400, "InvalidArgumentException", "x-amzn-stream-name or x-amzn-stream-arn: exactly one"
    kind = environ.get("HTTP_X_AMZN_FRAGMENT_TIMECODE_TYPE", "")
    if kind not in ("ABSOLUTE", "RELATIVE"):
        return 400, "InvalidArgumentException", "x-amzn-fragment-timecode-type: ABSOLUTE or RELATIVE"
    try:
        start = float(environ.get("HTTP_X_AMZN_PRODUCER_START_TIMESTAMP", ""))
    except ValueError:
        return 400, "InvalidArgumentException", "x-amzn-producer-start-timestamp: seconds since the epoch"
    stream = find_stream(region, name=name, arn=arn)
    if stream is None:
        return 404, "ResourceNotFoundException", "The requested stream is not found or not active."
    return PutMediaRequest(stream, kind == "RELATIVE", round(start * 1000))


def put_media(
    standin: KvsMediaStandIn, environ: dict, start_response: Callable
) -> Iterator[bytes] | list[bytes]:
    parsed = parse_request(environ, standin.region())
    if isinstance(parsed, tuple):
        return error_response(start_response, *parsed, [("Connection", "close")])
    limit = standin.admit(parsed.stream.name)
    if limit is not None:
        return error_response(start_response, 400, limit, "Too many PutMedia calls for this stream")
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Connection", "close"), ("x-amzn-RequestId", "local")],
    )
    return PutMediaSession(standin, parsed).acks(environ["wsgi.input"])


class PutMediaSession:
    def __init__(self, standin: KvsMediaStandIn, request: PutMediaRequest) -> None:
        self.standin = standin
        self.request = request
        self.splitter = MkvSplitter()
        self.previous_ms: int | None = None
        self.current: tuple[int, str] | None = None  # (timecode, fragment number) being read

    def acks(self, body: io.RawIOBase) -> Iterator[bytes]:
        chunks: queue.Queue = queue.Queue(maxsize=64)
        threading.Thread(target=_pump, args=(body, chunks), daemon=True, name="kvs-putmedia-read").start()
        last_data = time.monotonic()
        try:
            yield b""  # sends the 200 now (werkzeug does on a first empty write): a producer may wait for it
            while not self.standin.stopping.is_set():
                try:
                    chunk = chunks.get(timeout=self.standin.idle_ack_s)
                except queue.Empty:
                    if time.monotonic() - last_data >= self.standin.idle_timeout_s:
                        return  # KVS closes a session 30 s after its last data
                    yield ack("IDLE")
                    continue
                if isinstance(chunk, BaseException):
                    return  # the connection dropped: nothing left to answer
                last_data = time.monotonic()
                done = chunk is None
                out, failed = self._consume(chunk)
                yield from out
                if failed or done:
                    return
        finally:
            self.standin.release(self.request.stream.name)

    def _consume(self, chunk: bytes | None) -> tuple[list[bytes], bool]:
        out: list[bytes] = []
        try:
            events = self.splitter.finish() if chunk is None else self.splitter.feed(chunk)
            for event in events:
                out.extend(self._event(event))
        except FragmentTooLarge:
            out.append(self._error(4001))
            return out, True
        except MkvError:
            out.append(self._error(4006))
            return out, True
        except FragmentRefused as refused:
            out.append(self._error(refused.error_id))
            return out, True
        return out, False

    def _error(self, error_id: int) -> bytes:
        timecode, number = self.current if self.current else (-1, "")
        return ack("ERROR", timecode, number, error_id)

    def _producer_ms(self, timecode_ms: int) -> int:
        return self.request.producer_start_ms + timecode_ms if self.request.relative else timecode_ms

    def _event(self, event: ClusterStart | Fragment) -> list[bytes]:
        if isinstance(event, ClusterStart):
            self.current = (event.timecode_ms, self.standin.store.next_number())
            return [ack("BUFFERING", *self.current)]
        if self.current is None or self.current[0] != event.timecode_ms:
            raise MkvError("a Cluster whose Timecode was not read")
        timecode, number = self.current
        producer_ms = self._producer_ms(event.timecode_ms)
        checked = self._check(event, producer_ms)
        out = [ack("RECEIVED", timecode, number)]
        self.previous_ms = producer_ms
        if self.request.stream.retention_hours > 0:
            if find_stream(self.standin.region(), arn=self.request.stream.arn) is None:
                raise FragmentRefused(4008)
            self.standin.persist(self.request.stream, event, checked, number, producer_ms)
            out.append(ack("PERSISTED", timecode, number))
        self.current = None
        return out

    def _check(self, fragment: Fragment, producer_ms: int) -> tuple[int, int]:
        """KVS's per-fragment checks; the frame size PyAV reads from it."""
        if self.previous_ms is not None and producer_ms < self.previous_ms:
            raise FragmentRefused(4004)
        if fragment.duration_ms > MAX_FRAGMENT_MS:
            raise FragmentRefused(4002)
        if any(block.track not in fragment.tracks for block in fragment.blocks):
            raise FragmentRefused(4010)
        if any(not any(b.track == t for b in fragment.blocks) for t in fragment.tracks):
            raise FragmentRefused(4011)
        return probe(fragment.document)


def probe(document: bytes) -> tuple[int, int]:
    """Opens the fragment with PyAV and reads every packet: (width, height); MkvError when
    FFmpeg cannot read it as H.264 in Matroska."""
    import av

    try:
        with av.open(io.BytesIO(document), format="matroska") as container:
            video = container.streams.video[0]
            packets = sum(1 for p in container.demux(video) if p.size)
            width, height = video.codec_context.width, video.codec_context.height
    except (av.FFmpegError, IndexError) as exc:
        raise MkvError(f"PyAV cannot read the fragment: {exc}") from exc
    if not packets:
        raise MkvError("no frames")
    return width, height


def _pump(body: io.RawIOBase, chunks: queue.Queue) -> None:
    """Reads the chunked body as it arrives (the ack generator must not block on it)."""
    try:
        while True:
            data = body.read(READ_SIZE)
            if not data:
                chunks.put(None)
                return
            chunks.put(bytes(data))
    except BaseException as exc:  # the connection closed under us
        chunks.put(exc)


def stored(fragment: Fragment, number: str, producer_ms: int, size: tuple[int, int]) -> StoredFragment:
    track = next(iter(fragment.tracks.values()))
    return StoredFragment(
        fragment_number=number,
        producer_ts_ms=producer_ms,
        server_ts_ms=int(time.time() * 1000),
        duration_ms=fragment.duration_ms,
        size=len(fragment.document),
        width=size[0] or track.width,
        height=size[1] or track.height,
        codec_private=track.codec_private.hex(),
    )
