"""Privacy masks: polygons (in fractions of the frame, so they survive a resolution change) blacked out of
every frame before it is encoded, and left out of motion detection. A camera owner uses them to keep a
neighbour's window or garden out of what the city receives; masked pixels never leave the agent.
"""

from __future__ import annotations

from collections.abc import Sequence

import av
import cv2
import numpy as np

Y_BLACK, C_NEUTRAL = 16, 128  # limited-range video black


class PrivacyMask:
    """A set of polygons, each at least 3 [x, y] points with 0 <= x, y <= 1 (fractions of width/height)."""

    def __init__(self, polygons: Sequence[Sequence[Sequence[float]]] = ()) -> None:
        self.polygons = tuple(_checked(i, poly) for i, poly in enumerate(polygons))
        self._bitmaps: dict[tuple[int, int], np.ndarray] = {}

    def __bool__(self) -> bool:
        return bool(self.polygons)

    def bitmap(self, width: int, height: int) -> np.ndarray:
        """A (height, width) bool array, True where a polygon covers the pixel (cached per size)."""
        key = (width, height)
        if key not in self._bitmaps:
            canvas = np.zeros((height, width), np.uint8)
            for poly in self.polygons:
                points = np.array(
                    [[round(x * (width - 1)), round(y * (height - 1))] for x, y in poly], np.int32
                )
                cv2.fillPoly(canvas, [points], 1)
            self._bitmaps[key] = canvas.astype(bool)
        return self._bitmaps[key]

    def apply(self, frame: av.VideoFrame) -> av.VideoFrame:
        """The frame with every masked pixel black (YUV 4:2:0 out; timestamps kept)."""
        if not self.polygons:
            return frame
        width, height = frame.width, frame.height
        if width % 2 or height % 2:
            rgb = frame.to_ndarray(format="rgb24")
            rgb[self.bitmap(width, height)] = 0
            out = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        else:
            out = av.VideoFrame.from_ndarray(self._black_yuv(frame), format="yuv420p")
        out.pts = frame.pts
        if frame.time_base is not None:
            out.time_base = frame.time_base
        return out

    def _black_yuv(self, frame: av.VideoFrame) -> np.ndarray:
        width, height = frame.width, frame.height
        planes = frame.to_ndarray(format="yuv420p")
        planes[:height][self.bitmap(width, height)] = Y_BLACK
        # A chroma sample is masked when any of its 2x2 luma pixels is: no coloured fringe at the edges.
        chroma = self.bitmap(width, height).reshape(height // 2, 2, width // 2, 2).any(axis=(1, 3))
        quarter = height * width // 4
        flat = planes[height:].reshape(-1)
        for plane in (flat[:quarter], flat[quarter:]):
            plane.reshape(height // 2, width // 2)[chroma] = C_NEUTRAL
        return planes


def _checked(index: int, polygon: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    where = f"privacy_masks[{index}]"
    if len(polygon) < 3:
        raise ValueError(f"{where}: a polygon needs at least 3 points, got {len(polygon)}")
    points = []
    for j, point in enumerate(polygon):
        if len(point) != 2:
            raise ValueError(f"{where}[{j}]: a point is [x, y]")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValueError(f"{where}[{j}]: x and y are fractions of the frame, 0..1 (got {x}, {y})")
        points.append((x, y))
    return tuple(points)
