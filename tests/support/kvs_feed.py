"""Test support (not product): feeds a local stack's KVS stand-in through real PutMedia.

    feeder = feed(local_stack, stream_name, seconds=6)          # a background thread
    feeder.wait_persisted(2)                                    # two fragments stored
    feeder.join()                                               # all sent, acks read
    feeder.acks                                                 # every ack, as dicts

A test pattern is encoded with PyAV (libx264 ultrafast, 320x240, no B-frames, one GOP
per fragment), each fragment written as the contract's self-contained Matroska document
(EBML header, Segment, Info, Tracks with the avcC, one Cluster whose Timecode is the
absolute producer time in ms, SimpleBlocks), and the documents are sent on one chunked
POST /putMedia signed by botocore's SigV4 (headers only; the empty-body payload hash).
With live=True each fragment leaves when its last frame's time has come.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

FPS = 15
SIZE = (320, 240)


# --- Matroska (the contract's wire format) ---------------------------------------------------


def _size(n: int) -> bytes:
    return (n | (1 << 56)).to_bytes(8, "big")  # 8-byte EBML size: simple, always fits


def element(element_id: int, payload: bytes) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big") + _size(len(payload)) + payload


def _uint(element_id: int, value: int) -> bytes:
    return element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def header(codec_private: bytes, width: int, height: int) -> bytes:
    ebml = element(
        0x1A45DFA3,
        _uint(0x4286, 1)
        + _uint(0x42F7, 1)
        + _uint(0x42F2, 4)
        + _uint(0x42F3, 8)
        + element(0x4282, b"matroska")
        + _uint(0x4287, 4)
        + _uint(0x4285, 2),
    )
    info = element(
        0x1549A966,
        _uint(0x2AD7B1, 1_000_000) + element(0x4D80, b"rtcc-ingest") + element(0x5741, b"rtcc-ingest"),
    )
    video = element(0xE0, _uint(0xB0, width) + _uint(0xBA, height))
    entry = element(
        0xAE,
        _uint(0xD7, 1)
        + _uint(0x73C5, 1)
        + _uint(0x83, 1)
        + element(0x86, b"V_MPEG4/ISO/AVC")
        + element(0x63A2, codec_private)
        + video,
    )
    segment_head = bytes.fromhex("18538067") + bytes([0x01] + [0xFF] * 7)  # unknown size: streamed
    return ebml + segment_head + info + element(0x1654AE6B, entry)


def cluster(timecode_ms: int, frames: list[tuple[int, bool, bytes]], track: int = 1) -> bytes:
    """One Cluster: `frames` are (ms after the Cluster's timecode, keyframe, AVCC data)."""
    blocks = b"".join(
        element(
            0xA3,
            bytes([0x80 | track]) + rel.to_bytes(2, "big", signed=True) + bytes([0x80 if key else 0]) + data,
        )
        for rel, key, data in frames
    )
    return element(0x1F43B675, _uint(0xE7, timecode_ms) + blocks)


# --- H.264 with PyAV ----------------------------------------------------------------------------


def _nal_units(annexb: bytes) -> list[bytes]:
    units, i = [], 0
    data = annexb.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01")
    for part in data.split(b"\x00\x00\x01"):
        if part:
            units.append(part.rstrip(b"\x00") if i else part)
        i += 1
    return [u for u in units if u]


def _avcc_record(extradata: bytes) -> bytes:
    if extradata[:1] == b"\x01":
        return extradata  # already an AVCDecoderConfigurationRecord
    units = _nal_units(extradata)
    sps = next(u for u in units if u[0] & 0x1F == 7)
    pps = next(u for u in units if u[0] & 0x1F == 8)
    return (
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1])
        + len(sps).to_bytes(2, "big")
        + sps
        + b"\x01"
        + len(pps).to_bytes(2, "big")
        + pps
    )


def _length_prefixed(packet: bytes) -> bytes:
    return b"".join(len(u).to_bytes(4, "big") + u for u in _nal_units(packet) if u[0] & 0x1F not in (7, 8, 9))


@dataclass
class EncodedFragment:
    producer_ms: int
    document: bytes
    frames: int


def encode_fragments(
    seconds: float, start_ms: int, fragment_s: float = 2.0, fps: int = FPS, size: tuple[int, int] = SIZE
) -> list[EncodedFragment]:
    """Keyframe-aligned fragments of a moving test pattern, producer time from `start_ms`."""
    import av
    import numpy as np

    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = size[0], size[1], "yuv420p"
    codec.time_base = Fraction(1, fps)
    codec.framerate = fps
    per_fragment = max(1, round(fragment_s * fps))
    codec.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "g": str(per_fragment),
        "keyint_min": str(per_fragment),
        "sc_threshold": "0",
        "bf": "0",
    }
    codec.flags |= av.codec.context.Flags.global_header
    packets: list[tuple[int, bool, bytes]] = []
    total = max(1, round(seconds * fps))
    for index in range(total + 1):
        frame = None
        if index < total:
            image = np.zeros((size[1], size[0], 3), np.uint8)
            image[:, :, 0] = (np.arange(size[0]) + index * 4) % 256
            image[:, :, 1] = (np.arange(size[1])[:, None] * 2 + index) % 256
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
        for packet in codec.encode(frame):
            packets.append((int(packet.pts), bool(packet.is_keyframe), bytes(packet)))
    head = header(_avcc_record(bytes(codec.extradata)), *size)
    out: list[EncodedFragment] = []
    for first in range(0, len(packets), per_fragment):
        group = packets[first : first + per_fragment]
        base = start_ms + group[0][0] * 1000 // fps
        frames = [
            (p * 1000 // fps - group[0][0] * 1000 // fps, key, _length_prefixed(d)) for p, key, d in group
        ]
        out.append(EncodedFragment(base, head + cluster(base, frames), len(group)))
    return out


# --- PutMedia ---------------------------------------------------------------------------------


def signed_headers(
    url: str, stream_name: str, region: str, access_key: str, secret_key: str
) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url=f"{url}/putMedia",
        headers={
            "x-amzn-stream-name": stream_name,
            "x-amzn-fragment-timecode-type": "ABSOLUTE",
            "x-amzn-producer-start-timestamp": f"{time.time():.3f}",
        },
    )
    SigV4Auth(Credentials(access_key, secret_key), "kinesisvideo", region).add_auth(request)
    return dict(request.headers.items())


