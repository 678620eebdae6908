"""Removing where-and-who metadata from tipster videos and audio, without re-encoding.

A phone video names the place it was shot (QuickTime `©xyz` in `moov/udta`, or the
`com.apple.quicktime.location.ISO6709` key in `moov/meta`), the phone's make, model and
software, and sometimes an XMP packet (`uuid` box); action cameras and drones write GPS
and serial numbers as timed metadata tracks (GoPro GPMF, `camm`, subtitle tracks); an
MP3 carries ID3 and APE tags. Re-encoding would alter the evidence (and needs FFmpeg in
Lambda), so instead:

- ISO base media files (MP4, MOV, 3GP, M4A): every `udta`, `meta`, `meco` and `uuid` box,
  at the top level or inside the movie and its tracks, and every box those levels do not
  define (a vendor's `gps ` box), is overwritten in place by a
  `free` box of the same size with zeroed contents, and the contents of existing
  `free`/`skip`/`wide` boxes are zeroed. The samples of every track that is neither video
  nor sound (timed metadata, subtitles, timecode) are zeroed where they lie in `mdat`.
  No byte moves, so the sample tables' offsets stay right and the picture and sound
  play exactly as before.
- MP3 / AAC (ADTS): ID3v2 tags at the start (stacked ones too) and ID3v2 (footer), APEv2
  and ID3v1 tags at the end are cut off.
- The movie's, each track's and each media's creation and modification times (`mvhd`,
  `tkhd`, `mdhd`) are zeroed: they tell when (and, with a time zone, roughly where) the
  phone recorded it, and nothing plays by them.
- WebM/Matroska, Ogg and WAV are refused with a reason (their tags, `SimpleTag`,
  Vorbis comments, RIFF `LIST/INFO`, cannot be removed safely without a full muxer);
  AMR carries no tags and is kept. A fragmented MP4 with a data track is refused (its
  samples sit in fragments this does not rewrite); HEIF/AVIF stills too.

A file whose structure does not parse is refused with a reason, not stored with its
metadata: the point is that nothing identifying slips through.
"""

from __future__ import annotations

import struct

from rtcc.tips.mediapolicy import sniff

