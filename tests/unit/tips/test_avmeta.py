"""Videos and audio lose their location and device tags, and still play frame for frame."""

from __future__ import annotations

import io
import struct

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


@pytest.mark.parametrize(
    ("data", "advice"),
    [
        (b"\x1a\x45\xdf\xa3" + bytes(60), "MP4"),  # WebM / Matroska (EBML)
        (b"OggS" + bytes(60), "MP3"),
        (b"RIFF" + struct.pack("<I", 60) + b"WAVE" + bytes(52), "MP3"),
    ],
)
def test_containers_whose_tags_it_cannot_remove_are_refused_with_a_reason(data: bytes, advice: str) -> None:
    with pytest.raises(MediaMetadataError, match=f"cannot be cleaned of (its|their) tags; send .*{advice}"):
        strip_av_metadata(data)


def test_amr_has_no_tags_and_is_kept() -> None:
    amr = b"#!AMR\n" + bytes(64)
    assert strip_av_metadata(amr) == amr


def _header_times(data: bytes, kind: bytes) -> list[tuple[int, int]]:
    """(creation, modification) of every `kind` full box (version 0 or 1) in the file."""
    found, at = [], 0
    while (at := data.find(kind, at + 1)) > 0:
        version = data[at + 4]
        fmt, size = (">QQ", 16) if version == 1 else (">II", 8)
        found.append(struct.unpack(fmt, data[at + 8 : at + 8 + size]))
    return found


def test_recording_times_are_zeroed_and_every_frame_stays() -> None:
    """mvhd, tkhd and mdhd say when the phone recorded (and, with the zone, where)."""
    original = phone_video(
        "mp4", {"movflags": "use_metadata_tags"}, {"creation_time": "2026-11-30T21:14:05Z"}
    )
    assert any(any(t) for kind in (b"mvhd", b"tkhd", b"mdhd") for t in _header_times(original, kind))
    cleaned = strip_av_metadata(original)
    for kind in (b"mvhd", b"tkhd", b"mdhd"):
        assert _header_times(cleaned, kind) and all(t == (0, 0) for t in _header_times(cleaned, kind)), kind
    assert all(np.array_equal(a, b) for a, b in zip(frames(original), frames(cleaned), strict=True))


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _id3v2(text: bytes, version: int = 3) -> bytes:
    size = len(text)
    return b"ID3" + bytes([version, 0, 0]) + bytes([(size >> (7 * i)) & 0x7F for i in (3, 2, 1, 0)]) + text


def test_a_track_that_is_not_picture_or_sound_loses_its_samples() -> None:
    """Action cameras and drones write GPS as a timed metadata track: its samples go."""
    video = bytearray(phone_video())
    hdlr = video.index(b"hdlr")
    assert video[hdlr + 12 : hdlr + 16] == b"vide"  # mdia/hdlr: version+flags, type, subtype
    video[hdlr + 12 : hdlr + 16] = b"gpmd"  # now the only track is "metadata"
    cleaned = strip_av_metadata(bytes(video))
    mdat = cleaned.index(b"mdat")
    size = struct.unpack(">I", cleaned[mdat - 4 : mdat])[0]
    payload = cleaned[mdat + 4 : mdat - 4 + size]
    assert len(cleaned) == len(video) and payload and not any(payload)


def test_filler_boxes_and_meco_are_emptied_and_a_leading_id3_does_not_hide_the_video() -> None:
    video = phone_video() + _box(b"free", LOCATION.encode()) + _box(b"meco", b"serial SN12345")
    cleaned = strip_av_metadata(_id3v2(b"TXXX GPS " + LOCATION.encode()) + video)
    assert LOCATION.encode() not in cleaned and b"SN12345" not in cleaned and b"PhoneMaker" not in cleaned
    assert len(frames(cleaned)) == 12


def test_every_kind_of_mp3_tag_is_cut_off() -> None:
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    ape_items = b"\x05\x00\x00\x00\x00\x00\x00\x00Title\x00Home!"
    ape_footer = b"APETAGEX" + struct.pack("<IIII", 2000, len(ape_items) + 32, 1, 0) + bytes(8)
    v24_body = b"TXXX" + b"GPS 37.7749"
    size = bytes([(len(v24_body) >> (7 * i)) & 0x7F for i in (3, 2, 1, 0)])
    v24_appended = b"ID3\x04\x00\x10" + size + v24_body + b"3DI\x04\x00\x10" + size
    tagged = _id3v2(b"TIT2 one") + _id3v2(b"TIT2 two") + frame * 2 + ape_items + ape_footer + v24_appended
    tagged += b"TAG" + b"Recorded at home".ljust(125, b"\x00")
    assert strip_av_metadata(tagged) == frame * 2


def test_mangled_videos_are_cleaned_or_refused_never_crash() -> None:
    """Damage anywhere: a cleaned file or a MediaMetadataError with a reason, never another
    exception (which would fail the media job and send it to the dead letters)."""
    import random

    source = phone_video()
    rng = random.Random(3)
    outcomes = {"cleaned": 0, "refused": 0}
    for _ in range(300):
        mangled = bytearray(source)
        for _ in range(rng.randint(1, 6)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        try:
            strip_av_metadata(bytes(mangled))
            outcomes["cleaned"] += 1
        except MediaMetadataError:
            outcomes["refused"] += 1
    assert outcomes["cleaned"] and outcomes["refused"]


def test_crafted_tags_and_still_images_are_refused_not_looped_over() -> None:
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    empty_ape = b"APETAGEX" + struct.pack("<IIII", 2000, 0, 0, 0) + bytes(8)  # size 0: would never end
    with pytest.raises(MediaMetadataError, match="APE"):
        strip_av_metadata(frame * 2 + empty_ape)
    heic = _box(b"ftyp", b"heic" + bytes(4) + b"mif1heic") + _box(b"meta", bytes(40))
    with pytest.raises(MediaMetadataError, match="HEIC"):
        strip_av_metadata(heic)