@dataclass
class Feeder:
    thread: threading.Thread | None = None
    acks: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    error_body: str = ""
    sent: list[EncodedFragment] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def join(self, timeout: float = 120) -> Feeder:
        assert self.thread is not None
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the feeder did not finish"
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def persisted(self) -> list[dict[str, Any]]:
        return [a for a in self.acks if a["EventType"] == "PERSISTED"]

    def wait_persisted(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.persisted()) >= count or self._done(), timeout)
        assert len(self.persisted()) >= count, f"persisted: {self.persisted()} of acks {self.acks}"
        return self.persisted()

    def _done(self) -> bool:
        return self.thread is not None and not self.thread.is_alive()


def _body(fragments: list[EncodedFragment], live: bool, feeder: Feeder) -> Iterator[bytes]:
    for fragment in fragments:
        if feeder.stop_event.is_set():
            return
        if live:  # a live camera sends a fragment once its last frame was taken
            wait = (fragment.producer_ms + fragment.frames * 1000 / FPS) / 1000 - time.time()
            if wait > 0:
                time.sleep(wait)
        feeder.sent.append(fragment)
        yield fragment.document


class PutMediaConnection:
    """One chunked PutMedia call, driven by hand: send() documents, read acks as they come.

    conn = PutMediaConnection(url, stream, region, keys)
    conn.status            # 200, or KVS's error status (conn.error_body says why)
    conn.send(document); conn.next_ack(); conn.end()
    """

    def __init__(
        self, url: str, stream: str, region: str, keys: tuple[str, str], headers: dict | None = None
    ):
        where = urlsplit(url)
        signed = headers if headers is not None else signed_headers(url, stream, region, *keys)
        self.sock = socket.create_connection((where.hostname, where.port), timeout=60)
        lines = ["POST /putMedia HTTP/1.1", f"Host: {where.netloc}", "Transfer-Encoding: chunked"]
        lines += [f"{name}: {value}" for name, value in signed.items() if name.lower() != "host"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.response = http.client.HTTPResponse(self.sock)
        self.response.begin()
        self.status = self.response.status
        self.error_type = self.response.getheader("x-amzn-ErrorType") or ""
        self.error_body = "" if self.status == 200 else self.response.read().decode("utf-8", "replace")

    def send(self, document: bytes) -> None:
        self.sock.sendall(f"{len(document):x}\r\n".encode() + document + b"\r\n")

    def end(self) -> None:
        self.sock.sendall(b"0\r\n\r\n")

    def next_ack(self) -> dict[str, Any] | None:
        """The next ack (blocking), or None once the answer ended."""
        while line := self.response.readline():
            if line.strip():
                return json.loads(line)
        return None

    def close(self) -> None:
        self.sock.close()


def push(
    url: str,
    stream: str,
    region: str,
    keys: tuple[str, str],
    fragments: list[EncodedFragment],
    live: bool = True,
    feeder: Feeder | None = None,
) -> Feeder:
    """Sends `fragments` on one PutMedia call while reading its acks as they come (a writer
    thread: the acks must not wait for the end of the body). Blocks until the answer ends."""
    feeder = feeder or Feeder()
    conn = PutMediaConnection(url, stream, region, keys)
    feeder.status, feeder.error_body = conn.status, conn.error_body
    if conn.status != 200:
        conn.close()
        return feeder

    def write() -> None:
        try:
            for document in _body(fragments, live, feeder):
                conn.send(document)
            conn.end()
        except OSError:
            pass  # the server ended the call (an ERROR ack, or it stopped)

    writer = threading.Thread(target=write, daemon=True, name="kvs-feed-write")
    writer.start()
    try:
        while (ack := conn.next_ack()) is not None:
            with feeder._changed:
                feeder.acks.append(ack)
                feeder._changed.notify_all()
    except (OSError, http.client.HTTPException) as exc:
        feeder.error_body = f"connection: {exc}"
    finally:
        conn.close()
        writer.join(5)
    return feeder


def feed(
    local_stack: Any,
    stream_name: str,
    seconds: float,
    live: bool = True,
    fragment_s: float = 2.0,
    keys: tuple[str, str] = ("testing", "testing"),
) -> Feeder:
    """Encodes `seconds` of test pattern and pushes it to `stream_name` from a thread."""
    media = local_stack.kvs_media
    start_ms = int(time.time() * 1000) - (0 if live else int(seconds * 1000))
    fragments = encode_fragments(seconds, start_ms, fragment_s)
    feeder = Feeder()
    region = local_stack.settings.region

    def run() -> None:
        try:
            push(media.url, stream_name, region, keys, fragments, live, feeder)
        except OSError as exc:
            feeder.error_body = str(exc)
        finally:
            with feeder._changed:
                feeder._changed.notify_all()

    feeder.thread = threading.Thread(target=run, name=f"kvs-feed-{stream_name}", daemon=True)
    feeder.thread.start()
    return feeder
