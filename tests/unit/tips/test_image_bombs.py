"""Decompression bombs (issue 8): an image's pixels and frames are checked from its header
against the settings' limits before anything is decoded, and a hostile file is a refusal
with a reason, never a crash of the consumer."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from functools import cache

import pytest
from PIL import Image
from rtcc.settings import reload_settings
from rtcc.tips.imagemeta import ImageLimits, ImageRejected, gif_layout, strip_metadata

MB = 1024 * 1024
LIMITS = ImageLimits(max_pixels=50_000_000, max_frames=300)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@cache
def one_colour_png(width: int, height: int) -> bytes:
    """A valid black RGB PNG, compressed row by row so the test never holds its pixels:
    12000x12000 is 432 MB decoded and about 420 KB on the wire."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + 3 * width)  # filter type 0, then black pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def gif(frames: int, frame_size: tuple[int, int] = (1, 1), screen: tuple[int, int] = (1, 1)) -> bytes:
    """A GIF of `frames` frames of `frame_size` (each one LZW-coded pixel: a larger frame's
    data is short, as a bomb's is) on a `screen`, with a two-colour global palette."""
    head = b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    control = b"\x21\xf9\x04\x04\x0a\x00\x00\x00"  # keep the frame, 100 ms
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, *frame_size, 0) + b"\x02\x02\x44\x01\x00"
    return head + loop + (control + image) * frames + b";"


def test_a_12000x12000_png_is_rejected_from_its_header() -> None:
    png = one_colour_png(12000, 12000)
    # Pillow's own guard is process-wide state the cleaner sets: read the header without it.
    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        assert len(png) < MB and Image.open(io.BytesIO(png)).size == (12000, 12000)
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    with pytest.raises(ImageRejected) as rejected:
        strip_metadata(png, "image/png", LIMITS)
    # Pillow's own guard (at open) sees it first: more than twice the limit.
    assert str(rejected.value) == "too many pixels: more than twice the limit of 50 megapixels"
    with pytest.raises(ImageRejected) as rejected:
        strip_metadata(one_colour_png(9000, 9000), "image/png", LIMITS)
    assert str(rejected.value) == "too many pixels: 9000x9000 (81 megapixels), the limit is 50 megapixels"


def test_a_1000_frame_gif_is_rejected_from_its_header() -> None:
    with pytest.raises(ImageRejected) as rejected:
        strip_metadata(gif(1000), "image/gif", LIMITS)
    assert str(rejected.value) == "too many frames: 1000, the limit is 300"


def test_gif_frames_count_at_the_size_pillow_decodes_them() -> None:
    """Pillow grows a GIF's canvas to fit a frame larger than its screen and decodes every
    frame onto it: a 1x1 screen does not make 5000x5000 frames small."""
    assert gif_layout(gif(3, (5000, 5000))) == (3, (5000, 5000))
    with pytest.raises(ImageRejected, match=r"3 frames of 5000x5000 \(75 megapixels\)"):
        strip_metadata(gif(3, (5000, 5000)), "image/gif", LIMITS)
    with pytest.raises(ImageRejected, match=r"too many pixels: 9000x9000"):
        strip_metadata(gif(1, (9000, 9000)), "image/gif", LIMITS)


