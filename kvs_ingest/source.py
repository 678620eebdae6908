"""Camera sources opened with PyAV (FFmpeg): RTSP (over TCP), a file (optionally looped, paced to its own
timestamps), or a local capture device (`device:/dev/video0`, V4L2).

A source that cannot be opened or stops answering raises `SourceUnavailable(reason)`, quickly (open and
read timeouts), with any password in the URL masked: the agent logs the reason and retries with backoff.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import av

from kvs_ingest.logsafe import scrub

DEVICE_PREFIX = "device:"
#: The protocols FFmpeg may open for a network source, sub-resources included: a hostile camera's SDP,
#: playlist or redirect cannot make it open a local file, `data:`, or RTP/UDP sockets where it says.
PROTOCOL_WHITELIST = {
    "rtsp": "rtsp,rtsps,rtp,srtp,tcp,udp,tls",
    "rtsps": "rtsp,rtsps,rtp,srtp,tcp,udp,tls",
    "http": "http,https,tcp,tls",
    "https": "http,https,tcp,tls",
}
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@")


class SourceUnavailable(Exception):
    """The camera source cannot be opened or read; `reason` says why (no credentials in it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def redact(url: str) -> str:
    """The URL with any `user:password@` replaced by `***@`, and secret query parameters (`?pwd=`,
    `&password=`: how many cameras take theirs) masked: camera passwords never reach a log."""
    return scrub(_USERINFO.sub(r"\1***@", url))


@dataclass(frozen=True)
class SourceSpec:
    """Where the video comes from: `rtsp://…`/`rtsps://…`, a file path, or `device:/dev/video0`.

    loop: a file starts again at its end (timestamps keep increasing). realtime: a file is read at its
    own pace (default for files; a benchmark or test reads as fast as it can with False).
    """

    url: str
    loop: bool = False
    realtime: bool | None = None
    open_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """ "rtsp", "device", "url" (another network scheme) or "file"."""
        if self.url.startswith(DEVICE_PREFIX):
            return "device"
        scheme = self.url.split("://", 1)[0].lower() if "://" in self.url else ""
        if scheme in ("rtsp", "rtsps"):
            return "rtsp"
        return "url" if scheme else "file"

    @property
    def paced(self) -> bool:
        """Whether packets are released at the pace of their timestamps (files only)."""
        return self.kind == "file" and (self.realtime is None or self.realtime)


@dataclass(slots=True)
class SourcePacket:
    """A demuxed packet: times in ms on the source's (loop-adjusted) timeline, its bytes, flags, and the
    PyAV packet itself (for decoding)."""

    pts_ms: int
    data: bytes
    keyframe: bool
    corrupt: bool
    packet: av.Packet


def _open_args(spec: SourceSpec) -> tuple[str, dict]:
    options = dict(spec.options)
    kwargs: dict = {"timeout": (spec.open_timeout_s, spec.read_timeout_s)}
    if spec.kind == "rtsp":
        options.setdefault("rtsp_transport", "tcp")
        options.setdefault("timeout", str(int(spec.read_timeout_s * 1_000_000)))  # socket I/O, in µs
    if spec.kind == "device":
        kwargs["format"] = options.pop("format", "v4l2")
        return spec.url[len(DEVICE_PREFIX) :], {**kwargs, "options": options}
    if spec.kind == "file" and not os.path.exists(spec.url):
        raise SourceUnavailable(f"no such file: {spec.url}")
    scheme = spec.url.split("://", 1)[0].lower()
    if spec.kind in ("rtsp", "url") and scheme in PROTOCOL_WHITELIST:
        options["protocol_whitelist"] = PROTOCOL_WHITELIST[scheme]  # never widened by spec.options
    return spec.url, {**kwargs, "options": options}


def open_source(spec: SourceSpec) -> MediaSource:
    """Open the source and its first video stream; SourceUnavailable (fast) when that fails."""
    target, kwargs = _open_args(spec)
    try:
        container = av.open(target, **kwargs)
    except (av.error.FFmpegError, OSError) as exc:
        raise SourceUnavailable(f"cannot open {redact(spec.url)}: {_why(exc)}") from None
    if not container.streams.video:
        container.close()
        raise SourceUnavailable(f"{redact(spec.url)} has no video stream")
    return MediaSource(spec, container)


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return redact(str(text))


class MediaSource:
    """An open source: its video stream's codec and parameters, its packets, a decoder."""

    def __init__(self, spec: SourceSpec, container) -> None:
        self.spec = spec
        self.container = container
        self.stream = container.streams.video[0]
        ctx = self.stream.codec_context
        self.codec_name: str = ctx.name
        self.width: int = ctx.width
        self.height: int = ctx.height
        self.extradata: bytes = bytes(ctx.extradata or b"")
        rate = self.stream.average_rate or self.stream.guessed_rate
        self.fps: float = float(rate) if rate else 30.0
        self._offset = 0  # loop offset, in stream time-base units
        self._closed = False

    def packets(self) -> Iterator[SourcePacket]:
        """The stream's packets in decode order (looping and pacing as the spec says); SourceUnavailable
        when reading fails or a live source ends its stream (the frames before it are still yielded)."""
        while not self._closed:
            end = yield from self._one_pass()
            if self._closed:
                return
            if self.spec.kind != "file":  # a camera has no end: it hung up
                raise SourceUnavailable(f"{redact(self.spec.url)} ended the stream")
            if not self.spec.loop or end is None:
                return
            self._rewind(end)

    def _one_pass(self) -> Iterator[SourcePacket]:
        # The hot loop of remuxing (every packet of every camera): integer time arithmetic, no Fractions.
        num, den = self.stream.time_base.numerator * 1000, self.stream.time_base.denominator
        paced, offset = self.spec.paced, self._offset
        tb = self.stream.time_base
        frame_tb = max(1, round(tb.denominator / (tb.numerator * self.fps)))  # when packets carry no duration
        last_end, clock0, ms0 = 0, time.monotonic(), None
        untimed = self.stream.start_time or 0  # the time given to a packet that has none
        try:
            for packet in self.container.demux(self.stream):
                # The demuxer's end-of-stream packet, or an empty one a broken or hostile source sends:
                # decoded, an empty packet drains FFmpeg's decoder for good (every later one: EOF).
                if not packet.size:
                    continue
                raw = packet.pts
                if raw is None:
                    raw = packet.dts
                    if raw is None:
                        raw = untimed  # a stream without timestamps (raw H.264): one frame after another
                        packet.dts = raw
                if self._closed:
                    return None
                if offset:
                    packet.pts = raw + offset
                    if packet.dts is not None:
                        packet.dts += offset
                pts_ms = (raw + offset) * num // den
                end = raw + (packet.duration or frame_tb)
                untimed = end
                if end > last_end:
                    last_end = end
                if paced:
                    ms0 = pts_ms if ms0 is None else ms0
                    _pace(clock0 + (pts_ms - ms0) / 1000)
                yield SourcePacket(pts_ms, bytes(packet), packet.is_keyframe, packet.is_corrupt, packet)
        except av.error.FFmpegError as exc:
            raise SourceUnavailable(f"reading {redact(self.spec.url)} failed: {_why(exc)}") from None
        return last_end or None

    def _rewind(self, last_end: int) -> None:
        """Back to the file's start; later packets are shifted to follow the last one."""
        self._offset += last_end - (self.stream.start_time or 0)
        try:
            self.container.seek(0, stream=self.stream)
            self.stream.codec_context.flush_buffers()
        except av.error.FFmpegError:  # not seekable by time (raw H.264 has none): open it again
            self.container.close()
            target, kwargs = _open_args(self.spec)
            self.container = av.open(target, **kwargs)
            self.stream = self.container.streams.video[0]

    def decode(self, packet: av.Packet) -> list:
        """Decode one packet with the stream's decoder (av.error.FFmpegError when it is broken)."""
        return list(self.stream.codec_context.decode(packet))

    def close(self) -> None:
        """Stop reading and release the source (idempotent)."""
        if not self._closed:
            self._closed = True
            self.container.close()


def _pace(deadline: float) -> None:
    while (delay := deadline - time.monotonic()) > 0:
        time.sleep(min(delay, 0.5))
