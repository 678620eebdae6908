"""A test pattern whose frames carry their own time: a row of black/white cells across the top encodes
the frame's epoch milliseconds (48 bits + an 8-bit check, framed by fixed marker cells), so a test or the
latency benchmark can read, from any decoded frame at any scale, when that frame was made.

Used by the agent's tests, the local KVS stand-in's and the console's tests and bench/video.py.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

CELLS = 60  # 2 start markers + 48 bits of ms + 8 check bits + 2 end markers
_START, _END = (1, 0), (0, 1)
WHITE, BLACK = 235, 16
_CONTAINER_BY_CODEC = {"libvpx": "webm", "vp8": "webm"}


def _check(ms: int) -> int:
    return (sum(ms.to_bytes(6, "big")) & 0xFF) ^ 0xA5


def time_bits(ms: int) -> list[int]:
    """The 60 cells (1 = white) that encode `ms`."""
    bits = [(ms >> (47 - i)) & 1 for i in range(48)] + [(_check(ms) >> (7 - i)) & 1 for i in range(8)]
    return [*_START, *bits, *_END]


def _cell_height(width: int) -> int:
    return max(8, width // CELLS)


def _background(width: int, height: int, textured: bool) -> np.ndarray:
    if not textured:
        return np.full((height, width, 3), 96, np.uint8)
    # Fixed noise: keyframes as large as a real scene's, P-frames small (a mostly static street).
    rng = np.random.default_rng(13)
    small = rng.integers(40, 200, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    return np.repeat(np.repeat(small, 8, axis=0), 8, axis=1)[:height, :width].copy()


def pattern_frame(
    size: tuple[int, int], ms: int, index: int, moving: bool = True, background: np.ndarray | None = None
) -> np.ndarray:
    """One RGB frame (H, W, 3): the time row for `ms` at the top and, when `moving`, a white square that
    moves across the picture with `index`."""
    width, height = size
    frame = background.copy() if background is not None else np.full((height, width, 3), 96, np.uint8)
    cell_h = _cell_height(width)
    if moving:
        side = max(8, height // 5)
        x = (index * max(2, width // 90)) % max(1, width - side)
        y = cell_h + (height - cell_h - side) // 2
        frame[y : y + side, x : x + side] = 255
    edges = np.linspace(0, width, CELLS + 1).astype(int)
    for i, bit in enumerate(time_bits(ms)):
        frame[:cell_h, edges[i] : edges[i + 1]] = WHITE if bit else BLACK
    return frame


def read_burned_time(frame: np.ndarray) -> int:
    """The epoch ms burned into a decoded frame (H, W, 3 RGB/BGR or H, W gray), at any scale;
    ValueError when the row is absent or fails its check."""
    gray = frame if frame.ndim == 2 else frame.mean(axis=2)
    height, width = gray.shape
    cell_h = _cell_height(width)
    edges = np.linspace(0, width, CELLS + 1)
    row = gray[cell_h // 4 : max(cell_h // 4 + 1, 3 * cell_h // 4)]
    cells = []
    for i in range(CELLS):
        lo, hi = edges[i], edges[i + 1]
        a, b = int(lo + (hi - lo) / 4), max(int(lo + (hi - lo) / 4) + 1, int(hi - (hi - lo) / 4))
        cells.append(1 if row[:, a:b].mean() >= (WHITE + BLACK) / 2 else 0)
    if tuple(cells[:2]) != _START or tuple(cells[-2:]) != _END:
        raise ValueError("no burned time row in this frame")
    ms = int("".join(map(str, cells[2:50])), 2)
    if int("".join(map(str, cells[50:58])), 2) != _check(ms):
        raise ValueError("burned time row fails its check")
    return ms


def write_test_pattern(
    path: str | Path,
    seconds: float,
    fps: int = 30,
    size: tuple[int, int] = (1920, 1080),
    burn_time: bool = True,
    *,
    start_ms: int | None = None,
    codec: str = "libx264",
    moving: bool = True,
    textured: bool = False,
    gop: int | None = None,
    bframes: int = 0,
) -> Path:
    """Write an H.264 (or `codec`) test pattern file (container from the suffix: .mp4, .mkv, .ts, .webm):
    `seconds` at `fps`, each frame's time (start_ms + i/fps s; start_ms defaults to now) burned in when
    `burn_time`, a keyframe every `gop` frames (default 2 s), `bframes` B-frames between references
    (libx264; 0, as live cameras send, by default)."""
    path = Path(path)
    start = int(time.time() * 1000) if start_ms is None else start_ms
    background = _background(size[0], size[1], textured)
    fmt = _CONTAINER_BY_CODEC.get(codec) if path.suffix == ".webm" else None
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.gop_size = gop or fps * 2
        if codec == "libx264":
            # No scene-cut keyframes: keyframes exactly every `gop` frames, so tests know where they are.
            opts = {"preset": "veryfast", "x264-params": f"scenecut=0:bframes={bframes}"}
            if not bframes:
                opts["tune"] = "zerolatency"
            stream.codec_context.options = opts
        for i in range(int(round(seconds * fps))):
            ms = start + i * 1000 // fps
            pixels = pattern_frame(size, ms, i, moving, background)
            if not burn_time:
                pixels[: _cell_height(size[0])] = background[: _cell_height(size[0])]
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
