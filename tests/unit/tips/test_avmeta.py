"""Videos and audio lose their location and device tags, and still play frame for frame."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from rtcc.tips.avmeta import MediaMetadataError, strip_av_metadata

LOCATION = "+37.7749-122.4194/"


def phone_video(fmt: str = "mov", options: dict | None = None, metadata: dict | None = None) -> bytes:
    """A real H.264 video written by FFmpeg (PyAV) with the tags a phone writes."""
    buf = io.BytesIO()
    container = av.open(buf, mode="w", format=fmt, options=options or {})
    for key, value in (metadata or {"location": LOCATION, "make": "PhoneMaker", "model": "X1"}).items():
        container.metadata[key] = value
    stream = container.add_stream("libx264", rate=10)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
    for i in range(12):
        frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, dtype=np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return buf.getvalue()


def frames(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


@pytest.mark.parametrize(
    ("fmt", "options", "metadata"),
    [
        ("mov", None, None),  # QuickTime user data: ©xyz, ©mak, ©mod
        (
            "mp4",
            {"movflags": "use_metadata_tags"},  # the keys/ilst form iPhones write
            {"com.apple.quicktime.location.ISO6709": LOCATION, "com.apple.quicktime.make": "PhoneMaker"},
        ),
    ],
)
def test_location_and_device_go_and_every_frame_stays(fmt, options, metadata) -> None:
    original = phone_video(fmt, options, metadata)
    assert LOCATION.encode() in original and b"PhoneMaker" in original  # the test would notice
    cleaned = strip_av_metadata(original)
    assert LOCATION.encode() not in cleaned and b"PhoneMaker" not in cleaned
    assert len(cleaned) == len(original)  # blanked in place: no sample offset moved
    before, after = frames(original), frames(cleaned)
    assert len(after) == len(before) == 12
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_a_broken_box_structure_is_refused_not_stored_with_its_tags() -> None:
    video = phone_video()
    with pytest.raises(MediaMetadataError, match="bad size"):
        strip_av_metadata(video[:-200])  # the last box claims more bytes than there are


def test_mp3_tags_at_both_ends_are_cut_off() -> None:
    frame = b"\xff\xfb\x90\x64" + bytes(413)  # an MPEG-1 Layer III frame header and body
    tag_body = b"TIT2\x00\x00\x00\x05\x00\x00\x00Home" + b"TXXX\x00\x00\x00\x0a\x00\x00\x00GPS 37.7"
    size = len(tag_body)
    id3v2 = b"ID3\x03\x00\x00" + bytes(
        [(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F]
    )
    id3v1 = b"TAG" + b"Recorded at home".ljust(30, b"\x00") + bytes(95)
    cleaned = strip_av_metadata(id3v2 + tag_body + frame * 3 + id3v1)
    assert cleaned == frame * 3


def test_containers_it_does_not_rewrite_are_left_as_they_are() -> None:
    webm = b"\x1a\x45\xdf\xa3" + bytes(60)
    assert strip_av_metadata(webm) == webm
