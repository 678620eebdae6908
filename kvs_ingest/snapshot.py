"""Still images of a camera: a JPEG from a decoded frame or from a fragment's first keyframe (what the
agent's health page and a camera owner's setup check show; no person is identified from it).
"""

from __future__ import annotations

import io

import av
import cv2


class SnapshotError(ValueError):
    """The bytes hold no decodable picture."""


def jpeg_from_frame(frame: av.VideoFrame, max_width: int = 640, quality: int = 85) -> bytes:
    """The frame as a JPEG at most `max_width` pixels wide (aspect kept)."""
    width = min(max_width, frame.width)
    height = max(2, round(frame.height * width / frame.width))
    bgr = frame.reformat(width=width, height=height, format="bgr24").to_ndarray()
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SnapshotError("JPEG encoding failed")
    return encoded.tobytes()


def snapshot_from_fragment(data: bytes, max_width: int = 640, quality: int = 85) -> bytes:
    """A JPEG of the first frame of a fragment document (Fragment.data): it starts with a keyframe, so
    only that one frame is decoded."""
    try:
        with av.open(io.BytesIO(data), format="matroska") as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_count = 1
            for packet in container.demux(stream):
                for frame in packet.decode():
                    return jpeg_from_frame(frame, max_width, quality)
    except (av.error.FFmpegError, IndexError) as exc:
        raise SnapshotError(f"no decodable picture in the fragment: {exc}") from None
    raise SnapshotError("no decodable picture in the fragment")