def test_gif_layout_agrees_with_pillow() -> None:
    frames = [Image.new("RGB", (30, 20), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"a comment")
    img = Image.open(io.BytesIO(out.getvalue()))
    assert gif_layout(out.getvalue()) == (img.n_frames, img.size) == (3, (30, 20))
    assert Image.open(io.BytesIO(strip_metadata(out.getvalue(), "image/gif", LIMITS))).n_frames == 3


def test_a_malformed_image_is_a_refusal_not_a_crash() -> None:
    """Pillow raises IndexError counting the frames of a GIF cut after its second frame's
    descriptor: the item is refused with a reason rather than failing (and being retried
    until dead-lettered) as a record."""
    frame = 8 + 10 + 5  # graphic control, descriptor, one-pixel LZW data
    truncated = gif(2)[: 13 + 6 + 19 + frame + 8 + 10]
    with pytest.raises(ImageRejected, match="not a readable image"):
        strip_metadata(truncated, "image/gif", LIMITS)


def test_the_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # the cleaner sets it
    monkeypatch.setenv("RTCC_TIPS_MAX_IMAGE_FRAMES", "2")
    monkeypatch.setenv("RTCC_TIPS_MAX_IMAGE_PIXELS", "1000")
    reload_settings()
    try:
        with pytest.raises(ImageRejected, match="too many frames: 3, the limit is 2"):
            strip_metadata(gif(3), "image/gif")
        with pytest.raises(ImageRejected, match="too many pixels: 40x30"):
            strip_metadata(one_colour_png(40, 30), "image/png")
        assert strip_metadata(gif(2), "image/gif")
    finally:
        monkeypatch.undo()
        reload_settings()


_CLEAN_ONE = """
import sys
from rtcc.tips.imagemeta import ImageRejected, strip_metadata
data = sys.stdin.buffer.read()
try:
    strip_metadata(data, sys.argv[1])
    print("stored")
except ImageRejected as exc:
    print(exc)
# This process's own peak (VmHWM, KiB): ru_maxrss would carry over the peak of the pytest
# process that forked it (Linux keeps it across exec), which is no measure of the cleaner.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


@pytest.mark.parametrize(
    ("make", "content_type", "reason"),
    [
        (lambda: one_colour_png(12000, 12000), "image/png", "too many pixels: more than twice"),
        (lambda: gif(1000), "image/gif", "too many frames: 1000"),
    ],
    ids=["12000x12000-png", "1000-frame-gif"],
)
def test_a_bomb_is_refused_in_bounded_memory(make, content_type: str, reason: str) -> None:
    """The cleaner, alone in a process as in a 1024 MB function, refuses each bomb without
    ever growing past 600 MB (the PNG alone is 432 MB once decoded, over 1.5 GB with the
    cleaner's copies)."""
    env = {**os.environ, "RTCC_TIPS_MAX_IMAGE_PIXELS": "50000000", "RTCC_TIPS_MAX_IMAGE_FRAMES": "300"}
    done = subprocess.run(
        [sys.executable, "-c", _CLEAN_ONE, content_type],
        input=make(),
        capture_output=True,
        env=env,
        timeout=120,
        check=True,
    )
    outcome, peak_kib = done.stdout.decode().splitlines()
    assert outcome.startswith(reason)
    assert int(peak_kib) * 1024 < 600 * MB


def _gif_lzw(width: int, height: int) -> tuple[int, bytes]:
    """The LZW code size and data Pillow writes for a blank width x height frame."""
    buf = io.BytesIO()
    Image.new("P", (width, height), 0).save(buf, "GIF")
    data = buf.getvalue()
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while data[pos] == 0x21:  # extensions
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    local = data[pos + 9]
    pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
    code_size, raw = data[pos], b""
    pos += 1
    while data[pos]:
        raw += data[pos + 1 : pos + 1 + data[pos]]
        pos += data[pos] + 1
    return code_size, raw


def _sub_blocks(raw: bytes, first: int) -> bytes:
    out, raw = bytes([len(raw[:first])]) + raw[:first], raw[first:]
    while raw:
        out, raw = out + bytes([len(raw[:255])]) + raw[:255], raw[255:]
    return out + b"\0"


def gif_with_hidden_frames(width: int, height: int, hidden: int) -> bytes:
    """A 1x1 GIF whose big frames hide inside comment extensions placed after an empty
    graphic-control block: a plain scan sees one frame, Pillow decodes them all (review)."""
    header = b"GIF89a" + (1).to_bytes(2, "little") * 2 + bytes([0x80, 0, 0]) + b"\0\0\0\xff\xff\xff"
    size0, raw0 = _gif_lzw(1, 1)
    first = b"," + bytes(4) + (1).to_bytes(2, "little") * 2 + b"\0" + bytes([size0]) + _sub_blocks(raw0, 255)
    code_size, raw = _gif_lzw(width, height)
    body = b""
    for _ in range(hidden):
        descriptor = (
            b","
            + bytes(4)
            + width.to_bytes(2, "little")
            + height.to_bytes(2, "little")
            + b"\0"
            + bytes([code_size])
        )
        lzw = _sub_blocks(raw, 200)
        comment = bytes(31) + b"\0" + descriptor + lzw[:201]
        body += b"\x21\xf9\x00" + b"\x21\xfe" + bytes([len(comment)]) + comment + lzw[201:]
    return header + first + body + b";"


def test_frames_hidden_from_the_header_scan_are_still_counted_while_decoding() -> None:
    data = gif_with_hidden_frames(1414, 1414, 10)  # 20 megapixels in frames a scan misses
    with pytest.raises(ImageRejected, match="too many pixels"):
        strip_metadata(data, "image/gif", ImageLimits(max_pixels=1_000_000, max_frames=300))
