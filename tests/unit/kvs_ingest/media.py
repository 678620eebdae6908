"""Media for the agent's media tests: small generated test patterns (320x240, 15 fps) in several codecs and
shapes, made with PyAV (libx264, mpeg4 and libvpx are in PyAV's wheel)."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from kvs_ingest.testpattern import pattern_frame

FPS = 15
SIZE = (320, 240)
START_MS = 1_790_000_000_000


def decode_fragment(data: bytes) -> list[np.ndarray]:
    """Every frame of a fragment document as RGB arrays (raises if any packet fails to decode)."""
    with av.open(io.BytesIO(data), format="matroska") as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _ts_part(path: Path, size: tuple[int, int], first: int, pts0: int, frames: int) -> bytes:
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.gop_size = FPS
        stream.codec_context.options = {"tune": "zerolatency", "preset": "veryfast"}
        for k in range(frames):
            pixels = pattern_frame(size, START_MS + (first + k) * 1000 // FPS, first + k)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = pts0 + k, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path.read_bytes()


def write_two_part_ts(path: Path, sizes: tuple, seconds_each: float = 3, reset_pts: bool = False) -> Path:
    """An MPEG-TS H.264 stream (Annex B, SPS/PPS in-band): one encoder per entry of `sizes`, the parts
    concatenated as a camera that switches resolution (or restarts, timestamps from 0: `reset_pts`)
    mid-stream sends them."""
    frames = int(seconds_each * FPS)
    parts = [
        _ts_part(path.with_suffix(f".part{i}.ts"), size, i * frames, 0 if reset_pts else i * frames, frames)
        for i, size in enumerate(sizes)
    ]
    path.write_bytes(b"".join(parts))
    return path


def write_raw_h264(source: Path, path: Path) -> Path:
    """The H.264 of `source` as a raw Annex B elementary stream (.h264): no container, no timestamps."""
    with av.open(str(source)) as src, av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(video=0):
            if packet.size:
                packet.stream = stream
                out.mux(packet)
    return path
