"""Re-encoding with libx264, only when it is needed: the source is not H.264 (MJPEG, MPEG-4, VP8, raw
from a device) or privacy masks are set (pixels must change). Otherwise the agent remuxes.

Keyframes are forced at fragment boundaries (so fragments are as long as configured whatever the
source's GOP), no B-frames and no lookahead (tune zerolatency): low latency for live view.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
from av.video.frame import PictureType

MS = Fraction(1, 1000)


@dataclass(frozen=True)
class EncodedPacket:
    """An encoded access unit: pts in ms, Annex B bytes (SPS/PPS in-band before each IDR), keyframe."""

    pts_ms: int
    data: bytes
    keyframe: bool


class H264Encoder:
    """libx264 for one picture size; a new size needs a new encoder (and gives a new track)."""

    def __init__(
        self, width: int, height: int, fps: float = 30.0, keyframe_ms: int = 2000, preset: str = "veryfast"
    ) -> None:
        ctx = av.CodecContext.create("libx264", "w")
        ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
        ctx.time_base = MS
        ctx.framerate = Fraction(fps).limit_denominator(1001)
        ctx.gop_size = 10_000  # keyframes come from forced IDRs at fragment boundaries
        ctx.options = {"preset": preset, "tune": "zerolatency", "forced-idr": "1", "crf": "23"}
        ctx.open()
        self.ctx, self.width, self.height = ctx, width, height
        self.keyframe_ms = keyframe_ms
        self._last_key_ms: int | None = None

    def encode(self, frame: av.VideoFrame, pts_ms: int) -> list[EncodedPacket]:
        """Encode one frame at `pts_ms`; an IDR when a fragment's worth of time has passed since the last."""
        frame.pts, frame.time_base = pts_ms, MS
        if self._last_key_ms is None or pts_ms - self._last_key_ms >= self.keyframe_ms:
            frame.pict_type = PictureType.I
            self._last_key_ms = pts_ms
        else:
            frame.pict_type = PictureType.NONE
        return self._packets(self.ctx.encode(frame))

    def flush(self) -> list[EncodedPacket]:
        """Whatever the encoder still holds."""
        return self._packets(self.ctx.encode(None))

    @staticmethod
    def _packets(packets) -> list[EncodedPacket]:
        return [EncodedPacket(int(p.pts), bytes(p), p.is_keyframe) for p in packets if p.size]
