"""Motion detection on sampled, downscaled frames (OpenCV frame differencing; no recognition of anyone).

In remux mode only keyframes are decoded (an IDR decodes on its own, so no other frame is touched) and at
most `sample_fps` of them; when the agent re-encodes anyway, every Nth decoded frame is sampled. Samples
are grey, at most `width` pixels wide: the cost per stream stays a small fraction of a core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import av
import cv2
import numpy as np

from kvs_ingest.masks import PrivacyMask


@dataclass(frozen=True)
class MotionEvent:
    """Motion seen at `at` (UTC) with `score` = the changed share of the unmasked picture, 0..1."""

    at: datetime
    score: float

    def as_json(self, camera_id: str) -> dict:
        """The body of POST /api/public/video/motion."""
        return {"camera_id": camera_id, "at": self.at.isoformat().replace("+00:00", "Z"), "score": self.score}


class MotionDetector:
    """Compares each sample with the previous one; an event when the changed share reaches `threshold`,
    at most one per `cooldown_s`."""

    def __init__(
        self,
        threshold: float = 0.02,
        sample_fps: float = 2.0,
        width: int = 320,
        cooldown_s: float = 10.0,
        masks: PrivacyMask | None = None,
        pixel_delta: int = 25,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold: a share of the picture, 0 < threshold <= 1")
        if sample_fps <= 0:
            raise ValueError("sample_fps: must be > 0")
        self.threshold, self.width, self.pixel_delta = threshold, width, pixel_delta
        self.interval_ms = 1000.0 / sample_fps
        self.cooldown_ms = cooldown_s * 1000
        self.masks = masks or PrivacyMask()
        self.samples = 0
        self.last_score = 0.0
        self._prev: np.ndarray | None = None
        self._last_sample_ms: int | None = None
        self._last_event_ms: int | None = None

    def wants(self, ms: int) -> bool:
        """Whether a frame at `ms` (source timeline) is due for a sample."""
        return self._last_sample_ms is None or ms - self._last_sample_ms >= self.interval_ms * 0.9

    def sample(self, frame: av.VideoFrame, ms: int) -> np.ndarray:
        """The frame as a small blurred grey image (swscale does the downscale, in C)."""
        width = min(self.width, frame.width)
        height = max(2, round(frame.height * width / frame.width / 2) * 2)
        grey = frame.reformat(width=width, height=height, format="gray").to_ndarray()
        self._last_sample_ms = ms
        return cv2.GaussianBlur(grey, (5, 5), 0)

    def compare(self, grey: np.ndarray, producer_ms: int) -> MotionEvent | None:
        """Score `grey` against the previous sample; a MotionEvent when it is motion and not cooling down."""
        prev, self._prev = self._prev, grey
        self.samples += 1
        if prev is None or prev.shape != grey.shape:
            return None
        changed = cv2.absdiff(prev, grey) > self.pixel_delta
        if self.masks:
            visible = ~self.masks.bitmap(grey.shape[1], grey.shape[0])
            changed &= visible
            area = max(1, int(visible.sum()))
        else:
            area = changed.size
        self.last_score = score = float(changed.sum()) / area
        if score < self.threshold:
            return None
        if self._last_event_ms is not None and producer_ms - self._last_event_ms < self.cooldown_ms:
            return None
        self._last_event_ms = producer_ms
        return MotionEvent(datetime.fromtimestamp(producer_ms / 1000, UTC), round(min(1.0, score), 4))