#: Boxes that only hold other boxes, where metadata boxes may sit.
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"edts", b"mvex", b"moof", b"traf", b"dinf"})
#: Boxes that hold metadata (user data, iTunes/QuickTime keys, XMP and other uuid blobs).
_METADATA = frozenset({b"udta", b"meta", b"meco", b"uuid"})
#: What each level may hold besides metadata; anything else (a vendor's `gps ` box, a
#: box a tool renamed) is blanked like metadata: players do not need what they do not know.
_KNOWN = {
    0: frozenset(
        {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pdin", b"moof", b"mfra", b"styp", b"sidx"}
    ),
    b"moov": frozenset(
        {b"mvhd", b"trak", b"mvex", b"iods", b"prfl", b"clip", b"ctab", b"free", b"skip", b"wide"}
    ),
    b"trak": frozenset(
        {
            b"tkhd",
            b"mdia",
            b"edts",
            b"tref",
            b"txas",
            b"load",
            b"imap",
            b"clip",
            b"matt",
            b"tapt",
            b"trgr",
            b"free",
        }
    ),
    b"mdia": frozenset({b"mdhd", b"hdlr", b"minf", b"elng", b"free"}),
    b"minf": frozenset(
        {b"vmhd", b"smhd", b"hmhd", b"nmhd", b"gmhd", b"sthd", b"dinf", b"stbl", b"hdlr", b"free"}
    ),
}
#: Filler boxes: kept, but whatever an editor left inside them is zeroed.
_FILLER = frozenset({b"free", b"skip", b"wide"})
#: Full boxes whose first fields after version and flags are the creation and modification
#: times (32-bit in version 0, 64-bit in version 1).
_TIMED_HEADERS = frozenset({b"mvhd", b"tkhd", b"mdhd"})
#: Containers whose tags this module cannot remove: refused, with the reason a tipster reads.
_UNCLEANABLE = {
    "video/webm": "WebM videos cannot be cleaned of their tags; send the video as MP4",
    "audio/webm": "WebM audio cannot be cleaned of its tags; send it as MP3 or M4A",
    "audio/ogg": "Ogg audio cannot be cleaned of its tags; send it as MP3 or M4A",
    "audio/wav": "WAV audio cannot be cleaned of its tags; send it as MP3 or M4A",
}
#: Track handlers whose samples are the picture and the sound; any other track's samples
#: (GPS, sensor data, subtitles, timecode) are zeroed.
_MEDIA_HANDLERS = frozenset({b"vide", b"soun"})
_MAX_DEPTH = 8


#: ISO-family still images (HEIF/AVIF): their `meta` box is the picture itself.
_STILL_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"})
#: Samples zeroed per file, across all tracks (a 5 MB file cannot hold more real ones).
_MAX_SAMPLES = 2_000_000


class MediaMetadataError(ValueError):
    pass


class _Budget:
    """Work one file may cause: zeroed bytes never exceed its length (overlapping or
    repeated sample ranges are a crafted file), nor samples a fixed cap."""

    def __init__(self, size: int) -> None:
        self.bytes_left = size
        self.samples_left = _MAX_SAMPLES
        self.data_tracks = 0
        self.fragmented = False

    def spend(self, nbytes: int, samples: int) -> None:
        self.bytes_left -= nbytes
        self.samples_left -= samples
        if self.bytes_left < 0 or self.samples_left < 0:
            raise MediaMetadataError(
                "could not remove metadata: sample tables point at more data than the file"
            )


def strip_av_metadata(data: bytes) -> bytes:
    """`data` without the metadata this module knows how to remove (see the module doc).
    Chosen by the bytes, not the declared type: a mislabelled file is still cleaned."""
    start = 0
    while data[start : start + 3] == b"ID3":  # ID3 tags can also be put in front of other formats
        start += _id3v2_length(data, start)
    data = data[start:]
    if data[4:8] == b"ftyp":
        if data[8:12] in _STILL_IMAGE_BRANDS:
            raise MediaMetadataError("HEIC/AVIF pictures are not accepted; send the photo as JPEG")
        buf = bytearray(data)
        budget = _Budget(len(buf))
        _walk(buf, 0, len(buf), 0, budget=budget)
        if budget.data_tracks and budget.fragmented:
            raise MediaMetadataError(
                "could not remove metadata: a fragmented video with data tracks (GPS, subtitles)"
            )
        return bytes(buf)
    kind = sniff(data)
    if kind in ("audio/mpeg", "audio/aac"):
        return _strip_tail_tags(data)
    if kind in _UNCLEANABLE:
        raise MediaMetadataError(_UNCLEANABLE[kind])
    return data


def _zero_times(buf: bytearray, payload: int, end: int) -> None:
    """Zero a movie/track/media header's creation and modification times, in place."""
    width = 8 if end - payload >= 1 and buf[payload] == 1 else 4
    if end - payload < 4 + 2 * width:
        raise MediaMetadataError("could not remove metadata: a movie header too short")
    buf[payload + 4 : payload + 4 + 2 * width] = bytes(2 * width)


def _boxes(buf: bytearray, start: int, end: int):
    """(type, box start, payload start, box end) of each box in [start, end)."""
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
        yield kind, pos, pos + header, pos + size
        pos += size


def _walk(
    buf: bytearray, start: int, end: int, depth: int, parent: bytes | int = 0, *, budget: _Budget
) -> None:
    if depth > _MAX_DEPTH:
        raise MediaMetadataError("could not remove metadata: boxes nested too deeply")
    known = _KNOWN.get(parent)
    for kind, box, payload, box_end in list(_boxes(buf, start, end)):
        if kind == b"moof":
            budget.fragmented = True
        if kind in _METADATA or (known is not None and kind not in known):
            buf[box + 4 : box + 8] = b"free"
            buf[payload:box_end] = bytes(box_end - payload)
        elif kind in _FILLER:
            buf[payload:box_end] = bytes(box_end - payload)
        elif kind in _TIMED_HEADERS:
            _zero_times(buf, payload, box_end)
        elif kind == b"trak":
            _zero_non_media_samples(buf, payload, box_end, budget)
            _walk(buf, payload, box_end, depth + 1, kind, budget=budget)
        elif kind in _CONTAINERS:
            _walk(buf, payload, box_end, depth + 1, kind, budget=budget)


def _find(buf: bytearray, start: int, end: int, path: list[bytes]) -> tuple[int, int] | None:
    """Payload range of the box at `path` below [start, end), or None."""
    for kind, _, payload, box_end in _boxes(buf, start, end):
        if kind == path[0]:
            return (payload, box_end) if len(path) == 1 else _find(buf, payload, box_end, path[1:])
    return None


def _zero_non_media_samples(buf: bytearray, start: int, end: int, budget: _Budget) -> None:
    hdlr = _find(buf, start, end, [b"mdia", b"hdlr"])
    if hdlr is None or hdlr[1] - hdlr[0] < 12:
        raise MediaMetadataError("could not remove metadata: a track without a handler")
    if bytes(buf[hdlr[0] + 8 : hdlr[0] + 12]) in _MEDIA_HANDLERS:
        return
    budget.data_tracks += 1
    stbl = _find(buf, start, end, [b"mdia", b"minf", b"stbl"])
    if stbl is None:
        return  # a track with no samples
    uniform, sizes = _sample_sizes(buf, _find(buf, *stbl, [b"stsz"]), budget)
    count = len(sizes) if sizes is not None else uniform[1]
    runs = sorted(_table(buf, _find(buf, *stbl, [b"stsc"]), ">III"))
    offsets = _chunk_offsets(buf, stbl)
    run, per_chunk, sample = -1, 0, 0
    for chunk, offset in enumerate(offsets, start=1):
        if sample >= count:
            return
        # stsc: from `first` chunk on, each chunk holds `n` samples (until the next run).
        while run + 1 < len(runs) and runs[run + 1][0] <= chunk:
            run += 1
            per_chunk = runs[run][1]
        n = min(per_chunk, count - sample)
        nbytes = sum(sizes[sample : sample + n]) if sizes is not None else uniform[0] * n
        budget.spend(nbytes, n)
        if offset + nbytes > len(buf):
            raise MediaMetadataError("could not remove metadata: a track's samples lie outside the file")
        buf[offset : offset + nbytes] = bytes(nbytes)  # a chunk's samples lie back to back
        sample += n


def _table(buf: bytearray, where: tuple[int, int] | None, fmt: str) -> list[tuple[int, ...]]:
    """Entries of a full box holding a count and fixed-size records."""
    if where is None:
        return []
    start, end = where
    if end - start < 8:
        raise MediaMetadataError("could not remove metadata: a truncated sample table")
    (count,) = struct.unpack_from(">I", buf, start + 4)
    width = struct.calcsize(fmt)
    if start + 8 + count * width > end:
        raise MediaMetadataError("could not remove metadata: a sample table longer than its box")
    return [struct.unpack_from(fmt, buf, start + 8 + i * width) for i in range(count)]


def _sample_sizes(
    buf: bytearray, where: tuple[int, int] | None, budget: _Budget
) -> tuple[tuple[int, int], list[int] | None]:
    """((uniform size, count), None) when every sample has one size, else ((0, n), sizes)."""
    if where is None:
        raise MediaMetadataError("could not remove metadata: a track without sample sizes (stsz)")
    start, end = where
    if end - start < 12:
        raise MediaMetadataError("could not remove metadata: a truncated sample size table")
    uniform, count = struct.unpack_from(">II", buf, start + 4)
    if count > budget.samples_left:
        raise MediaMetadataError("could not remove metadata: more samples than the file can hold")
    if uniform:
        return (uniform, count), None
    if start + 12 + 4 * count > end:
        raise MediaMetadataError("could not remove metadata: a sample table longer than its box")
    return (0, count), list(struct.unpack_from(f">{count}I", buf, start + 12))


def _chunk_offsets(buf: bytearray, stbl: tuple[int, int]) -> list[int]:
    if (where := _find(buf, *stbl, [b"stco"])) is not None:
        return [o for (o,) in _table(buf, where, ">I")]
    if (where := _find(buf, *stbl, [b"co64"])) is not None:
        return [o for (o,) in _table(buf, where, ">Q")]
    raise MediaMetadataError("could not remove metadata: a track without chunk offsets")


def _syncsafe(four: bytes) -> int:
    """ID3v2's 28-bit size: seven bits per byte."""
    return (four[0] << 21) | (four[1] << 14) | (four[2] << 7) | four[3]


def _id3v2_length(data: bytes, at: int) -> int:
    """Bytes of the ID3v2 tag that starts at `at` (header, body and optional footer)."""
    if len(data) - at < 10:
        raise MediaMetadataError("could not remove metadata: a truncated ID3 tag")
    version, flags, size_bytes = data[at + 3], data[at + 5], data[at + 6 : at + 10]
    if any(b & 0x80 for b in size_bytes):
        raise MediaMetadataError("could not remove metadata: a malformed ID3 tag")
    footer = 10 if version == 4 and flags & 0x10 else 0  # a footer exists in v2.4 only
    length = 10 + _syncsafe(size_bytes) + footer
    if at + length >= len(data):
        raise MediaMetadataError("could not remove metadata: the ID3 tag is the whole file")
    return length


def _strip_tail_tags(data: bytes) -> bytes:
    """Cut ID3v1, APEv2 and appended ID3v2.4 tags off the end, in whatever order they sit."""
    end = len(data)
    while True:
        if end >= 128 and data[end - 128 : end - 125] == b"TAG":
            end -= 128
        elif end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
            size, flags = struct.unpack_from("<II", data, end - 20)
            if size < 32:
                raise MediaMetadataError("could not remove metadata: a malformed APE tag")
            end -= size + (32 if flags & 0x80000000 else 0)  # items + footer (+ header)
        elif end >= 10 and data[end - 10 : end - 7] == b"3DI":
            end -= 20 + _syncsafe(data[end - 4 : end])  # header, body, footer
        else:
            break
        if end <= 0:
            raise MediaMetadataError("could not remove metadata: the tags are the whole file")
    return data[:end]
