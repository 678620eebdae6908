"""Removing where-and-who metadata from tipster videos and audio, without re-encoding.

A phone video names the place it was shot (QuickTime `©xyz` in `moov/udta`, or the
`com.apple.quicktime.location.ISO6709` key in `moov/meta`), the phone's make, model and
software, and sometimes an XMP packet (`uuid` box); an MP3 carries ID3 tags. Re-encoding
would alter the evidence (and needs FFmpeg in Lambda), so instead:

- ISO base media files (MP4, MOV, 3GP, M4A): every `udta`, `meta` and `uuid` box, at the
  top level or inside the movie and its tracks, is overwritten in place by a `free` box of
  the same size with zeroed contents. No byte moves, so the sample tables' file offsets
  (`stco`/`co64`) stay right and the file plays exactly as before.
- MP3 / AAC (ADTS): the ID3v2 tag at the start and the ID3v1 tag at the end are cut off.
- WebM, Ogg, AMR and WAV are stored as received (their tags are rarely written by
  phones, and rewriting those containers safely needs a full muxer).

A file whose box structure does not parse is refused with a reason, not stored with its
metadata: the point is that nothing identifying slips through.
"""

from __future__ import annotations

import struct

from rtcc.tips.mediapolicy import sniff

#: Boxes that only hold other boxes, where metadata boxes may sit.
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"edts", b"mvex", b"moof", b"traf"})
#: Boxes that hold metadata (user data, iTunes/QuickTime keys, XMP and other uuid blobs).
_METADATA = frozenset({b"udta", b"meta", b"uuid"})
_MAX_DEPTH = 8


class MediaMetadataError(ValueError):
    pass


def strip_av_metadata(data: bytes) -> bytes:
    """`data` without the metadata this module knows how to remove (see the module doc).
    Chosen by the bytes, not the declared type: a mislabelled file is still cleaned."""
    if data[4:8] == b"ftyp":
        buf = bytearray(data)
        _blank_boxes(buf, 0, len(buf), 0)
        return bytes(buf)
    if sniff(data) in ("audio/mpeg", "audio/aac"):
        return _strip_id3(data)
    return data


def _blank_boxes(buf: bytearray, start: int, end: int, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise MediaMetadataError("could not remove metadata: boxes nested too deeply")
    pos = start
    while pos < end:
        if end - pos < 8:
            if any(buf[pos:end]):
                raise MediaMetadataError("could not remove metadata: a truncated box header")
            return  # zero padding at the end of a container
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise MediaMetadataError("could not remove metadata: a truncated box header")
            (size,) = struct.unpack_from(">Q", buf, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos  # the box runs to the end of its parent (or the file)
        if size < header or pos + size > end:
            raise MediaMetadataError(f"could not remove metadata: box {kind!r} has a bad size")
        if kind in _METADATA:
            buf[pos + 4 : pos + 8] = b"free"
            buf[pos + header : pos + size] = bytes(size - header)
        elif kind in _CONTAINERS:
            _blank_boxes(buf, pos + header, pos + size, depth + 1)
        pos += size


def _strip_id3(data: bytes) -> bytes:
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        flags = data[5]
        size_bytes = data[6:10]
        if any(b & 0x80 for b in size_bytes):
            raise MediaMetadataError("could not remove metadata: a malformed ID3 tag")
        size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
        start = 10 + size + (10 if flags & 0x10 else 0)  # header, tag, optional footer
        if start >= len(data):
            raise MediaMetadataError("could not remove metadata: the ID3 tag is the whole file")
    end = len(data)
    if end - start >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    return data[start:end]
